/* hello, built against the installed SDK (see CMakeLists.txt beside it). */
#include <xabi/runtime.h>
#include <xabi/xabi.h>

int xabi_main(void) {
  int64_t console = xabi_console();
  if (console < 0) return 2;
  return xabi_sdk_fprint((int32_t)console, "hello from outside the xabi tree (ABI %d)\n", (int)XABI_ABI_VERSION) < 0;
}
