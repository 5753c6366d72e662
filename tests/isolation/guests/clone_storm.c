/* Guest: bypasses the PAL (which is untrusted and counts threads itself) and
 * makes raw clone system calls with exactly the thread flags the allow-list
 * permits, as many as it is given, each new thread parking in FUTEX_WAIT for
 * good. Only the host can stop it at LIMIT_THREADS.
 *
 * Arguments (xabi_args): COUNT
 * Exit status: the number of clones that succeeded (at most 250), or 251 when
 * a clone failed with anything but -EAGAIN (the kernel's answer at a pids or
 * RLIMIT_NPROC limit), 252 for unusable arguments. Afterwards xabi_thread_create
 * must fail too: if it succeeds the status is 253. */
#include <xabi/runtime.h>
#include <xabi/sdk.h>

#include "xabi/linux_syscalls.h"
#include "xabi/xabi.h"

#define EAGAIN_VALUE 11
#define CLONE_THREAD_FLAGS XABI_ALLOW_CLONE_THREAD_FLAGS /* the allow-list's clone arg0 */
#define STACK_BYTES 4096u

static uint32_t g_park __attribute__((used)); /* the parked threads wait on it; nobody wakes them */
static int g_tids[1024];

/* clone(flags, stack, ptid, ctid, tls = 0); the child parks at once without
 * touching memory but its own stack. */
static long raw_thread(void *stack_top, int *tid) {
  register long r10 __asm__("r10") = (long)(uintptr_t)tid; /* ctid */
  register long r8 __asm__("r8") = 0;                      /* tls: none */
  long ret;
  __asm__ volatile(
      "syscall\n"
      "test %%rax, %%rax\n"
      "jnz 2f\n"
      "1:\n" /* child: futex(&g_park, FUTEX_WAIT, 0, NULL) forever */
      "mov $202, %%eax\n"
      "lea g_park(%%rip), %%rdi\n"
      "xor %%esi, %%esi\n"
      "xor %%edx, %%edx\n"
      "xor %%r10d, %%r10d\n"
      "syscall\n"
      "jmp 1b\n"
      "2:\n"
      : "=a"(ret)
      : "a"(56L), "D"(CLONE_THREAD_FLAGS), "S"(stack_top), "d"(tid), "r"(r10), "r"(r8)
      : "rcx", "r11", "memory");
  return ret;
}

static void never(void *arg) {
  (void)arg;
}

int xabi_main(void) {
  const uint64_t count = xabi_sdk_arg_u64(1, 0);
  if (count == 0 || count > sizeof g_tids / sizeof g_tids[0])
    return 252;
  uint8_t *stacks = (uint8_t *)xabi_alloc(count * STACK_BYTES);
  if (stacks == 0)
    return 252;
  uint64_t started = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const long r = raw_thread(stacks + (i + 1) * STACK_BYTES, &g_tids[i]);
    if (r == -EAGAIN_VALUE)
      break;
    if (r < 0)
      return 251;
    ++started;
  }
  /* The PAL still believes one thread lives; the host must refuse anyway. */
  static uint8_t stack[STACK_BYTES] __attribute__((aligned(16)));
  if (started < count && xabi_thread_create((void *)never, stack + sizeof stack, 0) > 0)
    return 253;
  return started > 250 ? 250 : (int)started;
}
