// xabi_poll(block = 1) with nothing ready waits in the PAL until a channel is
// ready or the alarm fires (spec: call 18). Runs poll_guest.c as a picoprocess
// under each real host and drives it over the host's listen socket.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "child_process.h"
#include "sockets.h"

namespace {

using Clock = std::chrono::steady_clock;

// Reads into buf until it holds a '\n' or the peer closes (10 s at most);
// returns the first line without its '\n' and leaves the rest in buf.
std::string read_line(int fd, std::string& buf) {
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (buf.find('\n') == std::string::npos && Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char tmp[256];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) break;
    buf.append(tmp, static_cast<size_t>(n));
  }
  const size_t nl = buf.find('\n');
  if (nl == std::string::npos) return std::exchange(buf, std::string());
  std::string line = buf.substr(0, nl);
  buf.erase(0, nl + 1);
  return line;
}

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

class PalPoll : public ::testing::TestWithParam<const char*> {};

TEST_P(PalPoll, BlockingPollWaitsForDataAndForTheAlarm) {
  const std::string tag =
      std::to_string(getpid()) + (std::string(GetParam()) == XABI_HOST_BIN ? "-host" : "-refhost");
  const std::string sock = "/tmp/xabi-pal-poll-" + tag + ".sock";
  unlink(sock.c_str());
  xabi::test::Child h = xabi::test::start_process(GetParam(), {"run", "--listen", "unix:" + sock, XABI_POLL_GUEST});
  const int s = xabi::test::connect_unix_retrying(sock);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) close(fd);
    }
  } closer{s};
  if (s < 0) {
    const auto r = xabi::test::finish_process(h, 1000);
    FAIL() << "no listen socket; host said: " << r.out << r.err;
  }

  std::string buf;
  ASSERT_EQ(read_line(s, buf), "polling");
  // The guest polls now (block = 1) with nothing ready: it must not answer
  // until we send.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(buf.empty() && !readable_now(s))
      << "xabi_poll(block = 1) returned before any byte was sent: " << buf << read_line(s, buf);
  ASSERT_EQ(write(s, "x", 1), 1);

  long r = -100, waited = -1;
  unsigned revents = 0;
  const std::string data = read_line(s, buf);
  ASSERT_EQ(std::sscanf(data.c_str(), "data r=%ld revents=%u waited_ms=%ld", &r, &revents, &waited), 3) << data;
  EXPECT_EQ(r, 1) << data;
  EXPECT_NE(revents & 1u, 0u) << "POLL_IN not set: " << data;
  EXPECT_GE(waited, 100) << data;

  const std::string alarm = read_line(s, buf);
  ASSERT_EQ(std::sscanf(alarm.c_str(), "alarm r=%ld revents=%u waited_ms=%ld", &r, &revents, &waited), 3) << alarm;
  EXPECT_EQ(r, 0) << alarm;
  EXPECT_GE(waited, 50) << alarm;
  EXPECT_LT(waited, 5000) << alarm;

  EXPECT_EQ(read_line(s, buf), "empty r=0");
  close(std::exchange(closer.fd, -1));
  const auto end = xabi::test::finish_process(h, 10000);
  EXPECT_EQ(end.status, 0) << end.out << end.err;
}

INSTANTIATE_TEST_SUITE_P(Hosts, PalPoll, ::testing::Values(XABI_HOST_BIN, XABI_REFHOST_BIN),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           return std::string(i.index == 0 ? "xabi_host" : "xabi_refhost");
                         });

}  // namespace
