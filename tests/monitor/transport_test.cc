// The transport end to end without seccomp: the loop serves a call area
// that a forked plain child uses through pal/linux/transport.c and the
// generated PAL stubs (xabi_pal_fill_host_calls + xabi_invoke), for every
// HOST call. Correctness only; nothing is timed.
#include <fcntl.h>
#include <httplib.h>
#include <linux/futex.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "guest_fixture.h"
#include "listen_endpoint.h"
#include "loop_harness.h"
#include "xabi/invoke.h"
#include "xabi/pal_stubs.h"

namespace xabi::test {
namespace {

struct Guest {
  xabi_dispatch t;
  Guest() { xabi_pal_fill_host_calls(&t); }
  int64_t call(uint32_t id, std::initializer_list<uint64_t> a) {
    uint64_t args[8] = {};
    size_t i = 0;
    for (uint64_t v : a) args[i++] = v;
    int64_t r = -1000;
    if (xabi_invoke(&t, id, args, &r) != 0) return -1000;
    return r;
  }
};

uint64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Waits (in the child) until *word != old, as xabi_zutex_wait would.
bool wait_change(const uint32_t* word, uint32_t old, int max_ms) {
  for (int i = 0; i < max_ms / 10; ++i) {
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != old) return true;
    timespec ts{0, 10'000'000};
    ::syscall(SYS_futex, word, FUTEX_WAIT, old, &ts, nullptr, 0);
  }
  return __atomic_load_n(word, __ATOMIC_SEQ_CST) != old;
}

TEST(Transport, EveryHostCallThroughThePalStubs) {
  // A real HTTP server for open_url, a listen socket with one pending
  // connection for accept, a pipe as the monitor's console.
  httplib::Server server;
  server.Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("hi", "text/plain"); });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread srv([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);

  UniqueFd lfd;
  ASSERT_EQ(calls::open_listen_endpoint("tcp:127.0.0.1:0", lfd), 0);
  const int lport = calls::bound_tcp_port(lfd.get());
  UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(lport));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::write(client.get(), "pong", 4), 4);

  int pipefd[2];
  ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
  UniqueFd con_r(pipefd[0]), con_w(pipefd[1]);

  auto g = GuestMemory::create(1 << 20);
  ASSERT_TRUE(g);
  const std::string url = origin + "/hello";
  GuestMemory* gm = g.get();
  const pid_t pid = g->spawn([&]() -> int {
    int fails = 0;
    Guest x;
    // memory
    const int64_t a = x.call(XABI_CALL_ALLOC, {3 * XABI_PAGE});
    CHILD_CHECK(a != 0 && a % XABI_PAGE == 0);
    uint8_t* mem = reinterpret_cast<uint8_t*>(a);
    std::memset(mem, 0x5a, 3 * XABI_PAGE);
    CHILD_CHECK(x.call(XABI_CALL_FREE, {static_cast<uint64_t>(a) + XABI_PAGE, XABI_PAGE}) == 0);
    CHILD_CHECK(mem[XABI_PAGE] == 0 && mem[0] == 0x5a);
    CHILD_CHECK(x.call(XABI_CALL_FREE, {static_cast<uint64_t>(a) + 1, XABI_PAGE}) == XABI_E_INVAL);
    CHILD_CHECK(x.call(XABI_CALL_FREE, {static_cast<uint64_t>(a) + XABI_PAGE, XABI_PAGE}) == XABI_E_NOT_MAPPED);
    CHILD_CHECK(x.call(XABI_CALL_ALLOC, {0}) == 0);
    CHILD_CHECK(x.call(XABI_CALL_ALLOC, {2u << 20}) == 0);  // over the 1 MiB quota
    // alarm
    const uint32_t clk = gm->alarms()->clock;
    CHILD_CHECK(x.call(XABI_CALL_ALARM_SET, {now_ns() + 1'000'000}) == 0);
    CHILD_CHECK(wait_change(&gm->alarms()->clock, clk, 5000));
    // console
    const int64_t con = x.call(XABI_CALL_CONSOLE, {});
    CHILD_CHECK(con >= 0);
    const char msg[] = "hello from the child\n";
    CHILD_CHECK(x.call(XABI_CALL_WRITE, {static_cast<uint64_t>(con), reinterpret_cast<uint64_t>(msg), sizeof msg - 1}) ==
                static_cast<int64_t>(sizeof msg - 1));
    char buf[256];
    CHILD_CHECK(x.call(XABI_CALL_READ, {static_cast<uint64_t>(con), reinterpret_cast<uint64_t>(buf), sizeof buf}) ==
                XABI_E_CLOSED);
    CHILD_CHECK(x.call(XABI_CALL_WRITE, {static_cast<uint64_t>(con), reinterpret_cast<uint64_t>(buf), XABI_LIMIT_IO + 1}) ==
                XABI_E_INVAL);
    CHILD_CHECK(x.call(XABI_CALL_WRITE, {99, reinterpret_cast<uint64_t>(buf), XABI_LIMIT_IO + 1}) == XABI_E_BAD_CHANNEL);
    // accept + read/write on a real TCP connection
    int64_t sock = XABI_E_AGAIN;
    for (int i = 0; i < 500 && sock == XABI_E_AGAIN; ++i) {
      sock = x.call(XABI_CALL_ACCEPT, {});
      if (sock == XABI_E_AGAIN) ::usleep(1000);
    }
    CHILD_CHECK(sock >= 0);
    CHILD_CHECK(x.call(XABI_CALL_ACCEPT, {}) == XABI_E_AGAIN);
    CHILD_CHECK(x.call(XABI_CALL_WRITE, {static_cast<uint64_t>(sock), reinterpret_cast<uint64_t>("ping"), 4}) == 4);
    int64_t n = 0;
    for (int i = 0; i < 500 && n == 0; ++i) {
      const uint32_t ch = gm->alarms()->channels;
      n = x.call(XABI_CALL_READ, {static_cast<uint64_t>(sock), reinterpret_cast<uint64_t>(buf), sizeof buf});
      if (n == 0) wait_change(&gm->alarms()->channels, ch, 10);
    }
    CHILD_CHECK(n == 4 && std::memcmp(buf, "pong", 4) == 0);
    // poll
    xabi_pollfd p[2] = {{static_cast<int32_t>(sock), XABI_POLL_OUT, 0, 0},
                        {static_cast<int32_t>(con), XABI_POLL_OUT, 0, 0}};
    CHILD_CHECK(x.call(XABI_CALL_POLL, {reinterpret_cast<uint64_t>(p), 2, 0}) == 2);
    CHILD_CHECK(p[0].revents == XABI_POLL_OUT && p[1].revents == XABI_POLL_OUT);
    CHILD_CHECK(x.call(XABI_CALL_POLL, {reinterpret_cast<uint64_t>(p), XABI_LIMIT_POLL + 1, 0}) == XABI_E_INVAL);
    // open_url: the channels word is bumped when the response arrives
    const int64_t u = x.call(XABI_CALL_OPEN_URL, {reinterpret_cast<uint64_t>("GET"), reinterpret_cast<uint64_t>(url.c_str())});
    CHILD_CHECK(u >= 0);
    CHILD_CHECK(x.call(XABI_CALL_OPEN_URL, {reinterpret_cast<uint64_t>("GET"), reinterpret_cast<uint64_t>("http://x.org/")}) ==
                XABI_E_ORIGIN);
    CHILD_CHECK(x.call(XABI_CALL_OPEN_URL, {reinterpret_cast<uint64_t>("BREW"), reinterpret_cast<uint64_t>(url.c_str())}) ==
                XABI_E_INVAL);
    std::string resp;
    for (int i = 0; i < 2000; ++i) {
      const uint32_t ch = gm->alarms()->channels;
      n = x.call(XABI_CALL_READ, {static_cast<uint64_t>(u), reinterpret_cast<uint64_t>(buf), sizeof buf});
      if (n < 0) break;
      if (n > 0) resp.append(buf, static_cast<size_t>(n));
      else wait_change(&gm->alarms()->channels, ch, 10);
    }
    CHILD_CHECK(n == XABI_E_CLOSED);
    CHILD_CHECK(resp.starts_with("HTTP/1.1 200 OK\r\n") && resp.ends_with("\r\n\r\nhi"));
    // close
    CHILD_CHECK(x.call(XABI_CALL_CLOSE, {static_cast<uint64_t>(u)}) == 0);
    CHILD_CHECK(x.call(XABI_CALL_CLOSE, {static_cast<uint64_t>(u)}) == XABI_E_BAD_CHANNEL);
    CHILD_CHECK(x.call(XABI_CALL_CLOSE, {static_cast<uint64_t>(-1)}) == XABI_E_BAD_CHANNEL);
    return fails;
  });
  ASSERT_GT(pid, 0);

  LoopHarness h(con_w.get());
  auto p = g->picoprocess(pid);
  p.listen_fd = ::fcntl(lfd.get(), F_DUPFD_CLOEXEC, 10);
  p.origin = origin;
  ASSERT_GT(h.loop.add(std::move(p)), 0);
  EXPECT_TRUE(h.run_until([&] { return h.loop.size() == 0; }));
  EXPECT_EQ(h.status(pid), 0);
  EXPECT_EQ(h.loop.stats().slots.refused_total(), 0u);
  EXPECT_GT(h.loop.stats().slots.served, 20u);

  char buf[64] = {};
  EXPECT_EQ(::read(con_r.get(), buf, sizeof buf), 21);
  EXPECT_STREQ(buf, "hello from the child\n");
  EXPECT_EQ(::read(client.get(), buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
  EXPECT_EQ(::read(client.get(), buf, 4), 0);  // the channel was closed with the picoprocess
  server.stop();
  srv.join();
}

TEST(Transport, ManyCallsFromTwoChildrenAtOnce) {
  auto g1 = GuestMemory::create(1 << 20);
  auto g2 = GuestMemory::create(1 << 20);
  auto body = []() -> int {
    int fails = 0;
    for (int i = 0; i < 5000; ++i) CHILD_CHECK(xabi_pal_host_close(-1) == XABI_E_BAD_CHANNEL);
    for (int i = 0; i < 200; ++i) {
      void* p = xabi_pal_host_alloc(XABI_PAGE);
      CHILD_CHECK(p != nullptr);
      CHILD_CHECK(xabi_pal_host_free(p, XABI_PAGE) == 0);
    }
    return fails;
  };
  const pid_t a = g1->spawn(body);
  const pid_t b = g2->spawn(body);
  LoopHarness h;
  ASSERT_GT(h.loop.add(g1->picoprocess(a)), 0);
  ASSERT_GT(h.loop.add(g2->picoprocess(b)), 0);
  EXPECT_TRUE(h.run_until([&] { return h.loop.size() == 0; }, std::chrono::seconds(60)));
  EXPECT_EQ(h.status(a), 0);
  EXPECT_EQ(h.status(b), 0);
  EXPECT_EQ(h.loop.stats().slots.served, 2u * 5400u);
}

}  // namespace
}  // namespace xabi::test
