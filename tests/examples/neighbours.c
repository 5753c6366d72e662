/* Guests for the fault- and resource-isolation tests. Argument 1 is the mode:
 *   healthy N  N null HOST calls; prints "RESULT max_us M" (the slowest call)
 *   hog        spins forever
 *   membomb    allocates until refused, touching every page, then spins
 *   crash      dereferences NULL
 *   stall      blocks forever in xabi_zutex_wait
 *   garbage    scribbles random bytes over every call slot, forever (it finds
 *              the call area from its own argument block's address) */
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

static const char *arg(int i) {
  const uint64_t *b = xabi_args();
  return b[0] > (uint64_t)i ? (const char *)(uintptr_t)b[1 + i] : "";
}

int xabi_main(void) {
  const char *mode = arg(1);
  if (strcmp(mode, "healthy") == 0) {
    uint64_t n = 0;
    for (const char *s = arg(2); *s; ++s) n = n * 10 + (uint64_t)(*s - '0');
    uint64_t worst = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t t0 = xabi_time_now();
      if (xabi_close(-1) != XABI_E_BAD_CHANNEL) return 3;
      uint64_t d = xabi_time_now() - t0;
      if (d > worst) worst = d;
    }
    int64_t con = xabi_console();
    xabi_sdk_fprint((int32_t)con, "RESULT max_us %lu\n", (unsigned long)(worst / 1000));
    return 0;
  }
  if (strcmp(mode, "hog") == 0)
    for (volatile uint64_t x = 0;; ++x) {
    }
  if (strcmp(mode, "membomb") == 0) {
    for (;;) {
      volatile uint8_t *p = xabi_alloc(1 << 20);
      if (!p) break;
      for (int off = 0; off < (1 << 20); off += 4096) p[off] = 1;
    }
    for (volatile uint64_t x = 0;; ++x) {
    }
  }
  if (strcmp(mode, "crash") == 0) {
    volatile int *p = (volatile int *)0;
    __asm__ volatile("" : "+r"(p));
    return *p;
  }
  if (strcmp(mode, "stall") == 0) {
    static uint32_t never;
    struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&never, 0, 0};
    for (;;) xabi_zutex_wait(&s, 1);
  }
  if (strcmp(mode, "garbage") == 0) {
    /* The call area starts at the region base; slots are past the header and
     * the read-only part (see pal/linux/host_link.h): scribble over a wide
     * range of the writable pages after the read-only part. */
    uint64_t base = (uint64_t)(uintptr_t)xabi_args() & ~((1ull << 40) - 1);
    uint8_t *area = (uint8_t *)(uintptr_t)base;
    uint64_t seed = xabi_time_now();
    for (;;) {
      for (uint64_t off = 128 * 1024; off < 4 * 1024 * 1024; off += 64) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        *(volatile uint64_t *)(area + off) = seed;
      }
    }
  }
  return 2;
}
