// A real guest image, built with the SDK by this project's build, loaded into
// a kernel-less VM: it must relocate itself, run its constructors and C code
// natively at CPL 3, and reach the host for each ABI call. The calls go through
// host-written trampolines (`mov $id, %eax; out %eax, $0xe2; ret`) in a
// dispatch table the test builds, and are served here from the registers; the
// KVM host proper will use the PAL and the generated codec instead.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "guest_image.h"
#include "xabi/xabi.h"

namespace xabi::kvm {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kImageVa = 0x10000000000, kStubsVa = 0x20000000000, kStackVa = 0x30000000000;

std::vector<uint8_t> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct GuestRun {
  std::string console;  // what the guest wrote to its console channel
  int exit_status = -1;
  std::string ended;    // empty, or why the guest ended other than by exit
};

// Loads `image`, gives it a table whose every entry is a trampoline to the
// host (or no table at all), and serves console, write, alarms and exit
// until the guest exits or stops.
GuestRun run_image(const std::vector<uint8_t>& image, bool with_table) {
  GuestRun out;
  Result<Machine> made = Machine::create(2048 * kPage);
  EXPECT_TRUE(made) << describe(made.error());
  Machine& m = made.value();
  Result<LoadedImage> img = load_image(m, image, kImageVa, 0);
  EXPECT_TRUE(img) << describe(img.error());
  if (!img) return out;
  // The trampolines and the table, after the image.
  const uint64_t stubs_off = (img.value().bytes + kPage - 1) / kPage * kPage;
  for (uint32_t id = 1; id < XABI_CALL_LIMIT; ++id) {
    const uint8_t t[8] = {0xb8, static_cast<uint8_t>(id), 0, 0, 0, 0xe7, Machine::kCallPort, 0xc3};
    std::memcpy(m.guest(stubs_off + 8 * id), t, sizeof t);
  }
  const uint64_t table_off = stubs_off + kPage;
  xabi_dispatch table{};
  table.abi_version = XABI_ABI_VERSION;
  table.n_calls = XABI_CALL_LIMIT - 1;
  auto* entries = reinterpret_cast<uint64_t*>(reinterpret_cast<uint8_t*>(&table) + offsetof(xabi_dispatch, alloc));
  for (uint32_t id = 1; id < XABI_CALL_LIMIT; ++id) entries[id - 1] = kStubsVa + 8 * id;
  std::memcpy(m.guest(table_off), &table, sizeof table);
  EXPECT_TRUE(m.map_guest(kStubsVa, stubs_off, kPage, Access::kReadExec));
  EXPECT_TRUE(m.map_guest(kStubsVa + kPage, table_off, kPage, Access::kRead));
  const uint64_t alarms_off = table_off + kPage;  // the alarm words: zero, read-only to the guest
  EXPECT_TRUE(m.map_guest(kStubsVa + 2 * kPage, alarms_off, kPage, Access::kRead));
  const uint64_t stack_off = alarms_off + kPage;
  EXPECT_TRUE(m.map_guest(kStackVa - 16 * kPage, stack_off, 16 * kPage, Access::kReadWrite));
  Result<Vcpu*> cpu = m.start_vcpu(img.value().entry, kStackVa, with_table ? kStubsVa + kPage : 0);
  EXPECT_TRUE(cpu);
  for (int calls = 0; calls < 1000; ++calls) {
    Result<Exit> e = cpu.value()->run();
    if (!e) {
      out.ended = describe(e.error());
      return out;
    }
    if (e.value().kind != Exit::Kind::kIo || e.value().port != Machine::kCallPort || !m.from_guest(*cpu.value()).value()) {
      out.ended = e.value().port == Machine::kExceptionPort ? m.describe_exception(*cpu.value(), e.value().value) : describe(e.value());
      return out;
    }
    kvm_regs r = cpu.value()->registers().value();
    switch (r.rax) {
      case XABI_CALL_CONSOLE: r.rax = 1; break;
      case XABI_CALL_ALARMS: r.rax = kStubsVa + 2 * kPage; break;
      case XABI_CALL_WRITE: {
        std::string text(std::min<uint64_t>(r.rdx, 4096), '\0');
        r.rax = r.rdi == 1 && m.read_virtual(r.rsi, text.data(), text.size()) ? text.size() : static_cast<uint64_t>(XABI_E_FAULT);
        if (r.rdi == 1) out.console += text;
        break;
      }
      case XABI_CALL_EXIT: out.exit_status = static_cast<int>(r.rdi); return out;
      default: out.ended = "an unexpected call " + std::to_string(r.rax); return out;
    }
    EXPECT_TRUE(cpu.value()->set_registers(r));
  }
  out.ended = "too many calls";
  return out;
}

class KvmImage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/kvm is absent or not usable here: the KVM host cannot run";
  }
};

TEST_F(KvmImage, TheRelocationGuestRunsAndExits) {
  const GuestRun r = run_image(read_file(XABI_GUEST_RELOC), true);
  EXPECT_EQ(r.ended, "");
  EXPECT_EQ(r.exit_status, 7) << "7: every relocation check passed; " << r.console;
  EXPECT_EQ(r.console.rfind("reloc checksum 0x", 0), 0u) << r.console;
}

TEST_F(KvmImage, HelloPrintsItsLine) {
  const GuestRun r = run_image(read_file(XABI_GUEST_HELLO), true);
  EXPECT_EQ(r.ended, "");
  EXPECT_EQ(r.console, "hello from a picoprocess\n");
  EXPECT_EQ(r.exit_status, 0);
}

TEST_F(KvmImage, NoTableEndsInTheStartCodesTrap) {
  // xabi_sdk_set_table refuses a null table with ud2: the image ran its own
  // relocation and C start-up code to get there.
  const GuestRun r = run_image(read_file(XABI_GUEST_HELLO), false);
  EXPECT_EQ(r.ended.rfind("#UD (invalid opcode) at 0x100", 0), 0u) << r.ended;
}

TEST_F(KvmImage, AnInvalidImageIsRefusedByName) {
  Result<Machine> m = Machine::create(16 * kPage);
  ASSERT_TRUE(m);
  std::vector<uint8_t> junk(4096, 0x7f);
  Result<LoadedImage> img = load_image(m.value(), junk, kImageVa, 0);
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().code, KvmError::kInvalidImage);
  EXPECT_NE(img.error().detail.find("ELF_IMAGE_BAD_MAGIC"), std::string::npos) << img.error().detail;
  // A valid image that does not fit the guest memory given.
  const std::vector<uint8_t> hello = read_file(XABI_GUEST_HELLO);
  Result<Machine> tiny = Machine::create(kPage);
  ASSERT_TRUE(tiny);
  Result<LoadedImage> big = load_image(tiny.value(), hello, kImageVa, 0);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, KvmError::kLayout);
}

}  // namespace
}  // namespace xabi::kvm
