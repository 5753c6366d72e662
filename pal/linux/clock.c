/* PAL-local xabi_time_now: CLOCK_MONOTONIC through the raw system call.
 *
 * Not the vDSO: its data page and code are outside what the allow-list
 * describes, and a raw clock_gettime(CLOCK_MONOTONIC) is what it permits. */
#include <stdint.h>

#include "raw_syscall.h"
#include "xabi/pal_stubs.h"

struct xabi_timespec {
  int64_t sec;
  int64_t nsec;
};

uint64_t xabi_pal_impl_time_now(void) {
  struct xabi_timespec ts = {0, 0};
  /* Cannot fail for a valid clock and a writable stack buffer. */
  xabi_raw_syscall2(XABI_NR_CLOCK_GETTIME, XABI_ALLOW_CLOCK_MONOTONIC, (long)(uintptr_t)&ts);
  return (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
}
