// vm.h: one KVM virtual machine with one block of guest physical memory, and
// its vCPUs. The thin layer over /dev/kvm: no policy, no layout (machine.h).
//
//   Result<Vm> vm = Vm::create(64 << 20);          // memfd-backed, at guest physical 0
//   uint8_t* mem = vm.value().memory();            // the host's view of it
//   Result<Vcpu> cpu = vm.value().add_vcpu();
//   cpu.value().set_registers(regs); cpu.value().set_special(sregs);
//   Result<Exit> e = cpu.value().run();            // until the guest exits to us
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "kvm_error.h"
#include "xabi/unique_fd.h"

namespace xabi::kvm {

// Why KVM_RUN returned.
struct Exit {
  enum class Kind {
    kIo,           // port I/O: port, out, size, value
    kHlt,          // the vCPU executed hlt
    kMmio,         // an access to guest physical memory with no memory behind it: address, out
    kShutdown,     // triple fault (or a shutdown the guest caused)
    kFailEntry,    // the hardware refused to enter the guest: reason
    kInternal,     // KVM could not emulate something: reason
    kInterrupted,  // a signal reached the vCPU thread (KVM_RUN gave EINTR), or immediate_exit was set
    kOther,        // any other exit: reason = kvm_run.exit_reason
  };
  Kind kind = Kind::kOther;
  uint16_t port = 0;
  bool out = false;
  uint8_t size = 0;
  uint32_t value = 0;    // an OUT's data (size bytes), little-endian
  uint64_t address = 0;  // kMmio
  uint64_t reason = 0;
  uint64_t data[4] = {};  // kInternal: what KVM adds (for an emulation failure, the instruction bytes among them)
};

// "port I/O", "hlt", ...: for reports.
std::string describe(const Exit& e);

class Vcpu {
 public:
  Vcpu(Vcpu&& o) noexcept;
  Vcpu& operator=(Vcpu&&) = delete;
  ~Vcpu();

  int id() const { return id_; }
  int fd() const { return fd_.get(); }

  Result<kvm_regs> registers() const;
  Status set_registers(const kvm_regs& r);
  Result<kvm_sregs> special() const;
  Status set_special(const kvm_sregs& s);

  // Runs the guest until it exits to the host. An IN's answer is given with
  // answer_in() before the next run().
  Result<Exit> run();
  void answer_in(uint32_t value);

  // Makes a run() in progress on another thread (or the next one) return
  // kInterrupted soon: the caller also signals the running thread.
  void request_exit() { __atomic_store_n(&run_->immediate_exit, 1, __ATOMIC_RELEASE); }
  void clear_exit_request() { __atomic_store_n(&run_->immediate_exit, 0, __ATOMIC_RELEASE); }

 private:
  friend class Vm;
  Vcpu(int id, UniqueFd fd, kvm_run* run, size_t run_size) : id_(id), fd_(std::move(fd)), run_(run), run_size_(run_size) {}

  int id_;
  UniqueFd fd_;
  kvm_run* run_;
  size_t run_size_;
};

class Vm {
 public:
  // A VM whose guest physical memory is [0, memory_bytes) (a page multiple),
  // backed by a memfd the host maps once.
  static Result<Vm> create(uint64_t memory_bytes);

  Vm(Vm&& o) noexcept;
  Vm& operator=(Vm&&) = delete;
  ~Vm();

  uint8_t* memory() const { return mem_; }
  uint64_t memory_bytes() const { return mem_bytes_; }
  int memory_fd() const { return memfd_.get(); }

  // vCPUs cannot be destroyed before the VM: the machine pools them.
  Result<Vcpu> add_vcpu();

 private:
  Vm(UniqueFd kvm, UniqueFd vm, UniqueFd memfd, uint8_t* mem, uint64_t bytes, size_t run_size)
      : kvm_(std::move(kvm)), vm_(std::move(vm)), memfd_(std::move(memfd)), mem_(mem), mem_bytes_(bytes), run_size_(run_size) {}

  UniqueFd kvm_, vm_, memfd_;
  uint8_t* mem_;
  uint64_t mem_bytes_;
  size_t run_size_;
  int next_vcpu_ = 0;
};

}  // namespace xabi::kvm
