/* xabi_sdk_print: format, then write to the console.
 *
 * Usage: xabi_sdk_print("n=%d\n", n). Output longer than
 * XABI_SDK_PRINT_MAX - 1 bytes is cut (printing will later go to a channel
 * with its own framing; a fixed stack buffer keeps this allocation-free). */
#include <xabi/sdk.h>

long xabi_sdk_print(const char *fmt, ...) {
  char line[XABI_SDK_PRINT_MAX];
  va_list ap;
  va_start(ap, fmt);
  size_t n = xabi_sdk_vformat(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n >= sizeof line)
    n = sizeof line - 1;
  return xabi_sdk_console_write(line, n);
}
