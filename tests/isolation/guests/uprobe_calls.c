/* Guest: makes the x86-64 uretprobe (335) or uprobe (336) system call the way
 * the kernel's own uprobe trampolines make it, then, optionally, a call the
 * filter denies; reports what it saw through its exit status (issue 9,
 * finding 8; docs/security-model.md, "System calls 335 and 336").
 *
 * Both calls take no arguments (SYSCALL_DEFINE0): the kernel reads the
 * registers its trampoline pushed from the user stack. So the "arguments"
 * here are that frame, built as the trampolines build it
 * (arch/x86/kernel/uprobes.c, Linux 6.18):
 *   335  push %rax, %rcx, %r11; mov $335, %eax; syscall
 *        (sys_uretprobe reads r11, cx, ax from the stack)
 *   336  a return address (what the `call` at a probed site pushes), then
 *        push %rcx, %r11, %rax; mov $336, %eax; syscall
 *        (sys_uprobe reads ax, r11, cx, retaddr from the stack)
 * Each keeps the 128-byte red zone below the stack pointer intact.
 *
 * Arguments (xabi_args): NAME NR [FOLLOW]
 *   NAME    ignored (xabi-host passes the image path as argv[0])
 *   NR      335 or 336, decimal
 *   FOLLOW  a system call number, decimal, made (without arguments) after NR
 *           returns: one the filter denies, to show the seal still holds
 * Exit status:
 *   1..99  NR returned -errno with this errno (e.g. 6 = ENXIO, 38 = ENOSYS)
 *   100    NR returned a non-negative value
 *   101    NR returned anything else
 *   102    FOLLOW returned something other than -ENOSYS (only reachable in
 *          errno mode; in kill mode a denied FOLLOW never returns)
 *   2      unusable arguments
 * It never exits if the kernel ends it first: SIGILL (sys_uretprobe outside
 * its trampoline) or SIGKILL (a denied call, kill mode). */
#include <xabi/sdk.h>

#include "xabi/xabi.h"

#define ENOSYS_VALUE 38

static int parse(const char *s, long *out) {
  long v = 0;
  if (*s == '\0')
    return 0;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9' || v > 100000)
      return 0;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return 1;
}

/* As the uretprobe trampoline: the saved rax, rcx, r11 on the stack. */
static long uretprobe_call(void) {
  long ret;
  __asm__ volatile("sub $128, %%rsp\n\t"
                   "push %%rax\n\t"
                   "push %%rcx\n\t"
                   "push %%r11\n\t"
                   "mov $335, %%eax\n\t"
                   "syscall\n\t"
                   "add $24, %%rsp\n\t"
                   "add $128, %%rsp"
                   : "=a"(ret)
                   : "0"(0L)
                   : "rcx", "r11", "memory");
  return ret;
}

/* As an optimized uprobe site and its trampoline: a return address (here the
 * instruction after the call), then the saved rcx, r11, rax. */
static long uprobe_call(void) {
  long ret;
  __asm__ volatile("sub $128, %%rsp\n\t"
                   "lea 1f(%%rip), %%r8\n\t"
                   "push %%r8\n\t"
                   "push %%rcx\n\t"
                   "push %%r11\n\t"
                   "push %%rax\n\t"
                   "mov $336, %%eax\n\t"
                   "syscall\n\t"
                   "add $32, %%rsp\n"
                   "1:\n\t"
                   "add $128, %%rsp"
                   : "=a"(ret)
                   : "0"(0L)
                   : "rcx", "r8", "r11", "memory");
  return ret;
}

static long bare_call(long nr) {
  long ret;
  register long r10 __asm__("r10") = 0;
  register long r8 __asm__("r8") = 0;
  register long r9 __asm__("r9") = 0;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(0L), "S"(0L), "d"(0L), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

int xabi_main(void) {
  const uint64_t *block = xabi_args();
  const uint64_t n = block[0];
  const char *const *argv = (const char *const *)(block + 1);
  long nr = 0, follow = -1;
  if (n < 2 || n > 3 || !parse(argv[1], &nr))
    return 2;
  if (n == 3 && !parse(argv[2], &follow))
    return 2;
  long r;
  if (nr == 335)
    r = uretprobe_call();
  else if (nr == 336)
    r = uprobe_call();
  else
    return 2;
  if (follow >= 0 && bare_call(follow) != -ENOSYS_VALUE)
    return 102;
  if (r < 0 && r >= -99)
    return (int)-r;
  return r >= 0 ? 100 : 101;
}
