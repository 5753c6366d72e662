/* fetch: requests a URL of its own origin and prints the response's status
 * line; then checks that another origin is refused.
 *   xabi-host run --origin http://127.0.0.1:8000 build/examples/fetch -- URL OTHER_URL
 * Exit status: 0 when URL was fetched and OTHER_URL refused with E_ORIGIN. */
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

int xabi_main(void) {
  const char *url = xabi_sdk_arg(1, 0), *other = xabi_sdk_arg(2, 0);
  if (!url) return 2;
  int64_t console = xabi_console();
  int64_t ch = xabi_open_url("GET", url);
  if (ch < 0) {
    if (console >= 0) xabi_sdk_fprint((int32_t)console, "fetch: open_url failed: %ld\n", (long)ch);
    return 3;
  }
  static char resp[65536];
  uint64_t len = 0;
  for (;;) {
    int64_t n = xabi_sdk_read_wait((int32_t)ch, resp + len, sizeof resp - 1 - len);
    if (n == XABI_E_CLOSED) break;
    if (n < 0) {
      if (console >= 0) xabi_sdk_fprint((int32_t)console, "fetch: read failed: %ld\n", (long)n);
      return 4;
    }
    len += (uint64_t)n;
    if (len + 1 >= sizeof resp) break;
  }
  resp[len] = 0;
  size_t line = 0;
  while (line < len && resp[line] != '\r' && resp[line] != '\n') ++line;
  resp[line] = 0;
  if (console >= 0) xabi_sdk_fprint((int32_t)console, "fetch: %s (%lu bytes)\n", resp, (unsigned long)len);
  xabi_close((int32_t)ch);
  if (other) {
    int64_t r = xabi_open_url("GET", other);
    if (console >= 0) xabi_sdk_fprint((int32_t)console, "fetch: %s -> %ld\n", other, (long)r);
    if (r != XABI_E_ORIGIN) return 5;
  }
  return 0;
}
