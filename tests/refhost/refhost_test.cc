// xabi-refhost end to end: the example guests (as tests/examples runs them
// through xabi-host) and the refcalls guest, through the reference host.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "sockets.h"
#include "xabi/host_exits.h"

namespace {

using xabi::test::Child;
using HostRun = xabi::test::ChildRun;

Child start(const std::vector<std::string>& args) { return xabi::test::start_process(XABI_REFHOST_BIN, args); }
HostRun finish(Child& c, int timeout_ms = 15000) { return xabi::test::finish_process(c, timeout_ms); }
HostRun run(const std::vector<std::string>& args, int timeout_ms = 15000) {
  return xabi::test::run_process(XABI_REFHOST_BIN, args, {}, timeout_ms);
}

std::string example(const char* name) { return std::string(XABI_EXAMPLES_DIR) + "/" + name; }

using xabi::test::free_tcp_port;
int connect_unix(const std::string& path) { return xabi::test::connect_unix_retrying(path); }

TEST(RefHost, HelloPrintsItsGreeting) {
  const HostRun r = run({"run", example("hello")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from a picoprocess\n");
}

TEST(RefHost, ThreadsCountTogether) {
  const HostRun r = run({"run", example("threads")});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("counter 320000 (expected 320000)"), std::string::npos) << r.out;
}

TEST(RefHost, EchoServesUnixSocketClients) {
  const std::string path = "/tmp/xabi-refhost-echo-" + std::to_string(getpid()) + ".sock";
  Child c = start({"run", "--listen", "unix:" + path, example("echo"), "--", "2"});
  for (int round = 0; round < 2; ++round) {
    const int s = connect_unix(path);
    if (s < 0) {
      const HostRun r = finish(c, 1000);
      FAIL() << "could not connect to " << path << ": " << r.err;
    }
    const std::string msg = "ping " + std::to_string(round) + " through the reference host\n";
    ASSERT_EQ(write(s, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
    std::string got;
    char buf[256];
    while (got.size() < msg.size()) {
      const ssize_t n = read(s, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    close(s);
    EXPECT_EQ(got, msg);
  }
  const HostRun r = finish(c);
  EXPECT_EQ(r.status, 0) << r.err;
  unlink(path.c_str());
}

TEST(RefHost, HttpPageIsServedOverTcp) {
  const int port = free_tcp_port();
  Child c = start({"run", "--listen", "tcp:127.0.0.1:" + std::to_string(port), example("http"), "--", "1"});
  std::string body;
  for (int i = 0; i < 250 && body.empty(); ++i) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(5, 0);
    if (auto res = cli.Get("/from-a-test")) body = res->body;
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(body.find("Hello from a picoprocess"), std::string::npos) << body;
  EXPECT_NE(body.find("/from-a-test"), std::string::npos) << body;
  const HostRun r = finish(c);
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(RefHost, FetchReachesItsOriginAndNoOther) {
  httplib::Server server;
  server.Get("/data", [](const httplib::Request&, httplib::Response& res) { res.set_content("same-origin data", "text/plain"); });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);
  const HostRun r = run({"run", "--origin", origin, example("fetch"), "--", origin + "/data",
                     "http://127.0.0.1:" + std::to_string(port + 1) + "/data"});
  server.stop();
  t.join();
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("fetch: HTTP/1.1 200 OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> -11"), std::string::npos) << "cross-origin not refused with E_ORIGIN: " << r.out;
}

TEST(RefHost, FetchFromADeadOriginFailsWithEIo) {
  const std::string origin = "http://127.0.0.1:" + std::to_string(free_tcp_port());
  const HostRun r = run({"run", "--origin", origin, example("fetch"), "--", origin + "/data"});
  EXPECT_EQ(r.status, 4) << r.out << r.err;  // fetch: read failed
  EXPECT_NE(r.out.find("read failed: -9"), std::string::npos) << r.out;
}

TEST(RefHost, MemoryIsPlacedLowestFirstAndZeroFilled) {
  const HostRun r = run({"run", XABI_REFCALLS_GUEST, "--", "mem"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "mem ok\n");
}

TEST(RefHost, AlarmFires) {
  const HostRun r = run({"run", XABI_REFCALLS_GUEST, "--", "alarm"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "alarm ok\n");
}

TEST(RefHost, ChannelIdsAndErrors) {
  const HostRun r = run({"run", XABI_REFCALLS_GUEST, "--", "chan"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "chan ok\n");
}

TEST(RefHost, MissingCapabilitiesAreUnsupported) {
  const HostRun r = run({"run", "--no-console", XABI_REFCALLS_GUEST, "--", "nocaps"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(RefHost, ExitStatusIsTheGuestsModulo256) {
  EXPECT_EQ(run({"run", XABI_REFCALLS_GUEST, "--", "exit", "7"}).status, 7);
  EXPECT_EQ(run({"run", XABI_REFCALLS_GUEST, "--", "exit", "300"}).status, 300 % 256);
}

TEST(RefHost, TimeoutKillsTheGuest) {
  const auto t0 = std::chrono::steady_clock::now();
  const HostRun r = run({"run", "--timeout", "0.3", XABI_REFCALLS_GUEST, "--", "block"});
  EXPECT_EQ(r.status, 128 + SIGKILL) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(RefHost, GuestDiesWithTheRefhost) {
  Child c = start({"run", XABI_REFCALLS_GUEST, "--", "block"});
  // The guest is the refhost's only child process.
  pid_t guest = -1;
  for (int i = 0; i < 500 && guest < 0; ++i) {
    std::ifstream in("/proc/" + std::to_string(c.pid) + "/task/" + std::to_string(c.pid) + "/children");
    int p = -1;
    if (in >> p) guest = p;
    else std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(guest, 0);
  kill(c.pid, SIGKILL);
  finish(c);
  bool gone = false;
  for (int i = 0; i < 300 && !gone; ++i) {
    // Reparented to init (or a subreaper): gone once it is no longer running.
    std::ifstream st("/proc/" + std::to_string(guest) + "/stat");
    std::string line;
    if (!std::getline(st, line)) gone = true;
    else {
      const auto close_paren = line.rfind(')');
      gone = close_paren != std::string::npos && close_paren + 2 < line.size() &&
             (line[close_paren + 2] == 'Z' || line[close_paren + 2] == 'X');
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(gone) << "guest " << guest << " outlived its refhost";
}

TEST(RefHost, MissingImageCannotBeLaunched) {
  const HostRun r = run({"run", "/nonexistent/guest-image"});
  EXPECT_EQ(r.status, XABI_HOST_EXIT_LAUNCH_FAILED);
  EXPECT_NE(r.err.find("cannot launch"), std::string::npos) << r.err;
}

TEST(RefHost, NonGuestImageCannotBeLaunched) {
  const HostRun r = run({"run", "/proc/self/exe"});
  EXPECT_EQ(r.status, XABI_HOST_EXIT_LAUNCH_FAILED) << r.err;
}

TEST(RefHost, UsageErrorsExitWith2) {
  EXPECT_EQ(run({"run"}).status, 2);
  EXPECT_EQ(run({"run", "--memory", "lots", example("hello")}).status, 2);
  EXPECT_EQ(run({"run", "--origin", "ftp://x", example("hello")}).status, 2);
}

}  // namespace
