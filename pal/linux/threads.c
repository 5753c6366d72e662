/* PAL-local thread calls: xabi_thread_create, xabi_thread_exit, xabi_set_tls.
 *
 * A thread is a raw clone with exactly the flags the seccomp allow-list
 * permits (XABI_ALLOW_CLONE_THREAD_FLAGS). The live count is kept here, atomically,
 * because the ABI's LIMIT_THREADS must hold whatever the kernel would allow. */
#include <stdint.h>

#include "raw_syscall.h"
#include "xabi/pal_stubs.h"

/* XABI_ALLOW_CLONE_THREAD_FLAGS (CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|
 * SETTLS|PARENT_SETTID|CHILD_CLEARTID) is the allow-list's only clone. SETTLS
 * with tls = 0 starts the thread with no TLS base, as the ABI says. */

#define XABI_PAL_STR2(x) #x
#define XABI_PAL_STR(x) XABI_PAL_STR2(x)

/* Yields before a clone refused with EAGAIN counts as refused. */
#define CLONE_EAGAIN_RETRIES 1000

/* The initial thread is alive from the start. */
static uint32_t g_live_threads = 1;

/* clone + run entry(arg) on `stack` in the child + thread_exit if it returns.
 * Returns the child's tid or -errno in the parent. Top-level asm: the child
 * must not touch the parent's C frame. */
long xabi_pal_linux_clone(unsigned long flags, void *stack, int *ptid, int *ctid,
                          unsigned long tls, void *entry, uint64_t arg)
    __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".globl xabi_pal_linux_clone\n"
        ".hidden xabi_pal_linux_clone\n"
        ".type xabi_pal_linux_clone, @function\n"
        "xabi_pal_linux_clone:\n"
        "  push %r12\n"
        "  mov 16(%rsp), %r12\n"  /* arg (7th argument, above the return address) */
        "  mov %rcx, %r10\n"      /* ctid: the kernel's 4th argument register */
        "  mov $" XABI_PAL_STR(XABI_NR_CLONE) ", %eax\n" /* entry stays in %r9, which clone keeps */
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jz 1f\n"
        "  pop %r12\n"            /* parent (or error): back to C */
        "  ret\n"
        "1:\n"                    /* child: %rsp = stack (16-byte aligned) */
        "  xor %ebp, %ebp\n"
        "  mov %r12, %rdi\n"
        "  call *%r9\n"
        "  call xabi_pal_impl_thread_exit\n"
        "  ud2\n"
        ".size xabi_pal_linux_clone, . - xabi_pal_linux_clone\n");

int64_t xabi_pal_impl_thread_create(void *entry, void *stack, uint64_t arg) {
  const uint64_t sp = (uint64_t)(uintptr_t)stack;
  if (entry == 0 || sp % XABI_STACK_ALIGN != 0 || sp >= XABI_ADDR_LIMIT)
    return XABI_E_INVAL;
  /* Reserve a place first, so racing creators cannot overshoot the limit. */
  uint32_t n = __atomic_load_n(&g_live_threads, __ATOMIC_RELAXED);
  do {
    if (n >= XABI_LIMIT_THREADS)
      return XABI_E_LIMIT;
  } while (!__atomic_compare_exchange_n(&g_live_threads, &n, n + 1, 1, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED));
  int ptid = 0;
  long tid;
  /* EAGAIN right after a thread exited: the host's task limit (LIMIT_THREADS
   * tasks, pids cgroup) still counts that thread until the kernel has reaped
   * it, microseconds later, though our count already let it go. Retry briefly
   * rather than report a refusal that is gone a moment later (seen as
   * E_NO_RESOURCES in Agent.SpawnsUpToTheThreadLimit under load). */
  for (int tries = 0;; ++tries) {
    tid = xabi_pal_linux_clone(XABI_ALLOW_CLONE_THREAD_FLAGS, stack, &ptid, 0, 0, entry, arg);
    if (tid != -XABI_ERRNO_EAGAIN || tries >= CLONE_EAGAIN_RETRIES)
      break;
    xabi_raw_syscall1(XABI_NR_SCHED_YIELD, 0);
  }
  if (tid < 0) {
    __atomic_fetch_sub(&g_live_threads, 1, __ATOMIC_ACQ_REL);
    return XABI_E_NO_RESOURCES;
  }
  return tid;
}

/* The last thread out ends the picoprocess with status 0 (the ABI's rule);
 * SYS_exit alone would leave a process without threads to the kernel's
 * discretion. */
void xabi_pal_impl_thread_exit(void) {
  if (__atomic_sub_fetch(&g_live_threads, 1, __ATOMIC_ACQ_REL) == 0)
    for (;;)
      xabi_raw_syscall1(XABI_NR_EXIT_GROUP, 0);
  for (;;)
    xabi_raw_syscall1(XABI_NR_EXIT, 0);
}

int64_t xabi_pal_impl_set_tls(void *base) {
  const uint64_t b = (uint64_t)(uintptr_t)base;
  /* The kernel refuses the last page below 2^47 (TASK_SIZE_MAX), so the spec
   * draws the line one page lower. */
  if (b >= XABI_ADDR_LIMIT - XABI_PAGE)
    return XABI_E_INVAL;
  return xabi_raw_syscall2(XABI_NR_ARCH_PRCTL, XABI_ALLOW_ARCH_SET_FS, (long)b) == 0 ? 0 : XABI_E_INVAL;
}
