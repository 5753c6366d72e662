// Hostile children against the real loop: garbage frames, req_len =
// 0xffffffff, a request rewritten while the monitor copies it (double
// fetch), a flood of requests, death in the middle of a call. The monitor
// must answer E_BAD_FRAME or serve, never crash, release a dead child's
// resources, and keep serving a well-behaved child throughout.
#include <fcntl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>

#include "guest_fixture.h"
#include "listen_endpoint.h"
#include "loop_harness.h"
#include "xabi/pal_stubs.h"
#include "xabi/wire.h"

namespace xabi::test {
namespace {

// A well-behaved guest: n null calls (close of a bad channel).
int null_calls(int n) {
  int fails = 0;
  for (int i = 0; i < n; ++i) CHILD_CHECK(xabi_pal_host_close(-1) == XABI_E_BAD_CHANNEL);
  return fails;
}

void ring(xabi_link_header* h) {
  if (__atomic_load_n(&h->monitor_sleeping, __ATOMIC_SEQ_CST)) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(XABI_LINK_FD_DOORBELL, &one, sizeof one);
  }
}

// Hand-made request in slot s (bypassing the transport); waits for the answer.
bool raw_call(GuestMemory& g, uint32_t s, const uint8_t* bytes, size_t n, uint32_t req_len) {
  xabi_link_slot* sl = g.slot(s);
  std::memcpy(sl->req, bytes, std::min<size_t>(n, XABI_WIRE_MAX_REQUEST));
  __atomic_store_n(&sl->req_len, req_len, __ATOMIC_RELAXED);
  __atomic_store_n(&sl->state, XABI_LINK_REQUEST, __ATOMIC_SEQ_CST);
  ring(g.area());
  // A deadline in time, not in spins: on a loaded machine (CI, ASan) the
  // monitor may not run for a while, and giving up early left the slot in
  // REQUEST and failed the test for no fault of the host.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (uint64_t i = 0;; ++i) {
    if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) == XABI_LINK_RESPONSE) return true;
    if (i % 64 == 0) {
      ::sched_yield();
      if (std::chrono::steady_clock::now() > deadline) return false;
    }
    if (i % 1024 == 0) ring(g.area());
  }
}

int64_t bad_frame_result(GuestMemory& g, uint32_t s) {
  xabi_link_slot* sl = g.slot(s);
  xabi_wire_header h{};
  if (sl->resp_len < 24 || xabi_wire_read_header(sl->resp, sl->resp_len, XABI_WIRE_RESPONSE_MAGIC, &h) != XABI_WIRE_OK)
    return 1;
  return static_cast<int64_t>(xabi_wire_get64(sl->resp + 16));
}

TEST(Robustness, GarbageAndOversizedFramesAreRefusedWhileOthersAreServed) {
  auto bad = GuestMemory::create(1 << 20);
  auto good = GuestMemory::create(1 << 20);
  GuestMemory* b = bad.get();
  const pid_t pb = bad->spawn([b]() -> int {
    int fails = 0;
    std::mt19937 rng(42);
    uint8_t junk[512];
    for (int i = 0; i < 300; ++i) {
      for (auto& c : junk) c = static_cast<uint8_t>(rng());
      CHILD_CHECK(raw_call(*b, 0, junk, sizeof junk, rng() % sizeof junk));
      CHILD_CHECK(bad_frame_result(*b, 0) == XABI_E_BAD_FRAME);
      CHILD_CHECK(raw_call(*b, 1, junk, sizeof junk, i % 2 ? 0xffffffffu : XABI_WIRE_MAX_REQUEST + 1));
      CHILD_CHECK(bad_frame_result(*b, 1) == XABI_E_BAD_FRAME);
    }
    // A valid header claiming more bytes than were sent.
    uint8_t frame[64] = {};
    xabi_wire_put_header(frame, XABI_WIRE_REQUEST_MAGIC, XABI_CALL_CLOSE, 1, 4000);
    CHILD_CHECK(raw_call(*b, 2, frame, sizeof frame, sizeof frame));
    CHILD_CHECK(bad_frame_result(*b, 2) == XABI_E_BAD_FRAME);
    return fails;
  });
  const pid_t pg = good->spawn([] { return null_calls(3000); });
  LoopHarness h;
  ASSERT_GT(h.loop.add(bad->picoprocess(pb)), 0);
  ASSERT_GT(h.loop.add(good->picoprocess(pg)), 0);
  EXPECT_TRUE(h.run_until([&] { return h.loop.size() == 0; }, std::chrono::seconds(60)));
  EXPECT_EQ(h.status(pb), 0);
  EXPECT_EQ(h.status(pg), 0);
  const auto& st = h.loop.stats().slots;
  EXPECT_EQ(st.refused[XABI_WIRE_OVERSIZED], 300u);
  EXPECT_GE(st.refused_total(), 601u);
  EXPECT_EQ(st.served, 601u + 3000u);
}

TEST(Robustness, RequestRewrittenWhileTheMonitorCopiesIt) {
  auto g = GuestMemory::create(1 << 20);
  GuestMemory* gm = g.get();
  // The caller makes real calls through the transport in slot 0; the mutator
  // (another process mapping the same call area) scribbles over slot 0's
  // request and req_len the whole time.
  const pid_t caller = g->spawn([]() -> int {
    int fails = 0;
    for (int i = 0; i < 3000; ++i) {
      const int64_t r = xabi_pal_host_close(-1);
      CHILD_CHECK(r == XABI_E_BAD_CHANNEL || r == XABI_E_BAD_FRAME);
    }
    return fails;
  });
  const pid_t mutator = g->spawn([gm]() -> int {
    std::mt19937 rng(7);
    xabi_link_slot* s = gm->slot(0);
    for (;;) {
      const uint32_t v = rng();
      s->req[v % 64] = static_cast<uint8_t>(v >> 8);
      __atomic_store_n(&s->req_len, (v & 1) ? 24u : v, __ATOMIC_RELAXED);
    }
  });
  LoopHarness h;
  ASSERT_GT(h.loop.add(g->picoprocess(caller)), 0);
  EXPECT_TRUE(h.run_until([&] { return h.loop.size() == 0; }, std::chrono::seconds(60)));
  ::kill(mutator, SIGKILL);
  ::waitpid(mutator, nullptr, 0);
  EXPECT_EQ(h.status(caller), 0);
  EXPECT_EQ(h.loop.stats().slots.served, 3000u);
}

TEST(Robustness, AFloodingChildDoesNotStarveAnother) {
  auto flood = GuestMemory::create(1 << 20);
  auto good = GuestMemory::create(1 << 20);
  GuestMemory* f = flood.get();
  const pid_t pf = flood->spawn([f]() -> int {
    uint8_t frame[64];
    xabi_wire_close_req q{-1};
    const size_t n = xabi_wire_encode_close_req(frame, sizeof frame, 1, &q);
    for (;;) {
      for (uint32_t i = 0; i < XABI_LINK_SLOTS; ++i) {
        xabi_link_slot* s = f->slot(i);
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == XABI_LINK_REQUEST) continue;
        std::memcpy(s->req, frame, n);
        s->req_len = static_cast<uint32_t>(n);
        __atomic_store_n(&s->state, XABI_LINK_REQUEST, __ATOMIC_SEQ_CST);
      }
      ring(f->area());
    }
  });
  const pid_t pg = good->spawn([] { return null_calls(3000); });
  LoopHarness h;
  ASSERT_GT(h.loop.add(flood->picoprocess(pf)), 0);
  ASSERT_GT(h.loop.add(good->picoprocess(pg)), 0);
  EXPECT_TRUE(h.run_until([&] { return h.exits.count(pg) > 0; }, std::chrono::seconds(60)));
  EXPECT_EQ(h.status(pg), 0);
  ::kill(pf, SIGKILL);
  EXPECT_TRUE(h.run_until([&] { return h.loop.size() == 0; }));
  EXPECT_EQ(h.exits[pf].code, CLD_KILLED);
  EXPECT_GT(h.loop.stats().slots.served, 3000u);
}

TEST(Robustness, DeathMidCallReleasesEverythingAndOthersGoOn) {
  UniqueFd lfd;
  ASSERT_EQ(calls::open_listen_endpoint("tcp:127.0.0.1:0", lfd), 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(calls::bound_tcp_port(lfd.get())));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_EQ(::connect(clients.back().get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  }
  auto victim = GuestMemory::create(1 << 20);
  auto good = GuestMemory::create(1 << 20);
  const size_t fds_before = open_fd_count();
  GuestMemory* v = victim.get();
  const pid_t pv = victim->spawn([v]() -> int {
    int fails = 0;
    CHILD_CHECK(xabi_pal_host_console() >= 0);
    for (int i = 0; i < 3; ++i) {
      int64_t c = XABI_E_AGAIN;
      for (int k = 0; k < 1000 && c == XABI_E_AGAIN; ++k) {
        c = xabi_pal_host_accept();
        if (c == XABI_E_AGAIN) ::usleep(1000);
      }
      CHILD_CHECK(c >= 0);
    }
    CHILD_CHECK(xabi_pal_host_alarm_set(~0ull) == 0);
    CHILD_CHECK(xabi_pal_host_alloc(1 << 19) != nullptr);
    if (fails) return fails;
    // Die with a request in flight.
    xabi_link_slot* s = v->slot(5);
    s->req_len = 24;
    __atomic_store_n(&s->state, XABI_LINK_REQUEST, __ATOMIC_SEQ_CST);
    ::raise(SIGKILL);
    return 99;
  });
  const pid_t pg = good->spawn([] { return null_calls(3000); });
  int console_pipe[2];
  ASSERT_EQ(::pipe2(console_pipe, O_CLOEXEC), 0);
  {
    LoopHarness h(console_pipe[1]);
    auto p = victim->picoprocess(pv);
    p.listen_fd = ::fcntl(lfd.get(), F_DUPFD_CLOEXEC, 10);
    ASSERT_GT(h.loop.add(std::move(p)), 0);
    ASSERT_GT(h.loop.add(good->picoprocess(pg)), 0);
    EXPECT_TRUE(h.run_until([&] { return h.loop.size() == 0; }, std::chrono::seconds(60)));
    EXPECT_EQ(h.exits[pv].code, CLD_KILLED);
    EXPECT_EQ(h.status(pg), 0);
    EXPECT_EQ(h.loop.stats().exits, 2u);
  }
  ::close(console_pipe[0]);
  ::close(console_pipe[1]);
  // Every accepted connection was closed with the victim: the clients see EOF.
  for (auto& c : clients) {
    char b;
    EXPECT_EQ(::read(c.get(), &b, 1), 0);
  }
  EXPECT_EQ(open_fd_count(), fds_before);
}

}  // namespace
}  // namespace xabi::test
