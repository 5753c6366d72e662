/* PAL-local zutex calls: xabi_zutex_wait and xabi_zutex_wake on Linux futexes,
 * and the blocking half of xabi_poll, which waits on the alarm words with them.
 *
 * Always the SHARED futex forms (no FUTEX_PRIVATE_FLAG, no FUTEX2_PRIVATE):
 * the monitor wakes alarm words from another process, and a private wait
 * could never see a shared wake. The filter lets futex name only words in the
 * region, so words elsewhere are answered E_FAULT here, never sent. */
#include <stdint.h>

#include "pal_state.h"
#include "raw_syscall.h"
#include "xabi/pal_stubs.h"

/* futex_waitv's per-word flag (no allow-list check: the filter cannot read
 * the array). */
enum { XABI_FUTEX2_SIZE_U32 = 0x02 };

/* struct futex_waitv from <linux/futex.h>. */
struct xabi_futex_waitv {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

static int64_t map_errno(long r) {
  if (r == -XABI_ERRNO_EAGAIN)
    return XABI_E_AGAIN;
  if (r == -XABI_ERRNO_EFAULT)
    return XABI_E_FAULT;
  return XABI_E_INVAL;
}

int64_t xabi_pal_impl_zutex_wait(const struct xabi_zutex_spec *specs, uint32_t n) {
  if (n == 0 || n > XABI_LIMIT_ZUTEX_SPECS)
    return XABI_E_INVAL;
  if (!xabi_pal_accessible(specs, (uint64_t)n * sizeof *specs, 0))
    return XABI_E_FAULT;
  /* Copy once: the guest may change specs while we decide. */
  struct xabi_futex_waitv w[XABI_LIMIT_ZUTEX_SPECS];
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t word = specs[i].word;
    const uint32_t expected = specs[i].expected;
    if (specs[i].reserved != 0 || word % 4 != 0)
      return XABI_E_INVAL;
    w[i].val = expected;
    w[i].uaddr = word;
    w[i].flags = XABI_FUTEX2_SIZE_U32;
    w[i].reserved = 0;
  }
  for (uint32_t i = 0; i < n; ++i)
    if (!xabi_pal_linux_in_region(w[i].uaddr, 4))
      return XABI_E_FAULT;
  for (;;) {
    long r;
    if (n == 1)
      r = xabi_raw_syscall6(XABI_NR_FUTEX, (long)w[0].uaddr, XABI_ALLOW_FUTEX_WAIT, (long)w[0].val, 0,
                            0, 0);
    else
      r = xabi_raw_syscall6(XABI_NR_FUTEX_WAITV, (long)(uintptr_t)w, n, 0, 0, 0, 0);
    if (r >= 0)
      return n == 1 ? 0 : r;
    if (r != -XABI_ERRNO_EINTR)
      return map_errno(r);
  }
}

int64_t xabi_pal_impl_zutex_wake(void *word, uint32_t expect, uint32_t n_wake,
                                 uint32_t n_requeue, void *requeue_word) {
  const uint64_t w = (uint64_t)(uintptr_t)word;
  uint64_t rq = (uint64_t)(uintptr_t)requeue_word;
  if (w % 4 != 0 || n_wake > XABI_ZUTEX_COUNT_MAX || n_requeue > XABI_ZUTEX_COUNT_MAX ||
      (n_requeue > 0 && rq % 4 != 0))
    return XABI_E_INVAL;
  if (w < XABI_PAGE || w + 4 > XABI_ADDR_LIMIT ||
      (n_requeue > 0 && (rq < XABI_PAGE || rq + 4 > XABI_ADDR_LIMIT)))
    return XABI_E_FAULT; /* never guest memory (the spec's fault rule) */
  if (n_requeue == 0)
    rq = w; /* ignored by the ABI; the filter still wants it in the region */
  if (!xabi_pal_linux_in_region(w, 4) || !xabi_pal_linux_in_region(rq, 4))
    return XABI_E_FAULT;
  /* FUTEX_CMP_REQUEUE: val = n_wake, val2 (the timeout slot) = n_requeue,
   * val3 = the value the word must still hold. */
  long r = xabi_raw_syscall6(XABI_NR_FUTEX, (long)w, XABI_ALLOW_FUTEX_CMP_REQUEUE, n_wake, n_requeue,
                             (long)rq, expect);
  return r >= 0 ? r : map_errno(r);
}

/* xabi_poll with block non-zero and nothing ready waits here, never in the
 * host (the spec's rationale: the host does not block on a guest's behalf):
 *
 *   clock0 = alarms()->clock                     (once: the alarm's baseline)
 *   loop: chan = alarms()->channels              (acquire, BEFORE asking)
 *         r = host poll(block = 0); r != 0 -> r  (a count or an error)
 *         zutex-wait while channels == chan && clock == clock0
 *         clock != clock0 -> the alarm fired: one last host poll, its r
 *
 * No lost wake-up: the host bumps a word (and wakes) after the readiness or
 * the alarm it announces is visible to a poll; a bump after our read makes
 * the wait return at once (E_AGAIN). Reading clock only once means an alarm
 * that fires while we re-poll after a channels bump is still seen. Spurious
 * wake-ups just poll again. */
int64_t xabi_pal_impl_poll(struct xabi_pollfd *fds, uint32_t n, uint32_t block) {
  if (block == 0 || n == 0)
    return xabi_pal_host_poll(fds, n, 0);
  const struct xabi_alarms *a = &xabi_pal_linux_ro()->alarms;
  const uint32_t clock0 = __atomic_load_n(&a->clock, __ATOMIC_ACQUIRE);
  for (;;) {
    const uint32_t chan = __atomic_load_n(&a->channels, __ATOMIC_ACQUIRE);
    const int64_t r = xabi_pal_host_poll(fds, n, 0);
    if (r != 0)
      return r;
    const struct xabi_zutex_spec specs[2] = {
        {(uint64_t)(uintptr_t)&a->channels, chan, 0},
        {(uint64_t)(uintptr_t)&a->clock, clock0, 0},
    };
    const int64_t w = xabi_pal_impl_zutex_wait(specs, 2);
    if (w < 0 && w != XABI_E_AGAIN) /* cannot wait (no futex_waitv?): poll, politely */
      xabi_raw_syscall1(XABI_NR_SCHED_YIELD, 0);
    if (__atomic_load_n(&a->clock, __ATOMIC_ACQUIRE) != clock0)
      return xabi_pal_host_poll(fds, n, 0);
  }
}
