/* PAL-local xabi_random: getrandom(flags 0), looping over short reads. */
#include <stdint.h>

#include "raw_syscall.h"
#include "xabi/pal_stubs.h"

int64_t xabi_pal_impl_random(void *buf, uint64_t len) {
  if (len > XABI_LIMIT_RANDOM)
    return XABI_E_INVAL;
  if (len > 0 && !xabi_pal_accessible(buf, len, 1)) /* before a byte is written */
    return XABI_E_FAULT;
  uint64_t done = 0;
  while (done < len) {
    long r = xabi_raw_syscall3(XABI_NR_GETRANDOM, (long)((uintptr_t)buf + done), (long)(len - done),
                               XABI_ALLOW_GETRANDOM_FLAGS);
    if (r == -XABI_ERRNO_EINTR)
      continue;
    if (r <= 0) /* EFAULT; 0 cannot happen for len > 0 but must not spin */
      return XABI_E_FAULT;
    done += (uint64_t)r;
  }
  return (int64_t)len;
}
