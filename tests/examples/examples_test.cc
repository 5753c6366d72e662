// The examples, each run by the real xabi-host as a sealed picoprocess and
// driven by real clients: a unix socket, curl over TCP, a local HTTP server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "run_xabi_host.h"
#include "sockets.h"
#include "xabi/host_exits.h"

namespace {

using xabi::test::run_host;

std::string example(const char* name) { return std::string(XABI_EXAMPLES_DIR) + "/" + name; }

using xabi::test::free_tcp_port;

TEST(Examples, HelloPrintsItsGreeting) {
  auto r = run_host({"xabi-host", "run", example("hello")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from a picoprocess\n");
}

TEST(Examples, ThreadsCountTogether) {
  auto r = run_host({"xabi-host", "run", example("threads")});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("counter 320000 (expected 320000)"), std::string::npos) << r.out;
}

TEST(Examples, EchoServesAUnixSocketClient) {
  const std::string path = "/tmp/xabi-echo-" + std::to_string(getpid()) + ".sock";
  auto child = xabi::test::start_host({"xabi-host", "run", "--listen", "unix:" + path, example("echo"), "--", "1"});
  int s = xabi::test::connect_unix_retrying(path);
  if (s < 0) {
    auto r = xabi::test::finish_host(child, 1000);
    FAIL() << "could not connect to " << path << "; xabi-host said: " << r.err << " (status " << r.status << ")";
  }
  const std::string msg = "ping through a picoprocess\n";
  ASSERT_EQ(write(s, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
  std::string got;
  char buf[256];
  while (got.size() < msg.size()) {
    ssize_t n = read(s, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  close(s);
  EXPECT_EQ(got, msg);
  auto r = xabi::test::finish_host(child);
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Examples, HttpPageIsServedToCurl) {
  const int port = free_tcp_port();
  auto child = xabi::test::start_host(
      {"xabi-host", "run", "--listen", "tcp:127.0.0.1:" + std::to_string(port), example("http"), "--", "1"});
  std::string body;
  for (int i = 0; i < 500 && body.empty(); ++i) {
    std::string cmd = "curl -s --max-time 5 http://127.0.0.1:" + std::to_string(port) + "/from-curl";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) body.append(buf, n);
    pclose(p);
    if (body.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(body.find("Hello from a picoprocess"), std::string::npos) << body;
  EXPECT_NE(body.find("/from-curl"), std::string::npos) << body;
  auto r = xabi::test::finish_host(child);
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Examples, FetchReachesItsOriginAndNoOther) {
  httplib::Server server;
  server.Get("/data", [](const httplib::Request&, httplib::Response& res) { res.set_content("same-origin data", "text/plain"); });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);
  auto r = run_host({"xabi-host", "run", "--origin", origin, example("fetch"), "--", origin + "/data",
                     "http://127.0.0.1:" + std::to_string(port + 1) + "/data"});
  server.stop();
  t.join();
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("fetch: HTTP/1.1 200 OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-> -11"), std::string::npos) << "cross-origin not refused with E_ORIGIN: " << r.out;
}

TEST(XabiHost, DeniedSystemCallIsReportedAndEndsThePicoprocess) {
  const std::string report = "/tmp/xabi-report-" + std::to_string(getpid()) + ".json";
  auto r = run_host({"xabi-host", "run", "--report", report, XABI_FORBIDDEN_GUEST});
  EXPECT_EQ(r.status, XABI_HOST_EXIT_VIOLATION) << r.err;
  EXPECT_NE(r.err.find("getpid"), std::string::npos) << r.err;
  std::ifstream in(report);
  auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["violations"].size(), 1u) << j.dump();
  EXPECT_EQ(j["violations"][0]["name"], "getpid");
  EXPECT_EQ(j["violations"][0]["nr"], 39);
  std::filesystem::remove(report);
}

TEST(XabiHost, ErrnoModeReturnsEnosysAndStillReports) {
  auto r = run_host({"xabi-host", "run", "--on-violation", "errno", XABI_FORBIDDEN_GUEST});
  EXPECT_EQ(r.status, 0) << "the guest did not see ENOSYS: " << r.err;
  EXPECT_NE(r.err.find("getpid"), std::string::npos) << r.err;
}

TEST(XabiHost, BadImageIsAClearLaunchError) {
  auto r = run_host({"xabi-host", "run", "/proc/self/exe"});
  EXPECT_EQ(r.status, XABI_HOST_EXIT_LAUNCH_FAILED);
  EXPECT_NE(r.err.find("cannot launch"), std::string::npos) << r.err;
}

}  // namespace
