// xabi-kvm as a user runs it: real guest images, the real binary, its exit
// status and output. The raw_ops guest goes past its PAL (host ops and slot
// frames of kvm_link.h) to show that the limits and bounds are the host's.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "kvm_link.h"
#include "xabi/host_exits.h"
#include "xabi/wire.h"
#include "xabi/xabi.h"

namespace {

struct HostRun {
  int status = -1;  // exit status, or -1
  std::string out;  // standard output
};

// xabi-kvm run ARGS, in directory `dir` when one is given.
HostRun run(const std::string& args, const std::string& dir = "") {
  HostRun r;
  const std::string cmd = (dir.empty() ? "" : "cd '" + dir + "' && ") + std::string(XABI_KVM) + " run " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int w = pclose(p);
  if (WIFEXITED(w)) r.status = WEXITSTATUS(w);
  return r;
}

std::string raw(const std::string& scenario) { return std::string(XABI_GUEST_RAW_OPS) + " -- " + scenario; }

class XabiKvm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/kvm is absent or not usable here: the KVM host cannot run";
  }
};

TEST_F(XabiKvm, RunsAnSdkGuestAndReportsItsStatus) {
  const HostRun hello = run(XABI_GUEST_HELLO);
  EXPECT_EQ(hello.status, 0);
  EXPECT_EQ(hello.out, "hello from a picoprocess\n");
  EXPECT_EQ(run(XABI_GUEST_RELOC).status, 7);   // every relocation check passed
  EXPECT_EQ(run(XABI_GUEST_CRASH).status, 139); // a write to address 0: SIGSEGV, as on Linux
}

TEST_F(XabiKvm, RefusesWhatCannotStart) {
  EXPECT_EQ(run("/nonexistent-image").status, XABI_HOST_EXIT_LAUNCH_FAILED);
  EXPECT_EQ(run("--memory 4097 " + std::string(XABI_GUEST_HELLO)).status, XABI_HOST_EXIT_USAGE);
  EXPECT_EQ(run("--origin ftp://x " + std::string(XABI_GUEST_HELLO)).status, XABI_HOST_EXIT_USAGE);
  EXPECT_EQ(run("--pal " + std::string(XABI_GUEST_HELLO) + ".nothing " + XABI_GUEST_HELLO).status, XABI_HOST_EXIT_LAUNCH_FAILED);
}

TEST_F(XabiKvm, TheThreadLimitIsTheHostsPastThePal) {
  const HostRun r = run(raw("threads"));
  EXPECT_EQ(r.status, 0);
  // The initial thread is one of LIMIT_THREADS.
  EXPECT_EQ(r.out, "threads started " + std::to_string(XABI_LIMIT_THREADS - 1) + " refused " + std::to_string(XABI_E_LIMIT) + "\n");
}

TEST_F(XabiKvm, HostOpsCheckEveryAddressAndValueThemselves) {
  const HostRun r = run(raw("bounds"));
  EXPECT_EQ(r.status, 0);
  const std::string fault = std::to_string(XABI_E_FAULT), inval = std::to_string(XABI_E_INVAL);
  EXPECT_EQ(r.out,
            "random-into-pal " + fault + "\n"            // the PAL's own memory is not guest memory
            "random-into-slots " + fault + "\n"          // nor is the slot area
            "random-into-readonly " + fault + "\n"       // the alarm words and arguments are read-only
            "random-over-limit " + inval + "\n"
            "random-past-addr-limit " + fault + "\n"
            "zutex-wait-on-slots " + fault + "\n"
            "zutex-wait-on-bitmap " + fault + "\n"
            "zutex-wait-specs-in-pal " + fault + "\n"
            "zutex-wait-too-many " + inval + "\n"
            "zutex-wake-in-pal " + fault + "\n"
            "set-tls-too-high " + inval + "\n"
            "thread-misaligned-stack " + inval + "\n"
            "serve-no-such-slot " + std::to_string(XABI_E_BAD_FRAME) + "\n");
}

TEST_F(XabiKvm, AFrameOfImpossibleLengthIsRefusedAndTheHostGoesOn) {
  const HostRun r = run(raw("frame"));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "state " + std::to_string(XABI_KVM_SLOT_RESPONSE) + " header " + std::to_string(XABI_WIRE_OK) +
                       " result " + std::to_string(XABI_E_BAD_FRAME) + "\nafter alarm_set 0\n");
}

// The repository's hostile guests (tests/isolation/guests): raw system calls
// through both instructions, a raw clone storm, the uprobe calls. With no
// kernel in the machine, each ends the picoprocess as a violation. The
// hostile guest takes its mode as its first argument, which a host passes
// as the image name, so the image is run under the mode's name.
TEST_F(XabiKvm, TheHostileGuestsAreEndedWhateverTheyTry) {
  const std::string dir = ::testing::TempDir() + "/kvm-hostile-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(symlink(XABI_GUEST_HOSTILE, (dir + "/syscall").c_str()), 0);
  ASSERT_EQ(symlink(XABI_GUEST_HOSTILE, (dir + "/int80").c_str()), 0);
  for (const char* call : {"syscall -- 39", "syscall -- 56 0x3d0f00 0 0 0 0", "syscall -- 202 @word 0 0 0",
                                  "syscall -- 318 @word 4 0", "int80 -- 20", "int80 -- 1 0"})
    EXPECT_EQ(run(call, dir).status, XABI_HOST_EXIT_VIOLATION) << call;
  EXPECT_EQ(run(std::string(XABI_GUEST_CLONE_STORM) + " -- 100").status, XABI_HOST_EXIT_VIOLATION);
  EXPECT_EQ(run(std::string(XABI_GUEST_UPROBE) + " -- 335").status, XABI_HOST_EXIT_VIOLATION);
  EXPECT_EQ(run(std::string(XABI_GUEST_UPROBE) + " -- 336").status, XABI_HOST_EXIT_VIOLATION);
  unlink((dir + "/syscall").c_str());
  unlink((dir + "/int80").c_str());
  rmdir(dir.c_str());
}

TEST_F(XabiKvm, AnOpTheHostDoesNotOfferEndsThePicoprocess) {
  EXPECT_EQ(run(raw("unknown")).status, XABI_HOST_EXIT_VIOLATION);
}

}  // namespace
