/* Raw x86-64 system calls for code that runs on guest threads.
 *
 * Usage: long r = xabi_raw_syscall3(SYS_NR, a, b, c);  // r < 0: -errno
 *
 * glibc's syscall() stores errno through %fs, which belongs to the guest once
 * it runs (xabi_set_tls), so the PAL never calls glibc: every system call is
 * this one instruction, and the kernel's -errno comes back as the result. */
#ifndef XABI_PAL_LINUX_RAW_SYSCALL_H
#define XABI_PAL_LINUX_RAW_SYSCALL_H

/* System call numbers (XABI_NR_*) and the argument values the filter admits
 * (XABI_ALLOW_*), generated from the spec's allow-list: x86-64 numbers from
 * libseccomp, no host headers. A system call the filter does not allow has no
 * name here, so the PAL cannot make it by mistake. */
#include "xabi/linux_syscalls.h"

/* errno values the PAL maps to ABI errors. */
enum { XABI_ERRNO_EINTR = 4, XABI_ERRNO_EAGAIN = 11, XABI_ERRNO_EFAULT = 14 };

static inline long xabi_raw_syscall6(long nr, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static inline long xabi_raw_syscall1(long nr, long a) {
  return xabi_raw_syscall6(nr, a, 0, 0, 0, 0, 0);
}
static inline long xabi_raw_syscall2(long nr, long a, long b) {
  return xabi_raw_syscall6(nr, a, b, 0, 0, 0, 0);
}
static inline long xabi_raw_syscall3(long nr, long a, long b, long c) {
  return xabi_raw_syscall6(nr, a, b, c, 0, 0, 0);
}

#endif
