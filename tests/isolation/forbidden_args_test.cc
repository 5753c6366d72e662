// (b) Allowed system calls with forbidden arguments are denied and reported,
// in both modes. Calls of another ABI (x32 numbers, int $0x80) are killed by
// the filter itself (SIGSYS, KILL_PROCESS) in both modes and reported from
// the exit status.
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "notify_loop.h"

namespace xabi::launch::testing {
namespace {

struct Case {
  const char* label;
  std::vector<std::string> args;  // hostile guest arguments
  int nr;                         // expected in the report
};

const Case kCases[] = {
    {"write_stdout", {"syscall", "1", "1", "@word", "1"}, 1},
    {"write_stderr", {"syscall", "1", "2", "@word", "1"}, 1},
    {"clone_newuser", {"syscall", "56", "0x10000000"}, 56},
    {"clone_fork_like", {"syscall", "56", "17"}, 56},  // SIGCHLD: a new process
    {"clone_thread_plus_newns", {"syscall", "56", "0x3f0f00"}, 56},
    {"futex_outside_region", {"syscall", "202", "0x1000", "1", "1"}, 202},
    {"futex_wait_private", {"syscall", "202", "@word", "128", "1"}, 202},
    {"futex_wake_op", {"syscall", "202", "@word", "5", "1"}, 202},
    {"arch_prctl_get_fs", {"syscall", "158", "0x1003", "@word"}, 158},
    {"getrandom_grnd_random", {"syscall", "318", "@word", "4", "2"}, 318},
    {"clock_realtime", {"syscall", "228", "0", "@word"}, 228},
    {"write_doorbell_high_bits", {"syscall", "1", "0x100000006", "@word", "8"}, 1},
};

class ForbiddenArgs : public ::testing::TestWithParam<std::tuple<Case, Mode>> {};

TEST_P(ForbiddenArgs, DeniedAndReported) {
  const auto& [c, mode] = GetParam();
  const GuestRun r = RunGuest(GUEST_HOSTILE_PATH, c.args, mode);
  ASSERT_TRUE(r.ok) << r.error;
  if (mode == Mode::kKill)
    EXPECT_TRUE(r.exit.killed_by(SIGKILL)) << r.exit.describe();
  else
    EXPECT_TRUE(r.exit.exited_with(0)) << r.exit.describe() << " (1: the call was not refused)";
  ASSERT_EQ(r.reports.size(), 1u);
  EXPECT_EQ(r.reports[0].nr, c.nr) << to_json(r.reports[0]);
  EXPECT_EQ(r.reports[0].source, ViolationReport::Source::kNotification);
}

INSTANTIATE_TEST_SUITE_P(
    Calls, ForbiddenArgs, ::testing::Combine(::testing::ValuesIn(kCases),
                                             ::testing::Values(Mode::kKill, Mode::kErrno)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).label) + "_" +
             std::string(mode_name(std::get<1>(info.param)));
    });

class ForeignAbi : public ::testing::TestWithParam<Mode> {};

TEST_P(ForeignAbi, X32NumberIsKilledBySeccomp) {
  // getpid through the x32 ABI (0x40000000 | 39).
  const GuestRun r = RunGuest(GUEST_HOSTILE_PATH, {"syscall", "0x40000027"}, GetParam());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exit.killed_by(SIGSYS)) << r.exit.describe();
  ASSERT_EQ(r.reports.size(), 1u);
  EXPECT_EQ(r.reports[0].source, ViolationReport::Source::kSeccompKill);
}

TEST_P(ForeignAbi, Int80IsKilledBySeccomp) {
  // i386 getpid (20) through int $0x80.
  const GuestRun r = RunGuest(GUEST_HOSTILE_PATH, {"int80", "20"}, GetParam());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exit.killed_by(SIGSYS)) << r.exit.describe();
  ASSERT_EQ(r.reports.size(), 1u);
  EXPECT_EQ(r.reports[0].source, ViolationReport::Source::kSeccompKill);
}

INSTANTIATE_TEST_SUITE_P(Modes, ForeignAbi, ::testing::Values(Mode::kKill, Mode::kErrno),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

}  // namespace
}  // namespace xabi::launch::testing
