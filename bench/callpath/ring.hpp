// Single-producer/single-consumer ring in shared memory with an adaptive
// spin-then-futex wait, the candidate host call path that avoids the kernel
// when both sides are awake.
//
// Wakeup protocol (no lost wakeups):
//   producer: write slot; head = h+1 (seq_cst); if (consumer_sleeping) FUTEX_WAKE(head)
//   consumer: spin polling head; then loop {
//               consumer_sleeping = 1 (seq_cst); recheck head (seq_cst);
//               if changed -> done; else FUTEX_WAIT(head, old) }
// The seq_cst store/load pairs form a Dekker handshake: either the consumer's
// recheck sees the new head, or the producer sees consumer_sleeping == 1 and
// wakes it. A wake that lands before the consumer is inside FUTEX_WAIT is not
// lost either: FUTEX_WAIT returns EAGAIN at once because head != old.
// The futex is a shared (not FUTEX_PRIVATE) one: the two processes map the same
// memfd, possibly at different addresses, and the kernel keys shared futexes by
// the backing page.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>

namespace xabi::bench {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Returns 0 when woken (or the value already changed, or a signal arrived),
// ETIMEDOUT on timeout, -1 on an unexpected error.
inline int FutexWait(std::atomic<uint32_t>* word, uint32_t expected, const timespec* timeout) {
  long r = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, timeout,
                   nullptr, 0);
  if (r == 0 || errno == EAGAIN || errno == EINTR) return 0;
  return errno == ETIMEDOUT ? ETIMEDOUT : -1;
}

inline void FutexWake(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

static_assert(std::atomic<uint32_t>::is_always_lock_free,
              "cross-process atomics must be lock-free (address-free)");

// Lives in shared memory; all fields are zero-initialised by the memfd.
// Indices are free-running counters; each hot word gets its own cache line so
// the producer and consumer do not false-share.
template <typename T, uint32_t N>
struct SharedRing {
  static_assert((N & (N - 1)) == 0, "N must be a power of two");

  alignas(64) std::atomic<uint32_t> head;               // published entries; futex word
  alignas(64) std::atomic<uint32_t> consumer_sleeping;  // consumer is (about to be) in FUTEX_WAIT
  alignas(64) std::atomic<uint32_t> tail;               // consumed entries
  alignas(64) T slots[N];

  // Producer side. Fails only when full; a synchronous host call has at most
  // one request in flight, so the benchmark never fills the ring.
  bool Push(const T& v) {
    const uint32_t h = head.load(std::memory_order_relaxed);
    if (h - tail.load(std::memory_order_acquire) == N) return false;
    slots[h % N] = v;
    head.store(h + 1, std::memory_order_seq_cst);
    if (consumer_sleeping.load(std::memory_order_seq_cst)) FutexWake(&head);
    return true;
  }

  // Consumer side: spin up to `spin` polls, then sleep. `alive` is asked only
  // when a sleep times out (every 200 ms), so a dead peer becomes an error
  // instead of a hang without costing anything on the measured path.
  template <typename Alive>
  bool Pop(T* out, int spin, Alive&& alive) {
    const uint32_t t = tail.load(std::memory_order_relaxed);
    if (!WaitNotEqual(t, spin, alive)) return false;
    *out = slots[t % N];
    tail.store(t + 1, std::memory_order_release);
    return true;
  }

 private:
  template <typename Alive>
  bool WaitNotEqual(uint32_t seen, int spin, Alive& alive) {
    for (int i = 0; i < spin; ++i) {
      if (head.load(std::memory_order_acquire) != seen) return true;
      CpuRelax();
    }
    static constexpr timespec kPollTimeout{0, 200 * 1000 * 1000};
    for (;;) {
      consumer_sleeping.store(1, std::memory_order_seq_cst);
      if (head.load(std::memory_order_seq_cst) != seen) break;
      const int r = FutexWait(&head, seen, &kPollTimeout);
      if (r < 0 || (r == ETIMEDOUT && !alive())) {
        consumer_sleeping.store(0, std::memory_order_relaxed);
        return false;
      }
    }
    consumer_sleeping.store(0, std::memory_order_relaxed);
    return true;
  }
};

}  // namespace xabi::bench
