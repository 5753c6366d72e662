// picoprocess.h: one picoprocess on the KVM host: a kernel-less machine
// (machine.h) holding the KVM PAL (pal/kvm) and the guest image, the host's
// map of its memory (guest_space.h), its call service (call_service.h), the
// ring server that answers HOST calls from the slots without a VM exit, and a
// host thread per live guest thread, each running one pooled vCPU.
//
//   KvmPicoprocess::Options o{...};
//   Result<std::unique_ptr<KvmPicoprocess>> p = KvmPicoprocess::launch(o);
//   int status = p.value()->wait();   // how it ended, as the exit-status convention says
//   // stderr has carried the kill report, if any
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "call_service.h"
#include "guest_space.h"
#include "kvm_link.h"
#include "machine.h"

namespace xabi::kvm {

class KvmPicoprocess {
 public:
  struct Options {
    std::vector<uint8_t> pal;    // the KVM PAL image
    std::vector<uint8_t> image;  // the guest image
    std::vector<std::string> args;  // the guest's xabi_args(): the image name first
    uint64_t memory = 64ull << 20;  // the alloc quota, a page multiple
    int listen_fd = -1;             // borrowed
    bool console = true;
    std::string origin;             // "http://host[:port]"; empty: no origin
  };

  static Result<std::unique_ptr<KvmPicoprocess>> launch(const Options& o);
  ~KvmPicoprocess();

  // Blocks until the picoprocess has ended; its exit status (0..255).
  int wait();

  // Figures for the bench (xabi-kvm run --stats): HOST calls the ring
  // server answered with no VM exit, HOST calls served on their vCPU's own
  // thread after an exit, and host-op exits (time, zutex, threads ...).
  uint64_t ring_served() const { return __atomic_load_n(&ring_served_, __ATOMIC_RELAXED); }
  uint64_t slot_exits() const { return __atomic_load_n(&slot_exits_, __ATOMIC_RELAXED); }
  uint64_t op_exits() const { return __atomic_load_n(&op_exits_, __ATOMIC_RELAXED); }

 private:
  explicit KvmPicoprocess(Machine m) : machine_(std::move(m)) {}
  Status lay_out(const Options& o);
  Status start_thread(Vcpu* cpu);
  void run_vcpu(Vcpu* cpu);
  // Serves one op exit; false when the vCPU must not run again.
  bool serve_op(Vcpu& cpu);
  int64_t serve_slot(uint32_t index);
  int64_t thread_create(uint64_t start, uint64_t stack, uint64_t entry, uint64_t arg);
  int64_t zutex_wait(uint64_t specs_va, uint64_t n);
  int64_t zutex_wake(uint64_t word, uint64_t expect, uint64_t n_wake, uint64_t n_requeue, uint64_t requeue);
  void ring_server();
  void wake_server();
  // Ends the picoprocess (the first end counts): status, and a report for stderr.
  void end(int status, const std::string& report);
  void end_thread(Vcpu* cpu);

  Machine machine_;
  GuestSpace space_;
  std::unique_ptr<CallService> calls_;
  xabi_kvm_ro* ro_ = nullptr;     // the host's view of the guest's read-only block
  uint8_t* slots_ = nullptr;      // the host's view of the slot area

  std::mutex mu_;                 // guards what follows
  std::condition_variable ended_cv_;
  bool ended_ = false;
  int status_ = 0;
  int live_threads_ = 0;
  std::vector<Vcpu*> idle_vcpus_;  // the pool

  uint32_t server_wake_ = 0;       // the ring server sleeps on this word
  uint64_t ring_served_ = 0, slot_exits_ = 0, op_exits_ = 0;
};

}  // namespace xabi::kvm
