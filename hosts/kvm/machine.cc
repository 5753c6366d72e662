#include "machine.h"

#include "xabi/xabi.h"

#include <sys/ioctl.h>

#include <cstdio>
#include <cstring>

namespace xabi::kvm {
namespace {

// The system area, as offsets from kSystemPa (and from its virtual address).
constexpr uint64_t kGdtOff = 0x0000, kIdtOff = 0x1000, kStubsOff = 0x2000;
// One TSS per vCPU: the 0x68-byte TSS, then an I/O bitmap for ports 0..255
// (a set bit denies) and the 0xff byte the CPU may read past its end.
constexpr uint64_t kIoBitmapOff = 0x68, kIoBitmapBytes = 256 / 8;
constexpr uint64_t kTssOff = 0x4000, kTssBytes = 0x100, kTssLimit = kIoBitmapOff + kIoBitmapBytes;
constexpr uint64_t kStacksOff = 0x8000, kStackBytes = 0x1000;          // one exception stack per vCPU
static_assert(kTssLimit + 1 <= kTssBytes && Machine::kCallPort + 4 <= 256);
constexpr uint64_t kSystemBytes = kStacksOff + Machine::kMaxVcpus * kStackBytes;
static_assert(Machine::kSystemPa + kSystemBytes <= Machine::kTablePoolPa);
static_assert(kTssOff + Machine::kMaxVcpus * kTssBytes <= kStacksOff);
constexpr uint64_t kStubBytes = 10;  // mov $v, %eax; out %eax, $port; hlt; jmp .-1
constexpr uint64_t kSyscallStubOff = kStubsOff + 256 * kStubBytes;
static_assert(kSyscallStubOff + kStubBytes <= kTssOff);

// GDT: null, kernel code, kernel data, user data, user code (the order
// syscall/sysret's STAR expects), then the TSS descriptor.
constexpr uint16_t kCodeSelector = 0x08, kUserDataSelector = 0x1b, kUserCodeSelector = 0x23, kTssSelector = 0x28;
constexpr int kGdtEntries = 7;

// MSRs set on every vCPU (KVM_SET_MSRS; its number, like the CPUID ones, is
// spelled with C's sizeof(struct kvm_msrs): see vm.cc).
constexpr uint32_t kMsrStar = 0xc0000081, kMsrLstar = 0xc0000082, kMsrSfmask = 0xc0000084;
constexpr unsigned long kSetMsrs = _IOC(_IOC_WRITE, KVMIO, 0x89, 8);

uint64_t system_va(uint64_t off) { return Machine::kSystemVa + off; }

// Vectors whose exception pushes an error code.
bool has_error_code(uint32_t v) { return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30; }

const char* vector_name(uint32_t v) {
  static const char* const kNames[] = {
      "#DE (divide error)", "#DB (debug)", "NMI", "#BP (breakpoint)", "#OF (overflow)", "#BR (bound range)",
      "#UD (invalid opcode)", "#NM (device not available)", "#DF (double fault)", "coprocessor segment overrun",
      "#TS (invalid TSS)", "#NP (segment not present)", "#SS (stack fault)", "#GP (general protection)",
      "#PF (page fault)", "reserved vector 15", "#MF (x87 floating point)", "#AC (alignment check)",
      "#MC (machine check)", "#XM (SIMD floating point)", "#VE (virtualization)", "#CP (control protection)"};
  return v < sizeof kNames / sizeof kNames[0] ? kNames[v] : nullptr;
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

// An instruction a kernel-less guest may try in order to reach a kernel or a
// device; empty if the bytes are none of them.
std::string escape_instruction(const uint8_t* b) {
  if (b[0] == 0x0f && b[1] == 0x05) return "a syscall instruction";
  if (b[0] == 0x0f && b[1] == 0x34) return "a sysenter instruction";
  if (b[0] == 0x0f && b[1] == 0x07) return "a sysret instruction";
  if (b[0] == 0xcd) return "int " + hex(b[1]);
  if (b[0] == 0xcc) return "int3";
  if (b[0] == 0xf4) return "a hlt instruction";
  if (b[0] == 0xe6 || b[0] == 0xe7 || b[0] == 0xee || b[0] == 0xef) return "port output (out)";
  if (b[0] == 0xe4 || b[0] == 0xe5 || b[0] == 0xec || b[0] == 0xed) return "port input (in)";
  // Privileged instructions: only a kernel may run them (#GP at CPL 3).
  if (b[0] == 0xfa) return "cli";
  if (b[0] == 0xfb) return "sti";
  if (b[0] == 0x0f && b[1] == 0x30) return "wrmsr";
  if (b[0] == 0x0f && b[1] == 0x32) return "rdmsr";
  if (b[0] == 0x0f && (b[1] == 0x20 || b[1] == 0x22)) return "a control-register move";
  if (b[0] == 0x0f && (b[1] == 0x21 || b[1] == 0x23)) return "a debug-register move";
  if (b[0] == 0x0f && (b[1] == 0x00 || b[1] == 0x01)) return "a system-table instruction (lgdt, lidt, ltr, invlpg ...)";
  if (b[0] == 0x0f && (b[1] == 0x06 || b[1] == 0x08 || b[1] == 0x09)) return "a cache or task-switch instruction (clts, invd, wbinvd)";
  return "";
}

}  // namespace

Machine::~Machine() = default;

Result<Machine> Machine::create(uint64_t guest_bytes) {
  if (guest_bytes == 0 || guest_bytes % PageTables::kPage)
    return Error<KvmError>{KvmError::kLayout, "guest memory must be a non-zero page multiple"};
  Result<Vm> vm = Vm::create(kGuestPa + guest_bytes);
  if (!vm) return vm.error();
  auto v = std::make_unique<Vm>(std::move(vm).value());
  auto t = std::make_unique<PageTables>(v->memory(), v->memory_bytes(), kTablePoolPa, kTablePoolBytes);
  Machine m(std::move(v), std::move(t), guest_bytes);
  XABI_TRY(m.build_system_area());
  return m;
}

Status Machine::build_system_area() {
  uint8_t* sys = vm_->memory() + kSystemPa;
  // GDT; the TSS descriptor is vCPU 0's (the others get their TSS base
  // through KVM_SET_SREGS, and nothing reloads TR).
  uint64_t* gdt = reinterpret_cast<uint64_t*>(sys + kGdtOff);
  gdt[0] = 0;
  gdt[1] = 0x00af9a000000ffffull;  // kernel code: present, DPL 0, execute/read, L=1
  gdt[2] = 0x00cf92000000ffffull;  // kernel data: DPL 0, read/write
  gdt[3] = 0x00cff2000000ffffull;  // user data: DPL 3
  gdt[4] = 0x00affa000000ffffull;  // user code: DPL 3, L=1
  const uint64_t tss0 = system_va(kTssOff);
  gdt[5] = kTssLimit | ((tss0 & 0xffffff) << 16) | (0x89ull << 40) | (((tss0 >> 24) & 0xff) << 56);
  gdt[6] = tss0 >> 32;
  // Stubs and the IDT: every vector's gate is a DPL-0 interrupt gate on IST 1
  // (so `int n` from the guest is a #GP at the instruction).
  auto put_stub = [&](uint64_t off, uint32_t v) {
    const uint8_t report[kStubBytes] = {0xb8, static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), 0, 0,
                                        0xe7, kExceptionPort, 0xf4, 0xeb, 0xfd};
    std::memcpy(sys + off, report, kStubBytes);
  };
  for (uint32_t v = 0; v < 256; ++v) {
    put_stub(kStubsOff + v * kStubBytes, v);
    const uint64_t at = system_va(kStubsOff + v * kStubBytes);
    uint64_t* gate = reinterpret_cast<uint64_t*>(sys + kIdtOff + 16 * v);
    gate[0] = (at & 0xffff) | (uint64_t{kCodeSelector} << 16) | (1ull << 32) /* IST 1 */ | (0x8eull << 40) |
              (((at >> 16) & 0xffff) << 48);
    gate[1] = at >> 32;
  }
  put_stub(kSyscallStubOff, kSyscallVector);
  // The system area is the CPU's (descriptor tables, stubs, stacks): mapped
  // for CPL 0 only; the page tables are not mapped at all.
  XABI_TRY(tables_->map(kSystemVa, kSystemPa, kStubsOff, Access::kRead, Ring::kSupervisor));
  XABI_TRY(tables_->map(system_va(kStubsOff), kSystemPa + kStubsOff, kTssOff - kStubsOff, Access::kReadExec, Ring::kSupervisor));
  XABI_TRY(tables_->map(system_va(kTssOff), kSystemPa + kTssOff, kSystemBytes - kTssOff, Access::kReadWrite, Ring::kSupervisor));
  return {};
}

Status Machine::map_guest(uint64_t va, uint64_t offset, uint64_t len, Access access) {
  if (offset + len > guest_bytes_ || offset + len < offset) return Error<KvmError>{KvmError::kLayout, "beyond guest memory"};
  if (va >= XABI_ADDR_LIMIT || len > XABI_ADDR_LIMIT - va) return Error<KvmError>{KvmError::kLayout, "guest memory must stay below ADDR_LIMIT"};
  return tables_->map(va, kGuestPa + offset, len, access);
}

Result<Vcpu*> Machine::start_vcpu(uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi) {
  if (static_cast<int>(vcpus_.size()) >= kMaxVcpus) return Error<KvmError>{KvmError::kTooManyVcpus, std::to_string(kMaxVcpus) + " vCPUs"};
  Result<Vcpu> made = vm_->add_vcpu();
  if (!made) return made.error();
  auto cpu = std::make_unique<Vcpu>(std::move(made).value());
  XABI_TRY(restart_vcpu(*cpu, rip, rsp, rdi, rsi));
  vcpus_.push_back(std::move(cpu));
  return vcpus_.back().get();
}

Status Machine::set_fs_base(Vcpu& cpu, uint64_t base) {
  Result<kvm_sregs> s = cpu.special();
  if (!s) return s.error();
  s.value().fs.base = base;
  return cpu.set_special(s.value());
}

Status Machine::restart_vcpu(Vcpu& cpu_ref, uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi) {
  Vcpu* cpu = &cpu_ref;
  const int id = cpu->id();
  // This vCPU's TSS: IST 1 = the top of its own exception stack.
  uint8_t* tss = vm_->memory() + kSystemPa + kTssOff + id * kTssBytes;
  std::memset(tss, 0, kTssBytes);
  const uint64_t ist1 = system_va(kStacksOff + (id + 1) * kStackBytes);
  std::memcpy(tss + 0x24, &ist1, 8);
  const uint16_t iomap = kIoBitmapOff;
  std::memcpy(tss + 0x66, &iomap, 2);
  std::memset(tss + kIoBitmapOff, 0xff, kIoBitmapBytes + 1);
  for (unsigned port = kCallPort; port < kCallPort + 4u; ++port)  // a 4-byte out touches 4 ports
    tss[kIoBitmapOff + port / 8] &= static_cast<uint8_t>(~(1u << (port % 8)));

  Result<kvm_sregs> got = cpu->special();
  if (!got) return got.error();
  kvm_sregs s = got.value();
  kvm_segment code{};
  code.base = 0;
  code.limit = 0xffffffff;
  code.selector = kCodeSelector;
  code.type = 0xb;
  code.present = 1;
  code.s = 1;
  code.l = 1;
  code.g = 1;
  code.selector = kUserCodeSelector;
  code.dpl = 3;
  kvm_segment data = code;
  data.selector = kUserDataSelector;
  data.type = 0x3;
  data.l = 0;
  data.db = 1;
  s.cs = code;
  s.ds = s.es = s.fs = s.gs = s.ss = data;
  s.tr = {};
  s.tr.base = system_va(kTssOff + id * kTssBytes);
  s.tr.limit = kTssLimit;
  s.tr.selector = kTssSelector;
  s.tr.type = 0xb;  // busy 64-bit TSS
  s.tr.present = 1;
  s.ldt = {};
  s.ldt.type = 0x2;
  s.ldt.unusable = 1;
  s.gdt.base = system_va(kGdtOff);
  s.gdt.limit = kGdtEntries * 8 - 1;
  s.idt.base = system_va(kIdtOff);
  s.idt.limit = 256 * 16 - 1;
  s.cr0 = 0x80050033;  // PG WP NE ET MP PE
  s.cr3 = tables_->root();
  s.cr4 = 0x620;       // OSXMMEXCPT OSFXSR PAE
  s.efer = 0xd00;      // NXE LMA LME; no SCE, so syscall is #UD (PVM takes LSTAR regardless)
  // UMIP where KVM offers it: sgdt, sidt, sldt, smsw and str then fault at
  // CPL 3 like the other system instructions, so the guest cannot read the
  // machine's descriptor-table addresses. KVM refuses the bit when the vCPU's
  // CPUID lacks it; then the machine runs without.
  constexpr uint64_t kCr4Umip = 1u << 11;
  s.cr4 |= kCr4Umip;
  if (!cpu->set_special(s)) {
    s.cr4 &= ~kCr4Umip;
    XABI_TRY(cpu->set_special(s));
  }
  struct {  // struct kvm_msrs as C lays it out (C++ sees its flexible array differently)
    uint32_t nmsrs, pad;
    kvm_msr_entry entries[3];
  } msrs{};
  msrs.nmsrs = 3;
  msrs.entries[0] = {kMsrStar, 0, (uint64_t{0x10} << 48) | (uint64_t{kCodeSelector} << 32)};
  msrs.entries[1] = {kMsrLstar, 0, system_va(kSyscallStubOff)};
  msrs.entries[2] = {kMsrSfmask, 0, 0x47700};  // TF DF IF IOPL NT AC clear on entry
  if (ioctl(cpu->fd(), kSetMsrs, &msrs) != 3) return errno_error(KvmError::kKvmCall, "KVM_SET_MSRS");
  kvm_regs r{};
  r.rip = rip;
  r.rsp = rsp;
  r.rdi = rdi;
  r.rsi = rsi;
  r.rflags = 0x2;
  return cpu->set_registers(r);
}

Result<bool> Machine::from_guest(const Vcpu& cpu) const {
  Result<kvm_sregs> s = cpu.special();
  if (!s) return s.error();
  return (s.value().cs.selector & 3) == 3;
}

bool Machine::read_virtual(uint64_t va, void* out, size_t len) const {
  uint8_t* o = static_cast<uint8_t*>(out);
  while (len > 0) {
    const std::optional<uint64_t> pa = tables_->translate(va);
    if (!pa) return false;
    const size_t n = std::min<uint64_t>(len, PageTables::kPage - va % PageTables::kPage);
    if (*pa + n > vm_->memory_bytes()) return false;
    std::memcpy(o, vm_->memory() + *pa, n);
    o += n;
    va += n;
    len -= n;
  }
  return true;
}

Machine::ExceptionReport Machine::report_exception(Vcpu& cpu, uint32_t vector) {
  std::string what = vector_name(vector) ? vector_name(vector) : "interrupt " + hex(vector);
  Result<kvm_regs> r = cpu.registers();
  if (!r) return {what + " (registers unreadable: " + r.error().detail + ")"};
  // A syscall instruction enters at LSTAR with rcx = the next rip: its stub
  // reports, or (PVM, which keeps the guest at CPL 3 there) fetching the
  // CPL-0 stub faults.
  if (vector == kSyscallVector) return {"a syscall instruction at " + hex(r.value().rcx - 2), true};
  // The frame the CPU pushed on the IST stack: [error code,] rip, cs, rflags, rsp, ss.
  uint64_t frame[6] = {};
  const bool err = has_error_code(vector);
  if (!read_virtual(r.value().rsp, frame, sizeof frame)) return {what + " (no exception frame)"};
  // A fault's rip is the instruction. Every gate the guest could raise with
  // `int n` is DPL 0, so it faults (#GP) at the instruction too; #BP and #OF
  // are traps, their rip the next instruction (int3, into: one byte).
  const uint64_t insn_at = frame[err ? 1 : 0] - (vector == 3 || vector == 4 ? 1 : 0);
  uint8_t insn[2] = {};  // stays zero (no name) where the instruction itself is unreadable
  if (!read_virtual(insn_at, insn, 2)) (void)read_virtual(insn_at, insn, 1);  // its second byte may be unmapped
  const std::string escape = escape_instruction(insn);
  if (vector == 14 && frame[1] == system_va(kSyscallStubOff)) return {"a syscall instruction at " + hex(r.value().rcx - 2), true};
  // int3 is a breakpoint (a crash, as SIGTRAP on Linux), not an escape.
  if (!escape.empty() && vector != 14) return {escape + " at " + hex(insn_at), vector != 3};
  what += " at " + hex(insn_at);
  if (vector == 14) {
    Result<kvm_sregs> s = cpu.special();
    if (s) what += " on " + hex(s.value().cr2) + ((frame[0] & 2) ? " (write)" : (frame[0] & 16) ? " (execute)" : " (read)");
  } else if (err && frame[0] != 0) {
    what += " (error code " + hex(frame[0]) + ")";
  }
  return {what};
}

}  // namespace xabi::kvm
