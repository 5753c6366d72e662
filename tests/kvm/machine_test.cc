// A kernel-less VM runs a few bytes of machine code; each test checks how the
// guest's way out reaches the host: the call port, hlt, and everything a
// guest might try instead of the ABI, each named (machine.h).
#include <gtest/gtest.h>

#include <optional>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "machine.h"

namespace xabi::kvm {
namespace {

constexpr uint64_t kCodeVa = 0x400000, kStackVa = 0x800000, kPage = 4096;

bool have_kvm() { return access("/dev/kvm", R_OK | W_OK) == 0; }

// A machine whose guest memory holds `code` at kCodeVa (read/execute) and a
// stack page below kStackVa; one vCPU started at the code.
struct Guest {
  Machine m;
  Vcpu* cpu;
};

Guest boot(const std::vector<uint8_t>& code) {
  Result<Machine> made = Machine::create(16 * kPage);
  EXPECT_TRUE(made) << describe(made.error());
  Machine m = std::move(made).value();
  std::memcpy(m.guest(0), code.data(), code.size());
  EXPECT_TRUE(m.map_guest(kCodeVa, 0, kPage, Access::kReadExec));
  EXPECT_TRUE(m.map_guest(kStackVa - kPage, kPage, kPage, Access::kReadWrite));
  Result<Vcpu*> cpu = m.start_vcpu(kCodeVa, kStackVa, 0x1234);
  EXPECT_TRUE(cpu) << describe(cpu.error());
  Vcpu* c = cpu.value();
  return {std::move(m), c};
}

Exit run(Vcpu* cpu) {
  Result<Exit> e = cpu->run();
  EXPECT_TRUE(e) << describe(e.error());
  return e ? e.value() : Exit{};
}

// Runs until the guest reports an exception; returns the host's words for it.
std::string exception_of(const std::vector<uint8_t>& code) {
  Guest g = boot(code);
  const Exit e = run(g.cpu);
  if (e.kind != Exit::Kind::kIo || e.port != Machine::kExceptionPort) return "no exception: " + describe(e);
  return g.m.describe_exception(*g.cpu, e.value);
}

// Whether the host would call what `code` did an escape (a violation) rather
// than a crash; nullopt when it raised no exception.
std::optional<bool> escape_of(const std::vector<uint8_t>& code) {
  Guest g = boot(code);
  const Exit e = run(g.cpu);
  if (e.kind != Exit::Kind::kIo || e.port != Machine::kExceptionPort) return std::nullopt;
  return g.m.report_exception(*g.cpu, e.value).escape;
}

class KvmMachine : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_kvm()) GTEST_SKIP() << "/dev/kvm is absent or not usable here: the KVM host cannot run";
  }
};

TEST_F(KvmMachine, TheCallPortStopsAtTheHostAndTheGuestGoesOn) {
  // mov $42, %eax; out %eax, $0xe2; mov %rdi, %rax; out %eax, $0xe2; ud2
  Guest g = boot({0xb8, 42, 0, 0, 0, 0xe7, 0xe2, 0x48, 0x89, 0xf8, 0xe7, 0xe2, 0x0f, 0x0b});
  Exit e = run(g.cpu);
  ASSERT_EQ(e.kind, Exit::Kind::kIo) << describe(e);
  ASSERT_EQ(e.port, Machine::kCallPort);
  EXPECT_EQ(e.value, 42u);
  EXPECT_TRUE(g.m.from_guest(*g.cpu).value()) << "the guest's own exit, not a stub's";
  e = run(g.cpu);
  ASSERT_EQ(e.kind, Exit::Kind::kIo) << describe(e);
  ASSERT_EQ(e.port, Machine::kCallPort);
  EXPECT_EQ(e.value, 0x1234u) << "rdi is the start argument";
  e = run(g.cpu);
  ASSERT_EQ(e.port, Machine::kExceptionPort);
  EXPECT_FALSE(g.m.from_guest(*g.cpu).value()) << "a stub's report";
  EXPECT_EQ(g.m.describe_exception(*g.cpu, e.value), "#UD (invalid opcode) at 0x40000c") << "the guest went on after its calls";
}

TEST_F(KvmMachine, GuestCodeRunsNatively) {
  // SSE (the compiler's code uses it): movq %rdi, %xmm0; paddq %xmm0, %xmm0;
  // movq %xmm0, %rax; then 10^6 turns of dec/jnz (seconds if emulated); out
  Guest g = boot({0x66, 0x48, 0x0f, 0x6e, 0xc7, 0x66, 0x0f, 0xd4, 0xc0, 0x66, 0x48, 0x0f, 0x7e, 0xc0,
                  0xb9, 0x40, 0x42, 0x0f, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xe7, 0xe2});
  const Exit e = run(g.cpu);
  ASSERT_EQ(e.kind, Exit::Kind::kIo) << describe(e);
  ASSERT_EQ(e.port, Machine::kCallPort) << g.m.describe_exception(*g.cpu, e.value);
  EXPECT_EQ(e.value, 2 * 0x1234u);
}

TEST_F(KvmMachine, SystemCallInstructionsAreNamed) {
  EXPECT_EQ(exception_of({0x90, 0x0f, 0x05}), "a syscall instruction at 0x400001");
  EXPECT_EQ(exception_of({0xcd, 0x80}), "int 0x80 at 0x400000");
  EXPECT_EQ(exception_of({0x0f, 0x34}), "a sysenter instruction at 0x400000");
  EXPECT_EQ(exception_of({0xcc}), "int3 at 0x400000");
}

// Port I/O other than the call port is no way out: on hardware KVM the I/O
// bitmap makes it a #GP the stubs report; where the exit reaches the host
// directly (PVM) the host sees it came from the guest, on another port.
std::string port_use(const std::vector<uint8_t>& code) {
  Guest g = boot(code);
  const Exit e = run(g.cpu);
  if (e.kind == Exit::Kind::kIo && e.port == Machine::kExceptionPort && !g.m.from_guest(*g.cpu).value())
    return g.m.describe_exception(*g.cpu, e.value);
  if (e.kind == Exit::Kind::kIo && e.port != Machine::kCallPort && g.m.from_guest(*g.cpu).value())
    return std::string(e.out ? "port output (out)" : "port input (in)") + " on port " + std::to_string(e.port);
  return "neither: " + describe(e);
}

TEST_F(KvmMachine, OtherPortsAndHltAreNotTheGuests) {
  const std::string out = port_use({0xe6, 0x42});
  EXPECT_TRUE(out == "port output (out) at 0x400000" || out == "port output (out) on port 66") << out;
  const std::string in = port_use({0x90, 0xec});
  EXPECT_TRUE(in == "port input (in) at 0x400001" || in == "port input (in) on port 0") << in;
  // A forged stub report (out to the exception port from CPL 3) is the guest's own exit.
  const std::string forged = port_use({0xe7, 0xe1});
  EXPECT_TRUE(forged == "port output (out) at 0x400000" || forged == "port output (out) on port 225") << forged;
  EXPECT_EQ(exception_of({0xf4}), "a hlt instruction at 0x400000");
}

TEST_F(KvmMachine, FaultsAreNamedWithTheirAddress) {
  EXPECT_EQ(exception_of({0x0f, 0x0b}), "#UD (invalid opcode) at 0x400000");
  // mov $0x700000, %eax; mov %ebx, (%rax): nothing is mapped there
  EXPECT_EQ(exception_of({0xb8, 0, 0, 0x70, 0, 0x89, 0x18}), "#PF (page fault) at 0x400005 on 0x700000 (write)");
  // The code page is not writable: mov $0x400000, %eax; mov %ebx, (%rax)
  EXPECT_EQ(exception_of({0xb8, 0, 0, 0x40, 0, 0x89, 0x18}), "#PF (page fault) at 0x400005 on 0x400000 (write)");
  // The stack page is not executable: mov $0x7ff000, %esp; jmp *%rsp
  EXPECT_EQ(exception_of({0xbc, 0, 0xf0, 0x7f, 0, 0xff, 0xe4}), "#PF (page fault) at 0x7ff000 on 0x7ff000 (execute)");
  // The system area (above ADDR_LIMIT) is the CPU's: movabs $0xffffff8000000000, %rax; mov (%rax), %ebx
  EXPECT_EQ(exception_of({0x48, 0xb8, 0, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0x8b, 0x18}),
            "#PF (page fault) at 0x40000a on 0xffffff8000000000 (read)");
  // xor %ecx, %ecx; div %ecx
  EXPECT_EQ(exception_of({0x31, 0xc9, 0xf7, 0xf1}), "#DE (divide error) at 0x400002");
  // Privileged instructions are named like the other escapes: lidt (%rsp),
  // mov %cr3, %rax, cli, rdmsr.
  EXPECT_EQ(exception_of({0x0f, 0x01, 0x1c, 0x24}), "a system-table instruction (lgdt, lidt, ltr, invlpg ...) at 0x400000");
  EXPECT_EQ(exception_of({0x0f, 0x20, 0xd8}), "a control-register move at 0x400000");
  EXPECT_EQ(exception_of({0xfa}), "cli at 0x400000");
  EXPECT_EQ(exception_of({0x0f, 0x32}), "rdmsr at 0x400000");
}

TEST_F(KvmMachine, EscapesAreToldFromCrashes) {
  // syscall, int $0x80, sysenter, hlt, cli, out %al,$0x80, mov %cr3,%rax: attempts on a kernel or a device
  for (const std::vector<uint8_t>& code : std::vector<std::vector<uint8_t>>{
           {0x0f, 0x05}, {0xcd, 0x80}, {0x0f, 0x34}, {0xf4}, {0xfa}, {0xe6, 0x80}, {0x0f, 0x20, 0xd8}})
    EXPECT_EQ(escape_of(code), std::optional<bool>(true)) << std::hex << int(code[0]) << " " << exception_of(code);
  // ud2, int3, a write to unmapped memory, a division by zero: crashes, as on Linux
  for (const std::vector<uint8_t>& code : std::vector<std::vector<uint8_t>>{
           {0x0f, 0x0b}, {0xcc}, {0xb8, 0, 0, 0x70, 0, 0x89, 0x18}, {0x31, 0xc9, 0xf7, 0xf1}})
    EXPECT_EQ(escape_of(code), std::optional<bool>(false)) << std::hex << int(code[0]) << " " << exception_of(code);
}

TEST_F(KvmMachine, DescriptorTableAddressesAreNotReadable) {
  // sgdt (%rsp): with UMIP (which KVM offers here) it faults like the other
  // system instructions, so the guest learns nothing of the machine's layout.
  EXPECT_EQ(exception_of({0x0f, 0x01, 0x04, 0x24}), "a system-table instruction (lgdt, lidt, ltr, invlpg ...) at 0x400000");
  EXPECT_EQ(escape_of({0x0f, 0x01, 0x0c, 0x24}), std::optional<bool>(true));  // sidt (%rsp)
}

TEST_F(KvmMachine, UnbackedPhysicalMemoryIsRefused) {
  Guest g = boot({0x0f, 0x0b});
  const Status s = g.m.tables().map(0x600000, g.m.vm().memory_bytes() + 0x10000, kPage, Access::kRead);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, KvmError::kLayout);
}

TEST_F(KvmMachine, TheTablesTranslateWhatTheyMap) {
  Result<Machine> made = Machine::create(1024 * kPage);  // 4 MiB: room for a 2 MiB page
  ASSERT_TRUE(made);
  Machine& m = made.value();
  ASSERT_TRUE(m.map_guest(0x200000, 0x200000, 0x200000, Access::kReadWrite));  // one 2 MiB page
  ASSERT_TRUE(m.map_guest(0x10000, 0, kPage, Access::kRead));
  EXPECT_EQ(m.tables().translate(0x200000 + 0x1234), Machine::kGuestPa + 0x200000 + 0x1234);
  EXPECT_EQ(m.tables().translate(0x10fff), Machine::kGuestPa + 0xfff);
  EXPECT_FALSE(m.tables().translate(0x11000).has_value());
  EXPECT_FALSE(m.tables().translate(0x0).has_value()) << "the first page is never mapped";
  EXPECT_FALSE(m.map_guest(0x10000, 0, kPage, Access::kRead)) << "a page mapped twice";
  EXPECT_FALSE(m.map_guest(0x10000 + 1, 0, kPage, Access::kRead)) << "not page-aligned";
  EXPECT_FALSE(m.map_guest((1ull << 47) - kPage, 0, 2 * kPage, Access::kRead)) << "across ADDR_LIMIT";
  EXPECT_FALSE(m.map_guest(0x1000000, 1023 * kPage, 2 * kPage, Access::kRead)) << "beyond guest memory";
}

}  // namespace
}  // namespace xabi::kvm
