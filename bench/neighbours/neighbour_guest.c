/* The guests of bench/neighbours. Argument 1 is the mode:
 *   probe N GAP_US  N null HOST calls (xabi_close on a channel that is not
 *                   open), GAP_US microseconds apart (an interactive
 *                   picoprocess, not a busy one); prints
 *                   "RESULT median_ns A p99_ns B max_ns C"
 *   hog T           T threads (the main one included) spinning forever
 *   memhog          keeps most of its quota resident and writes over it,
 *                   while allocating, touching and freeing 4 MiB blocks
 *   clonestorm      creates threads (each parks) until the host refuses, then
 *                   keeps asking for more and trying raw fork(2), forever
 *                   (fork is refused by the filter: run it in errno mode)
 * Exit status of probe: 0, or 2 for bad arguments, 3 for a wrong answer. */
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

#define MAX_SAMPLES 100000u
#define SYS_FORK_NR 57

static uint32_t g_lat[MAX_SAMPLES];

static void spin(uint64_t unused) {
  (void)unused;
  for (volatile uint64_t x = 0;; ++x) {
  }
}

static void sift_down(uint32_t *a, uint64_t root, uint64_t n) {
  for (uint64_t child; (child = 2 * root + 1) < n; root = child) {
    if (child + 1 < n && a[child + 1] > a[child]) ++child;
    if (a[root] >= a[child]) return;
    uint32_t t = a[root];
    a[root] = a[child];
    a[child] = t;
  }
}

static void heap_sort(uint32_t *a, uint64_t n) {
  for (uint64_t i = n / 2; i-- > 0;) sift_down(a, i, n);
  for (uint64_t end = n; end-- > 1;) {
    uint32_t t = a[0];
    a[0] = a[end];
    a[end] = t;
    sift_down(a, 0, end);
  }
}

static int probe(uint64_t n, uint64_t gap_us) {
  if (n == 0 || n > MAX_SAMPLES) return 2;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t t0 = xabi_time_now();
    if (xabi_close(-1) != XABI_E_BAD_CHANNEL) return 3;
    uint64_t d = xabi_time_now() - t0;
    g_lat[i] = d > 0xffffffffu ? 0xffffffffu : (uint32_t)d;
    if (gap_us) xabi_sdk_sleep_until(xabi_time_now() + gap_us * 1000);
  }
  heap_sort(g_lat, n);
  xabi_sdk_fprint((int32_t)xabi_console(), "RESULT median_ns %u p99_ns %u max_ns %u\n", g_lat[n / 2], g_lat[n * 99 / 100],
                  g_lat[n - 1]);
  return 0;
}

static uint32_t g_never; /* nobody wakes it */

static void park(uint64_t unused) {
  (void)unused;
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&g_never, 0, 0};
  for (;;) xabi_zutex_wait(&s, 1);
}

int xabi_main(void) {
  const char *mode = xabi_sdk_arg(1, "");
  if (strcmp(mode, "probe") == 0) return probe(xabi_sdk_arg_u64(2, 0), xabi_sdk_arg_u64(3, 0));
  if (strcmp(mode, "hog") == 0) {
    static uint8_t stacks[64][16 * 1024] __attribute__((aligned(16)));
    uint64_t threads = xabi_sdk_arg_u64(2, 1);
    for (uint64_t i = 1; i < threads && i < 64; ++i)
      (void)xabi_thread_create((void *)(uintptr_t)spin, stacks[i] + sizeof stacks[i], 0);
    spin(0);
  }
  if (strcmp(mode, "memhog") == 0) {
    const uint64_t block = 4u << 20;
    uint64_t resident = 0;
    volatile uint8_t *blocks[64];
    /* Keep all but 8 MiB of what the quota gives, in 4 MiB blocks. */
    while (resident < 64 && (blocks[resident] = xabi_alloc(block)) != 0) ++resident;
    for (int i = 0; i < 2 && resident > 0; ++i) xabi_free((void *)blocks[--resident], block);
    for (uint64_t round = 0;; ++round) {
      for (uint64_t b = 0; b < resident; ++b)
        for (uint64_t off = 0; off < block; off += 4096) blocks[b][off] = (uint8_t)round;
      volatile uint8_t *p = xabi_alloc(block);
      if (p) {
        for (uint64_t off = 0; off < block; off += 4096) p[off] = 1;
        xabi_free((void *)p, block);
      }
    }
  }
  if (strcmp(mode, "clonestorm") == 0) {
    static uint8_t stacks[64][4096] __attribute__((aligned(16)));
    for (uint64_t i = 0;; ++i) {
      (void)xabi_thread_create((void *)(uintptr_t)park, stacks[i % 64] + sizeof stacks[i % 64], 0);
      long r;
      __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_FORK_NR) : "rcx", "r11", "memory");
      (void)r;
    }
  }
  return 2;
}
