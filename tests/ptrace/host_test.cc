// xabi-ptrace end to end: the host binary runs SDK images (tests/ptrace/guests/probe.c).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "xabi/host_exits.h"

namespace {

struct Outcome {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
};

std::string drain(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

pid_t spawn(const std::vector<std::string>& args, int out[2], int err[2], const std::string& cwd = "") {
  EXPECT_EQ(pipe(out), 0);
  EXPECT_EQ(pipe(err), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    std::vector<char*> argv{const_cast<char*>(XABI_PTRACE)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(XABI_PTRACE, argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  return pid;
}

Outcome run(const std::vector<std::string>& args, const std::string& cwd = "") {
  int out[2], err[2];
  const pid_t pid = spawn(args, out, err, cwd);
  Outcome r;
  r.out = drain(out[0]);
  r.err = drain(err[0]);
  close(out[0]);
  close(err[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

TEST(PtraceHost, RunsAnSdkImage) {
  const Outcome r = run({"run", XABI_HELLO});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from a picoprocess\n");
}

TEST(PtraceHost, ArgumentsAndTimeReachTheGuest) {
  const Outcome r = run({"run", XABI_PROBE, "--", "null", "10"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_GT(std::stoul(r.out), 0u) << "time_now advanced over ten calls";
}

TEST(PtraceHost, SystemCallsOfTheGuestAreRefusedByName) {
  for (const auto& [nr, name] : std::vector<std::pair<std::string, std::string>>{
           {"39", "getpid"}, {"1", "write"}, {"60", "exit"}, {"56", "clone"}, {"202", "futex"}, {"231", "exit_group"}}) {
    const Outcome r = run({"run", XABI_PROBE, "--", "syscall", nr});
    EXPECT_EQ(r.status, XABI_HOST_EXIT_VIOLATION) << name << ": " << r.err;
    EXPECT_NE(r.err.find("system call " + name + " (" + nr + ")"), std::string::npos) << r.err;
  }
}

// The repository's hostile guest (tests/isolation/guests/hostile.c): raw
// calls through both instructions, with arguments the Linux profile would admit.
// Its first argument is its mode, and a host passes the image name first
// (docs/host-contract.md), so the image is run under the mode's name.
TEST(PtraceHost, TheHostileGuestIsEndedWhateverItTries) {
  const std::string dir = ::testing::TempDir() + "/ptrace-hostile-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(symlink(XABI_HOSTILE, (dir + "/syscall").c_str()), 0);
  ASSERT_EQ(symlink(XABI_HOSTILE, (dir + "/int80").c_str()), 0);
  for (const std::vector<std::string>& call : std::vector<std::vector<std::string>>{
           {"syscall", "39"},                                   // getpid
           {"syscall", "56", "0x3d0f00", "0", "0", "0", "0"},   // clone with the profile's thread flags
           {"syscall", "202", "@word", "0", "0", "0"},          // futex wait on its own word
           {"syscall", "318", "@word", "4", "0"},               // getrandom into its own memory
           {"int80", "20"},                                      // getpid, i386
           {"int80", "1", "0"}}) {                              // exit, i386
    std::vector<std::string> args{"run", call[0], "--"};
    args.insert(args.end(), call.begin() + 1, call.end());
    const Outcome r = run(args, dir);
    EXPECT_EQ(r.status, XABI_HOST_EXIT_VIOLATION) << call[0] << " " << call[1] << ": " << r.err;
    EXPECT_NE(r.err.find("violation"), std::string::npos) << r.err;
  }
  unlink((dir + "/syscall").c_str());
  unlink((dir + "/int80").c_str());
  rmdir(dir.c_str());
}

TEST(PtraceHost, TheHostEnforcesTheMemoryQuota) {
  const Outcome r = run({"run", "--memory", "4M", XABI_PROBE, "--", "quota"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "allocated 4 MiB\n");  // and a freed MiB came back zero-filled
  const Outcome big = run({"run", "--memory", "16M", XABI_PROBE, "--", "quota"});
  EXPECT_EQ(big.out, "allocated 16 MiB\n");
}

pid_t only_child_of(pid_t parent) {
  std::ifstream f("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
  pid_t child = -1;
  f >> child;
  return child;
}

// Fail closed: kill -9 the monitor while the picoprocess is stopped at it in a
// call; the picoprocess is killed (PTRACE_O_EXITKILL) and never runs on to the
// mkdir it would make next.
TEST(PtraceHost, KillingTheMonitorKillsThePicoprocess) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);  // the orphaned picoprocess comes to us
  const std::string marker = ::testing::TempDir() + "/ptrace-marker-" + std::to_string(getpid());
  rmdir(marker.c_str());
  int out[2], err[2];
  const pid_t monitor = spawn({"run", XABI_PROBE, "--", "park", marker}, out, err);
  char buf[7];
  ASSERT_EQ(read(out[0], buf, sizeof buf), 7);
  ASSERT_EQ(std::string(buf, 7), "parked\n");
  const pid_t pico = only_child_of(monitor);
  ASSERT_GT(pico, 0);
  ASSERT_EQ(kill(monitor, SIGKILL), 0);
  int st = 0;
  ASSERT_EQ(waitpid(monitor, &st, 0), monitor);
  pid_t reaped = 0;
  for (int i = 0; i < 500 && reaped == 0; ++i) {  // 5 s
    reaped = waitpid(pico, &st, WNOHANG);
    if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (reaped == 0) kill(pico, SIGKILL);
  ASSERT_EQ(reaped, pico) << "the picoprocess outlived its monitor by 5 s";
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << st;
  struct stat sb;
  EXPECT_NE(stat(marker.c_str(), &sb), 0) << "the picoprocess ran a system call after its monitor died";
  close(out[0]);
  close(err[0]);
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

}  // namespace
