/* The personality's one lock (Drepper's mutex 3 on xabi_zutex), over the fd
 * table, the node tree and the memory map. */
#include "lx.h"

static void wait_on(uint32_t *word, uint32_t expected) {
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)word, expected, 0};
  (void)xabi_zutex_wait(&s, 1); /* spurious returns are fine: callers re-check */
}

/* xabi_zutex_wake compares the word, so an unconditional wake retries. */
void lx_wake_word(uint32_t *word, uint32_t n) {
  for (;;) {
    uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    if (xabi_zutex_wake(word, v, n, 0, (void *)0) != XABI_E_AGAIN) return;
  }
}

void lx_lock(struct xabi_linux *lx) {
  uint32_t c = 0;
  if (__atomic_compare_exchange_n(&lx->lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
  if (c != 2) c = __atomic_exchange_n(&lx->lock, 2, __ATOMIC_ACQUIRE);
  while (c != 0) {
    wait_on(&lx->lock, 2);
    c = __atomic_exchange_n(&lx->lock, 2, __ATOMIC_ACQUIRE);
  }
}

void lx_unlock(struct xabi_linux *lx) {
  if (__atomic_exchange_n(&lx->lock, 0, __ATOMIC_RELEASE) == 2) lx_wake_word(&lx->lock, 1);
}
