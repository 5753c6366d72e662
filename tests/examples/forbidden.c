/* A guest that asks the kernel for its pid: a system call outside the
 * allow-list. Kill mode: it never returns. Errno mode: it returns -ENOSYS and
 * the guest exits 0 (any other answer: 1). */
#include "xabi/xabi.h"

int xabi_main(void) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");  // getpid
  return r == -38 ? 0 : 1;
}
