// xabi_poll(block = 1) with nothing ready waits in the PAL until a channel is
// ready or the alarm fires (spec: call 18). Runs poll_guest.c as a picoprocess
// under each real host and drives it over the host's listen socket.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Host {
  pid_t pid = -1;
  std::string log;  // the host's stdout and stderr
  Host() = default;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  Host(Host&& o) noexcept : pid(std::exchange(o.pid, -1)), log(std::move(o.log)) {}
  ~Host() {  // a failed ASSERT must not leave the host running
    if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

Host start(const char* bin, const std::string& sock, const std::string& log) {
  unlink(sock.c_str());
  Host h;
  h.log = log;
  h.pid = fork();
  if (h.pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(bin, bin, "run", "--listen", ("unix:" + sock).c_str(), XABI_POLL_GUEST, static_cast<char*>(nullptr));
    _exit(127);
  }
  return h;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Exit status, or -1 after killing it when it outlives timeout.
int finish(Host& h, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  int st = 0;
  while (waitpid(h.pid, &st, WNOHANG) == 0) {
    if (Clock::now() > until) {
      kill(h.pid, SIGKILL);
      waitpid(h.pid, &st, 0);
      h.pid = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  h.pid = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int connect_retrying(const std::string& path) {
  for (int i = 0; i < 500; ++i) {  // up to 10 s
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

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
  Host h = start(GetParam(), sock, "/tmp/xabi-pal-poll-" + tag + ".log");
  const int s = connect_retrying(sock);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) close(fd);
    }
  } closer{s};
  ASSERT_GE(s, 0) << "no listen socket; host said: " << (finish(h, std::chrono::seconds(1)), slurp(h.log));

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
  EXPECT_EQ(finish(h, std::chrono::seconds(10)), 0) << slurp(h.log);
  unlink(h.log.c_str());
}

INSTANTIATE_TEST_SUITE_P(Hosts, PalPoll, ::testing::Values(XABI_HOST_BIN, XABI_REFHOST_BIN),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           return std::string(i.index == 0 ? "xabi_host" : "xabi_refhost");
                         });

}  // namespace
