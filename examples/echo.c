/* echo: serves connections from the host's listen endpoint, one at a time,
 * sending every byte back until the client closes.
 *   xabi-host run --listen unix:/tmp/echo.sock build/examples/echo [-- COUNT]
 * COUNT connections are served (default: forever). */
#include <xabi/runtime.h>

#include "xabi/xabi.h"

int xabi_main(void) {
  uint64_t count = xabi_sdk_arg_u64(1, (uint64_t)-1);
  static uint8_t buf[16384];
  for (uint64_t served = 0; served < count; ++served) {
    int64_t ch = xabi_sdk_accept_wait();
    if (ch < 0) return 1;
    for (;;) {
      int64_t n = xabi_sdk_read_wait((int32_t)ch, buf, sizeof buf);
      if (n == XABI_E_CLOSED) break;
      if (n < 0 || xabi_sdk_write_all((int32_t)ch, buf, (uint64_t)n) < 0) break;
    }
    xabi_close((int32_t)ch);
  }
  return 0;
}
