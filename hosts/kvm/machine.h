// machine.h: a KVM virtual machine made into a kernel-less 64-bit x86 machine
// for one picoprocess. The guest runs at CPL 3; CPL 0 belongs to the host's
// stubs. The host lays out guest physical memory, writes the page tables, a
// GDT, a TSS per vCPU and an IDT whose every vector leads to a stub that
// reports the vector on kExceptionPort, and points the syscall entry (LSTAR)
// at one that reports kSyscallVector: the guest has no kernel, so an
// exception, an interrupt, hlt or a system-call instruction can only end in a
// report to the host. The guest's one way out on purpose is port output to
// kCallPort (the TSS's I/O bitmap allows that port alone); from_guest() tells
// an exit the guest made itself from a stub's report.
//
// Why CPL 3: on a host whose KVM is PVM (software virtualisation, as on these
// machines), CPL-0 guest code is emulated instruction by instruction (about
// 2 us each) while CPL-3 code runs natively; on hardware KVM both run natively.
//
// Guest physical memory (all in one memfd):
//   [kSystemPa, kTablePoolPa)        GDT, IDT, stubs, TSSs, exception stacks
//   [kTablePoolPa, kGuestPa)         page tables (never mapped for the guest)
//   [kGuestPa, kGuestPa + guest)     the guest's own memory (map_guest)
// Guest virtual memory: the system area at kSystemVa (the upper half, above
// ADDR_LIMIT: never guest memory), guest memory wherever map_guest puts it.
//
//   Result<Machine> m = Machine::create(64 << 20);
//   m.value().map_guest(0x400000, 0, 4096, Access::kReadExec);
//   Result<Vcpu*> cpu = m.value().start_vcpu(rip, rsp, rdi);
//   Result<Exit> e = (*cpu)->run();
//   if (e.kind == kIo && e.port == Machine::kExceptionPort) report(m.value().describe_exception(**cpu, e.value));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "page_tables.h"
#include "vm.h"

namespace xabi::kvm {

class Machine {
 public:
  static constexpr uint16_t kExceptionPort = 0xe1;  // the stubs' report: value = vector
  static constexpr uint16_t kCallPort = 0xe2;       // out from CPL 3: the guest's registers are the request
  static constexpr uint32_t kSyscallVector = 0x100; // reported by the LSTAR stub: a syscall instruction
  static constexpr int kMaxVcpus = 64;
  static constexpr uint64_t kSystemPa = 0x1000;
  static constexpr uint64_t kTablePoolPa = 0x100000, kTablePoolBytes = 8u << 20;
  static constexpr uint64_t kGuestPa = kTablePoolPa + kTablePoolBytes;
  static constexpr uint64_t kSystemVa = 0xffffff8000000000ull;  // PML4 slot 511

  // A machine with `guest_bytes` (a page multiple) of memory for the guest.
  static Result<Machine> create(uint64_t guest_bytes);

  Machine(Machine&&) noexcept = default;
  ~Machine();

  Vm& vm() { return *vm_; }
  PageTables& tables() { return *tables_; }
  uint64_t guest_bytes() const { return guest_bytes_; }
  // The host's view of guest memory at `offset` (from kGuestPa).
  uint8_t* guest(uint64_t offset) const { return vm_->memory() + kGuestPa + offset; }

  // Maps guest memory [offset, offset + len) at virtual address va.
  Status map_guest(uint64_t va, uint64_t offset, uint64_t len, Access access);

  // Makes a new vCPU and points it at rip with the given stack and first two
  // arguments, in 64-bit mode at CPL 3 on this machine's tables.
  Result<Vcpu*> start_vcpu(uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi = 0);
  // The same for a vCPU that ran before (KVM vCPUs cannot be destroyed: a
  // host pools them): every register as a new vCPU has it, FS base 0.
  Status restart_vcpu(Vcpu& cpu, uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi);
  // The guest's TLS base (FS base) of a stopped vCPU.
  Status set_fs_base(Vcpu& cpu, uint64_t base);

  // What a vCPU that reported `vector` on kExceptionPort did, in words, with
  // the instruction when it is one a kernel-less guest must not use:
  // "a syscall instruction at 0x401000", "#PF (page fault) at 0x401003 on 0x700000 (write)".
  // Reads the frame the CPU pushed; the vCPU is not resumed afterwards.
  std::string describe_exception(Vcpu& cpu, uint32_t vector) { return report_exception(cpu, vector).what; }
  struct ExceptionReport {
    std::string what;     // as describe_exception
    bool escape = false;  // an instruction that tries to reach a kernel or a device (syscall, int n, in/out ...)
  };
  ExceptionReport report_exception(Vcpu& cpu, uint32_t vector);

  // Whether the vCPU stopped in guest code (CPL 3), not in a stub.
  Result<bool> from_guest(const Vcpu& cpu) const;

  // Copies guest virtual memory through the current page tables; false if
  // any byte is not mapped.
  bool read_virtual(uint64_t va, void* out, size_t len) const;

 private:
  Machine(std::unique_ptr<Vm> vm, std::unique_ptr<PageTables> tables, uint64_t guest_bytes)
      : vm_(std::move(vm)), tables_(std::move(tables)), guest_bytes_(guest_bytes) {}
  Status build_system_area();

  std::unique_ptr<Vm> vm_;
  std::unique_ptr<PageTables> tables_;
  uint64_t guest_bytes_;
  std::vector<std::unique_ptr<Vcpu>> vcpus_;
};

}  // namespace xabi::kvm
