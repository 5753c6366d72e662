/* The guest side of bench/host: runs one measurement and prints its result
 * ("RESULT <name> <value>") on the console. Arguments: MODE N.
 *   null N   N HOST calls (xabi_close on a channel that is not open): ps per call
 *   alloc N  N x {alloc 16 MiB, touch every page, free}: ns per iteration
 *   sha N    SHA-256 over 64 MiB, N times: ns per pass
 *   spawn T  T = the host's CLOCK_MONOTONIC at launch: ns until this first call
 *   idle     waits forever (for the memory measurement) */
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "sha256.h"
#include "xabi/xabi.h"

static const char *arg(int i) { return xabi_sdk_arg(i, ""); }

int xabi_main(void) {
  uint64_t start = xabi_time_now();
  const char *mode = arg(1);
  uint64_t n = xabi_sdk_parse_u64(arg(2));
  int32_t con = (int32_t)xabi_console();
  if (strcmp(mode, "spawn") == 0) {
    xabi_sdk_fprint(con, "RESULT spawn_ns %lu\n", (unsigned long)(start - n));
  } else if (strcmp(mode, "null") == 0) {
    uint64_t t0 = xabi_time_now();
    for (uint64_t i = 0; i < n; ++i) (void)xabi_close(-1);
    uint64_t t1 = xabi_time_now();
    xabi_sdk_fprint(con, "RESULT null_ps %lu\n", (unsigned long)((t1 - t0) * 1000 / n));
  } else if (strcmp(mode, "alloc") == 0) {
    const uint64_t size = 16ull << 20;
    uint64_t t0 = xabi_time_now();
    for (uint64_t i = 0; i < n; ++i) {
      volatile uint8_t *p = xabi_alloc(size);
      if (!p) return 2;
      for (uint64_t off = 0; off < size; off += 4096) p[off] = 1;
      xabi_free((void *)p, size);
    }
    uint64_t t1 = xabi_time_now();
    xabi_sdk_fprint(con, "RESULT alloc_ns %lu\n", (unsigned long)((t1 - t0) / n));
  } else if (strcmp(mode, "sha") == 0) {
    const uint64_t size = 64ull << 20;
    uint8_t *p = xabi_alloc(size);
    if (!p) return 2;
    for (uint64_t i = 0; i < size; ++i) p[i] = (uint8_t)(i * 131);
    uint8_t digest[32];
    uint64_t t0 = xabi_time_now();
    for (uint64_t i = 0; i < n; ++i) bench_sha256(p, size, digest);
    uint64_t t1 = xabi_time_now();
    xabi_sdk_fprint(con, "RESULT sha_ns %lu digest0 %u\n", (unsigned long)((t1 - t0) / n), digest[0]);
  } else if (strcmp(mode, "idle") == 0) {
    static uint32_t never;
    struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&never, 0, 0};
    for (;;) xabi_zutex_wait(&s, 1);
  }
  return 0;
}
