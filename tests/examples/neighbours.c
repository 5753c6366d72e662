/* Guests for the fault- and resource-isolation tests. Argument 1 is the mode:
 *   healthy N  N null HOST calls; prints "RESULT max_us M" (the slowest call)
 *   hog        spins forever
 *   membomb    allocates until refused, touching every page, then spins
 *   crash      dereferences NULL
 *   stall      blocks forever in xabi_zutex_wait
 *   garbage    scribbles random bytes over every call slot, forever (it finds
 *              the call area from its own argument block's address)
 *   doublefetch  one thread keeps making HOST calls through the PAL while
 *              another rewrites every slot's length and bytes under it, and the
 *              first also issues random raw system calls (run in errno mode) */
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "host_link.h"
#include "xabi/xabi.h"

static const char *arg(int i) { return xabi_sdk_arg(i, ""); }

/* Rewrites every call slot's length and request bytes, forever. */
static void scribble(uint64_t unused) {
  (void)unused;
  uint64_t base = (uint64_t)(uintptr_t)xabi_args() & XABI_LINK_REGION_MASK;
  uint8_t *area = (uint8_t *)(uintptr_t)(base + XABI_LINK_CALLS_OFFSET);
  uint64_t seed = 12345;
  for (;;) {
    for (uint64_t off = 128 * 1024; off < 8 * 1024 * 1024; off += 61) {  /* inside the slots */
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      *(volatile uint32_t *)(area + (off & ~3ull)) = (uint32_t)(seed >> 32);
    }
  }
}

int xabi_main(void) {
  const char *mode = arg(1);
  if (strcmp(mode, "healthy") == 0) {
    uint64_t n = xabi_sdk_parse_u64(arg(2));
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
  if (strcmp(mode, "doublefetch") == 0) {
    /* A stack in the image, not from xabi_alloc: the attack needs no host
     * call to get going. */
    static uint8_t stack[64 * 1024] __attribute__((aligned(16)));
    int64_t t = xabi_thread_create((void *)(uintptr_t)scribble, stack + sizeof stack, 0);
    if (t <= 0) return (int)(40 - t);
    uint64_t seed = xabi_time_now() | 1;
    static uint8_t buf[512];
    for (;;) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      long nr = (long)((seed >> 33) % 460);
      /* Not exit, exit_group, clone, futex, futex_waitv (they would end or park
       * the attacker), nor 335/336 (this kernel answers 335 with SIGILL and 336 with ENXIO (docs/security-model.md), see
       * docs/security-model.md). */
      if (nr != 60 && nr != 231 && nr != 56 && nr != 202 && nr != 449 && nr != 335 && nr != 336) {
        long r;
        register long a3 __asm__("r10") = (long)(seed >> 7);
        __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(seed), "S"(seed >> 3), "d"(seed >> 5), "r"(a3) : "rcx", "r11", "memory");
        (void)r;
      }
      (void)xabi_close((int32_t)(seed >> 40));
      (void)xabi_write((int32_t)(seed >> 50), buf, seed % sizeof buf);
      (void)xabi_open_url("GET", "http://example.test/");
    }
  }
  if (strcmp(mode, "garbage") == 0) {
    /* The call area is at CALLS_OFFSET in the region; slots are past the
     * header and the read-only part (see pal/linux/host_link.h): scribble over
     * a wide range of the writable pages after the read-only part. */
    uint64_t base = (uint64_t)(uintptr_t)xabi_args() & XABI_LINK_REGION_MASK;
    uint8_t *area = (uint8_t *)(uintptr_t)(base + XABI_LINK_CALLS_OFFSET);
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
