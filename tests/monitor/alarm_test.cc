// xabi_alarm_set with a real timerfd: past deadlines fire at once, 0
// cancels, a later set replaces; firing bumps alarms.clock.
#include <poll.h>
#include <time.h>

#include <gtest/gtest.h>

#include "call_server.h"

namespace xabi::calls {
namespace {

uint64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool fires_within(CallServer& h, int ms) {
  pollfd p{h.timer_fd(), POLLIN, 0};
  if (::poll(&p, 1, ms) != 1) return false;
  h.on_timer();
  return true;
}

TEST(Alarm, PastDeadlineFiresAtOnceAndBumpsClock) {
  struct xabi_alarms words{};
  CallServerConfig c;
  c.alarms = &words;
  CallServer h(c);
  EXPECT_EQ(h.alarm_set(1), 0);
  ASSERT_TRUE(fires_within(h, 1000));
  EXPECT_EQ(words.clock, 1u);
  EXPECT_EQ(words.channels, 0u);
}

TEST(Alarm, FutureDeadlineFiresLater) {
  struct xabi_alarms words{};
  CallServerConfig c;
  c.alarms = &words;
  CallServer h(c);
  const uint64_t t0 = now_ns();
  EXPECT_EQ(h.alarm_set(t0 + 30'000'000), 0);
  ASSERT_TRUE(fires_within(h, 2000));
  EXPECT_GE(now_ns(), t0 + 30'000'000);
  EXPECT_EQ(words.clock, 1u);
}

TEST(Alarm, ZeroCancelsAndLaterSetReplaces) {
  struct xabi_alarms words{};
  CallServerConfig c;
  c.alarms = &words;
  CallServer h(c);
  EXPECT_EQ(h.alarm_set(now_ns() + 20'000'000), 0);
  EXPECT_EQ(h.alarm_set(0), 0);
  EXPECT_FALSE(fires_within(h, 100));
  EXPECT_EQ(h.alarm_set(now_ns() + 10'000'000'000ull), 0);
  EXPECT_EQ(h.alarm_set(now_ns() + 10'000'000), 0);  // replaces the far one
  EXPECT_TRUE(fires_within(h, 2000));
  EXPECT_EQ(h.alarm_set(~0ull), 0);  // far future: accepted, never fires here
  EXPECT_FALSE(fires_within(h, 20));
  EXPECT_EQ(words.clock, 1u);
  EXPECT_EQ(h.host_failures(), 0u);
}

TEST(Alarm, ChannelEventsBumpTheChannelsWord) {
  struct xabi_alarms words{};
  CallServerConfig c;
  c.alarms = &words;
  CallServer h(c);
  h.on_channel_event();
  h.on_channel_event();
  EXPECT_EQ(words.channels, 2u);
}

}  // namespace
}  // namespace xabi::calls
