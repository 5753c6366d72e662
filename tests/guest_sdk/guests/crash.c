/* Guest: dereferences NULL; the host must see the process die of SIGSEGV. */
#include <xabi/sdk.h>

int xabi_main(void) {
  xabi_sdk_print("about to crash\n");
  /* Launder the pointer through asm so the compiler cannot see it is null:
   * otherwise it may drop the store or turn it into a trap (SIGILL, not
   * SIGSEGV). The volatile store cannot be removed. */
  volatile int *null_pointer = 0;
  __asm__ volatile("" : "+r"(null_pointer));
  *null_pointer = 1;
  return 0;
}
