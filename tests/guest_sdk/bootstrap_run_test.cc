// End to end: xabi-bootstrap loads each guest image in a child process; the
// guest's output, exit status or fatal signal is what the test checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "child_process.h"
#include "elf_fixture.h"

namespace {

ChildResult RunGuest(const std::string& image) { return RunChild({XABI_BOOTSTRAP_PATH, image}); }

// Runs `image` handed over as an inherited memfd instead of a path.
ChildResult RunGuestFromMemory(const Bytes& image) {
  const int fd = MemfdWith(image);
  if (fd < 0) return ChildResult{};
  ChildResult r = RunChild({XABI_BOOTSTRAP_PATH, std::to_string(fd)});
  close(fd);
  return r;
}

TEST(Bootstrap, RunsHello) {
  const ChildResult r = RunGuest(GUEST_HELLO_PATH);
  EXPECT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.out, "hello from a picoprocess\n");
  EXPECT_EQ(r.err, "");
}

TEST(Bootstrap, RunsRelocGuest) {
  const ChildResult r = RunGuest(GUEST_RELOC_PATH);
  EXPECT_TRUE(r.Exited(7)) << r.Describe() << "; stdout: " << r.out;
  EXPECT_EQ(r.out, "reloc checksum 0x77cacd08f355ff4d\n");
}

TEST(Bootstrap, RunsRuntimeGuest) {
  const ChildResult r = RunGuest(GUEST_RUNTIME_PATH);
  EXPECT_TRUE(r.Exited(0)) << r.Describe() << "; stdout: " << r.out;
  EXPECT_EQ(r.out, "runtime ok\n");
}

TEST(Bootstrap, ReportsGuestCrashAsSigsegv) {
  const ChildResult r = RunGuest(GUEST_CRASH_PATH);
  EXPECT_TRUE(r.KilledBy(SIGSEGV)) << r.Describe();
  EXPECT_EQ(r.out, "about to crash\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(Bootstrap, LoadsImageFromInheritedFd) {
  const ChildResult r = RunGuestFromMemory(ReadFileBytes(GUEST_HELLO_PATH));
  EXPECT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.out, "hello from a picoprocess\n");
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
  const ChildResult result = RunGuestFromMemory(image);
  EXPECT_TRUE(result.KilledBy(SIGILL)) << result.Describe();
  EXPECT_EQ(result.out, "");
}

TEST(Bootstrap, RejectsInvalidImageWithNamedError) {
  Bytes image = MinimalImage();
  EditPhdr(image, kLoadText, [](Elf64_Phdr& p) { p.p_flags |= PF_W; });
  const ChildResult r = RunGuestFromMemory(image);
  EXPECT_TRUE(r.Exited(126)) << r.Describe();
  EXPECT_NE(r.err.find("ELF_IMAGE_WX_SEGMENT"), std::string::npos) << r.err;
}

// An ordinary dynamically linked program is not a guest image.
TEST(Bootstrap, RejectsHostProgram) {
  const ChildResult r = RunGuest(XABI_BOOTSTRAP_PATH);
  EXPECT_TRUE(r.Exited(126)) << r.Describe();
  EXPECT_NE(r.err.find("ELF_IMAGE_INTERP"), std::string::npos) << r.err;
}

TEST(Bootstrap, ReportsUnreadableImage) {
  const ChildResult r = RunGuest("/nonexistent/guest");
  EXPECT_TRUE(r.Exited(126)) << r.Describe();
  EXPECT_NE(r.err.find("cannot read image"), std::string::npos) << r.err;
}

TEST(Bootstrap, RequiresAnImageArgument) {
  const ChildResult r = RunChild({XABI_BOOTSTRAP_PATH});
  EXPECT_TRUE(r.Exited(2)) << r.Describe();
  EXPECT_NE(r.err.find("usage"), std::string::npos) << r.err;
}

}  // namespace
