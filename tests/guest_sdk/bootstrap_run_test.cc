// End to end: each guest image runs as a sealed picoprocess through the
// launcher (monitor/launch); its exit status or fatal signal is what the test
// checks. Until the console's serving side exists, guests' printed output
// goes nowhere (xabi_sdk_console_write returns XABI_E_UNSUPPORTED), so these
// tests check exit statuses only: reloc returns 7 only when its checksum
// matched, runtime returns 0 only when every check passed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>

#include "elf_fixture.h"
#include <fcntl.h>

#include "launcher.h"
#include "serve.h"

namespace {

using namespace xabi::launch;

struct Outcome {
  std::string error;  // launch or seal failure
  ExitStatus exit;
};

Outcome RunImage(const std::string& image) {
  LaunchSpec spec;
  spec.image_path = image;
  spec.memory_quota = 1 << 20;
  spec.bootstrap_path = XABI_BOOTSTRAP_PATH;
  Outcome o;
  Result<Picoprocess> p = launch(spec);
  if (!p) {
    o.error = describe(p.error());
    return o;
  }
  if (Status s = await_sealed(p.value(), std::chrono::seconds(5)); !s) {
    o.error = describe(s.error());
    return o;
  }
  // Served by the real event loop (the SDK's console write is a HOST call);
  // the console goes to /dev/null: these tests judge exit statuses.
  xabi::app::ServeOptions opts;
  opts.console_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  opts.timeout = std::chrono::seconds(10);
  xabi::app::Served served = xabi::app::serve(p.value(), opts);
  ::close(opts.console_fd);
  if (!served.ok) o.error = served.error;
  o.exit = served.exit;
  return o;
}

// Writes `image` to a temporary file and runs it.
Outcome RunBytes(const Bytes& image) {
  char path[] = "/tmp/xabi-guest-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return Outcome{"mkstemp failed", {}};
  const bool written = write(fd, image.data(), image.size()) == static_cast<ssize_t>(image.size());
  close(fd);
  Outcome o = written ? RunImage(path) : Outcome{"write failed", {}};
  unlink(path);
  return o;
}

TEST(Bootstrap, RunsHello) {
  const Outcome r = RunImage(GUEST_HELLO_PATH);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.exit.exited_with(0)) << r.exit.describe();
}

TEST(Bootstrap, RunsRelocGuest) {
  const Outcome r = RunImage(GUEST_RELOC_PATH);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.exit.exited_with(7)) << r.exit.describe() << " (5: checksum mismatch)";
}

TEST(Bootstrap, RunsRuntimeGuest) {
  const Outcome r = RunImage(GUEST_RUNTIME_PATH);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.exit.exited_with(0)) << r.exit.describe();
}

TEST(Bootstrap, ReportsGuestCrashAsSigsegv) {
  const Outcome r = RunImage(GUEST_CRASH_PATH);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.exit.killed_by(SIGSEGV)) << r.exit.describe();
}

// crt0 applies only R_X86_64_RELATIVE; anything else must end in its trap
// (ud2 -> SIGILL), never in a half-relocated guest running on.
TEST(Bootstrap, GuestTrapsOnForeignRelocation) {
  Bytes image = ReadFileBytes(GUEST_RELOC_PATH);
  const RelaTable rela = FindRela(image);
  ASSERT_GT(rela.count, 0u);
  Elf64_Rela r = Get<Elf64_Rela>(image, rela.offset);
  r.r_info = ELF64_R_INFO(0, R_X86_64_64);
  Put(image, rela.offset, r);
  const Outcome result = RunBytes(image);
  ASSERT_EQ(result.error, "");
  EXPECT_TRUE(result.exit.killed_by(SIGILL)) << result.exit.describe();
}

TEST(Bootstrap, RejectsInvalidImageWithNamedError) {
  Bytes image = MinimalImage();
  EditPhdr(image, kLoadText, [](Elf64_Phdr& p) { p.p_flags |= PF_W; });
  const Outcome r = RunBytes(image);
  EXPECT_NE(r.error.find("kInvalidImage"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("ELF_IMAGE_WX_SEGMENT"), std::string::npos) << r.error;
}

// An ordinary dynamically linked program is not a guest image.
TEST(Bootstrap, RejectsHostProgram) {
  const Outcome r = RunImage("/proc/self/exe");
  EXPECT_NE(r.error.find("ELF_IMAGE_INTERP"), std::string::npos) << r.error;
}

TEST(Bootstrap, ReportsUnreadableImage) {
  const Outcome r = RunImage("/nonexistent/guest");
  EXPECT_NE(r.error.find("kImageUnreadable"), std::string::npos) << r.error;
}

}  // namespace
