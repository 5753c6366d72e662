/* Mutex and condition variable on zutex (Drepper's "Futexes are tricky",
 * mutex 3). xabi_zutex_wake only wakes while the word still holds the value
 * the caller names, so an unconditional wake re-reads and retries. */
#include <xabi/runtime.h>

#include "xabi/xabi.h"

static void wait_on(uint32_t *word, uint32_t expected) {
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)word, expected, 0};
  (void)xabi_zutex_wait(&s, 1); /* spurious returns are fine: callers re-check */
}

static void wake(uint32_t *word, uint32_t n) {
  for (;;) {
    uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    if (xabi_zutex_wake(word, v, n, 0, (void *)0) != XABI_E_AGAIN) return;
  }
}

void xabi_sdk_wake_all(uint32_t *word) { wake(word, 0x7fffffffu); }

void xabi_sdk_mutex_lock(xabi_sdk_mutex *m) {
  uint32_t c = 0;
  if (__atomic_compare_exchange_n(&m->word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
  if (c != 2) c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
  while (c != 0) {
    wait_on(&m->word, 2);
    c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
  }
}

int xabi_sdk_mutex_trylock(xabi_sdk_mutex *m) {
  uint32_t c = 0;
  return __atomic_compare_exchange_n(&m->word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void xabi_sdk_mutex_unlock(xabi_sdk_mutex *m) {
  if (__atomic_exchange_n(&m->word, 0, __ATOMIC_RELEASE) == 2) wake(&m->word, 1);
}

void xabi_sdk_cond_wait(xabi_sdk_cond *c, xabi_sdk_mutex *m) {
  uint32_t seq = __atomic_load_n(&c->seq, __ATOMIC_SEQ_CST);
  xabi_sdk_mutex_unlock(m);
  wait_on(&c->seq, seq);
  /* Re-take as "contended": another waiter may still sleep on the mutex. */
  while (__atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE) != 0) wait_on(&m->word, 2);
}

void xabi_sdk_cond_signal(xabi_sdk_cond *c) {
  __atomic_add_fetch(&c->seq, 1, __ATOMIC_SEQ_CST);
  wake(&c->seq, 1);
}

void xabi_sdk_cond_broadcast(xabi_sdk_cond *c) {
  __atomic_add_fetch(&c->seq, 1, __ATOMIC_SEQ_CST);
  xabi_sdk_wake_all(&c->seq);
}
