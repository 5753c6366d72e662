// No leaks: 200 picoprocesses launched, sealed and reaped leave the monitor
// with the same open fds and no children.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>

#include "notify_loop.h"

namespace xabi::launch::testing {
namespace {

size_t OpenFds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(Leaks, TwoHundredLaunchesLeaveNoFdsAndNoChildren) {
  const size_t before = OpenFds();
  for (int i = 0; i < 200; ++i) {
    // Alternate a clean exit and a kill-mode violation.
    const GuestRun r = i % 2 ? RunGuest(GUEST_PALCALLS_PATH, {"exit-minus-one"}, Mode::kKill)
                             : RunGuest(GUEST_HOSTILE_PATH, {"syscall", "39"}, Mode::kKill);
    ASSERT_TRUE(r.ok) << i << ": " << r.error;
  }
  EXPECT_EQ(OpenFds(), before);
  siginfo_t info{};
  EXPECT_EQ(waitid(P_ALL, 0, &info, WEXITED | WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace xabi::launch::testing
