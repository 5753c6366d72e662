/* hello: the smallest picoprocess. Prints a greeting on the host's console.
 *   xabi-host run build/examples/hello */
#include <xabi/runtime.h>

#include "xabi/xabi.h"

int xabi_main(void) {
  int64_t console = xabi_console();
  if (console < 0) return 2;
  return xabi_sdk_fprint((int32_t)console, "hello from a picoprocess\n") < 0 ? 1 : 0;
}
