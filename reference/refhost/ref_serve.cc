// The loop; see ref_serve.h.
#include "ref_serve.h"

#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "xabi/host_exits.h"

namespace xabi::refhost {
namespace {

constexpr int kTickMs = 20;  // safety net: re-examine everything this often

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void bump(uint32_t* word) {
  __atomic_fetch_add(word, 1u, __ATOMIC_SEQ_CST);
  // Shared futex: the waiters map the same memfd page in another process.
  ::syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

void drain(int fd) {
  uint64_t v;
  while (::read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) {
  }
}

int reap(pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return wait_status_to_exit(st);
}

// Serves every slot holding a request; returns how many.
int serve_slots(RefLaunch& l, RefHandler& h, std::vector<uint8_t>& req, std::vector<uint8_t>& resp) {
  int served = 0;
  for (uint32_t i = 0; i < XABI_LINK_SLOTS; ++i) {
    xabi_link_slot* s = l.slot(i);
    if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != XABI_LINK_REQUEST) continue;
    // Copied out once; the slot's request is never looked at again.
    const uint32_t req_len = __atomic_load_n(&s->req_len, __ATOMIC_RELAXED);
    const size_t n = req_len <= XABI_WIRE_MAX_REQUEST ? req_len : 0;
    std::memcpy(req.data(), s->req, n);
    __atomic_store_n(&s->state, XABI_LINK_SERVING, __ATOMIC_SEQ_CST);
    const xabi::dispatch::Dispatched d = xabi::dispatch::dispatch(std::span<const uint8_t>(req.data(), n), h,
                                                          std::span<uint8_t>(resp.data(), resp.size()));
    std::memcpy(s->resp, resp.data(), d.response_size);
    __atomic_store_n(&s->resp_len, static_cast<uint32_t>(d.response_size), __ATOMIC_RELAXED);
    __atomic_store_n(&s->state, XABI_LINK_RESPONSE, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&s->waiter, __ATOMIC_SEQ_CST) != 0)
      ::syscall(SYS_futex, &s->state, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
    ++served;
  }
  return served;
}

}  // namespace

int serve(RefLaunch& l, RefHandler& h, int wake_fd, std::chrono::milliseconds timeout) {
  std::vector<uint8_t> req(XABI_WIRE_MAX_REQUEST), resp(XABI_WIRE_MAX_RESPONSE);
  struct xabi_alarms* alarms = &l.ro()->alarms;
  const bool has_timeout = timeout.count() > 0;
  const auto kill_at = std::chrono::steady_clock::now() + timeout;
  std::string last_sig = h.readiness_signature();
  std::vector<pollfd> fds;
  for (;;) {
    drain(l.doorbell);
    drain(wake_fd);
    const int served = serve_slots(l, h, req, resp);

    const uint64_t deadline = h.alarm_deadline();
    const uint64_t now = monotonic_ns();
    if (deadline != 0 && now >= deadline) {
      h.alarm_fired();
      bump(&alarms->clock);
    }
    if (std::string sig = h.readiness_signature(); sig != last_sig) {
      last_sig = std::move(sig);
      bump(&alarms->channels);
    }

    int wait_ms = kTickMs;
    if (served != 0) wait_ms = 0;  // the guest is busy calling: look again at once
    if (h.alarm_deadline() != 0) {
      const uint64_t left_ns = h.alarm_deadline() - now;  // > 0: not fired above
      wait_ms = std::min<int64_t>(wait_ms, static_cast<int64_t>((left_ns + 999999) / 1000000));
    }
    if (has_timeout) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(l.pid, SIGKILL);
        return reap(l.pid);
      }
      wait_ms = std::min<int64_t>(wait_ms, left.count());
    }

    fds.clear();
    fds.push_back(pollfd{l.pidfd, POLLIN, 0});
    fds.push_back(pollfd{l.doorbell, POLLIN, 0});
    fds.push_back(pollfd{wake_fd, POLLIN, 0});
    h.add_watches(fds);
    const int r = ::poll(fds.data(), fds.size(), wait_ms);
    if (r < 0 && errno != EINTR) {
      std::perror("xabi-refhost: poll");
      ::kill(l.pid, SIGKILL);
      reap(l.pid);
      return XABI_HOST_EXIT_INTERNAL;
    }
    if (r > 0 && fds[0].revents != 0) return reap(l.pid);
  }
}

}  // namespace xabi::refhost
