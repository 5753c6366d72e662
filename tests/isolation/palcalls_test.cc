// (d) The PAL-local calls, checked from inside a sealed picoprocess by the
// palcalls guest (its exit status names the first failed check), with no
// violation on the way: every system call the PAL makes is allowed.
#include <gtest/gtest.h>

#include "notify_loop.h"

namespace xabi::launch::testing {
namespace {

TEST(PalCalls, EveryCheckPassesInKillMode) {
  const GuestRun r = RunGuest(GUEST_PALCALLS_PATH, {"checks", "two words", ""}, Mode::kKill);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exit.exited_with(0)) << r.exit.describe() << " (see guests/palcalls.c)";
  for (const ViolationReport& v : r.reports) ADD_FAILURE() << "violation: " << to_json(v);
}

TEST(PalCalls, ExitStatusIsModulo256) {
  const GuestRun r = RunGuest(GUEST_PALCALLS_PATH, {"exit-minus-one"}, Mode::kKill);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exit.exited_with(255)) << r.exit.describe();
  EXPECT_TRUE(r.reports.empty());
}

TEST(PalCalls, InitialThreadMayEndFirst) {
  const GuestRun r = RunGuest(GUEST_PALCALLS_PATH, {"main-exits-first"}, Mode::kKill);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exit.exited_with(42)) << r.exit.describe();
  EXPECT_TRUE(r.reports.empty());
}

TEST(PalCalls, LastThreadExitEndsWithZero) {
  const GuestRun r = RunGuest(GUEST_PALCALLS_PATH, {"last-thread"}, Mode::kKill);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exit.exited_with(0)) << r.exit.describe();
  EXPECT_TRUE(r.reports.empty());
}

TEST(PalCalls, HostCallsAreServedToo) {
  // The SDK's console write is a HOST call (xabi_console, xabi_write): served
  // by the event loop, the guest ends normally and nothing is denied.
  const GuestRun r = RunGuest(GUEST_HELLO_PATH, {}, Mode::kKill);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.exit.exited_with(0)) << r.exit.describe();
  EXPECT_TRUE(r.reports.empty());
}

}  // namespace
}  // namespace xabi::launch::testing
