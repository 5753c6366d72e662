/* Guest: the smallest useful picoprocess. Prints one line, exits 0. */
#include <xabi/sdk.h>

int xabi_main(void) {
  static const char msg[] = "hello from a picoprocess\n";
  xabi_sdk_console_write(msg, sizeof msg - 1);
  return 0;
}
