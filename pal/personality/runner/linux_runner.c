/* xabi-linux-runner: the guest that runs an unmodified static Linux program
 * over the Linux personality (docs/linux-personality.md).
 *
 * The host (xabi-host run --linux) has already loaded the program at its link
 * address and mapped its file system (a tar image) read-only; it passes where
 * in the arguments, before the program's own argv:
 *
 *   xabi-linux FS_ADDR FS_SIZE ENTRY PHDR PHNUM REALTIME_NS frozen|running -- ARGV0 ARGV1 ...
 *
 * (every number in decimal)
 *
 * (REALTIME_NS: CLOCK_REALTIME at start, which the ABI does not have; the
 * host's clock at launch, or the --clock it was given, frozen.)
 *
 * The runner starts the personality, installs a SIGSYS handler and jumps to
 * the program's entry on a stack of its own. The picoprocess's seccomp filter
 * (host profile: trap_syscalls) answers every system call outside the ABI's
 * allow-list with SECCOMP_RET_TRAP: the kernel does not run it but delivers
 * SIGSYS to the calling thread, whose handler here hands the registers to
 * xabi_linux_syscall_regs and puts the result in the saved rax. rt_sigreturn
 * then resumes the program after its `syscall` instruction.
 *
 * The program's own system calls that the allow-list lets through reach the
 * kernel directly (exit_group, FUTEX_WAIT on a shared word, getrandom with
 * flags 0, CLOCK_MONOTONIC, ARCH_SET_FS, sched_yield): each does there what the
 * personality would have done. */
#include <xabi/linux.h>
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

enum {
  kSigsys = 31,
  kSaSiginfo = 4,
  kSaRestorer = 0x04000000,
  kSaNodefer = 0x40000000,
  kNrRtSigaction = 13,
  kNrRtSigreturn = 15,
  kStackSize = 8 << 20,
  kMaxArgs = 256,
};

/* Where the kernel saves a trapped thread's registers: ucontext_t's
 * uc_mcontext.gregs (after uc_flags, uc_link and the 24-byte uc_stack), in
 * the kernel's sigcontext order. */
enum { kGregsOffset = 40 };
enum {
  kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15, kRdi, kRsi, kRbp, kRbx, kRdx, kRax, kRcx, kRsp, kRip, kEfl,
};
/* siginfo_t for SIGSYS: si_syscall at offset 24 (after signo, errno, code and
 * the 8-byte call address). */
enum { kSiSyscallOffset = 24 };

static struct xabi_linux g_lx;

static void on_sigsys(int sig, void *info, void *context) {
  (void)sig;
  uint64_t *g = (uint64_t *)((uint8_t *)context + kGregsOffset);
  const struct xabi_linux_regs regs = {
      .rax = (uint64_t)(int64_t) * (const int32_t *)((const uint8_t *)info + kSiSyscallOffset),
      .rbx = g[kRbx], .rcx = g[kRcx], .rdx = g[kRdx], .rsi = g[kRsi], .rdi = g[kRdi], .rbp = g[kRbp],
      .rsp = g[kRsp], .r8 = g[kR8], .r9 = g[kR9], .r10 = g[kR10], .r11 = g[kR11], .r12 = g[kR12],
      .r13 = g[kR13], .r14 = g[kR14], .r15 = g[kR15], .rip = g[kRip], .rflags = g[kEfl],
  };
  g[kRax] = (uint64_t)xabi_linux_syscall_regs(&g_lx, &regs);
}

/* rt_sigreturn, for the kernel's SA_RESTORER: returns from the handler. */
__asm__(".text\n"
        ".type xabi_linux_restorer, @function\n"
        "xabi_linux_restorer:\n"
        "mov $15, %eax\n"
        "syscall\n"
        "ud2\n"
        ".size xabi_linux_restorer, . - xabi_linux_restorer\n"
        ".previous\n");
void xabi_linux_restorer(void);
_Static_assert(kNrRtSigreturn == 15, "the restorer's system call number");

struct kernel_sigaction {
  void (*handler)(int, void *, void *);
  uint64_t flags;
  void (*restorer)(void);
  uint64_t mask;
};

static long install_sigsys_handler(void) {
  const struct kernel_sigaction sa = {on_sigsys, kSaSiginfo | kSaRestorer | kSaNodefer, xabi_linux_restorer, 0};
  long r;
  register long r10 __asm__("r10") = sizeof sa.mask;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "0"((long)kNrRtSigaction), "D"((long)kSigsys), "S"(&sa), "d"(0L), "r"(r10)
                   : "rcx", "r11", "memory");
  return r;
}

static __attribute__((noreturn)) void fail(const char *what, long why) {
  const int64_t con = xabi_console();
  if (con >= 0) xabi_sdk_fprint((int32_t)con, "xabi-linux-runner: %s (%ld)\n", what, why);
  xabi_exit(127);
}

/* The program's environment: fixed, so a run is reproducible (the same on
 * every host and in the tests' native comparison runs). */
static const char *const kEnv[] = {"PATH=/bin:/usr/bin", "HOME=/", "TERM=dumb", 0};

static const char *g_argv[kMaxArgs + 1];

int xabi_main(void) {
  enum { kFirstArg = 9 };
  if (strcmp(xabi_sdk_arg(0, ""), "xabi-linux") != 0 || strcmp(xabi_sdk_arg(kFirstArg - 1, ""), "--") != 0 ||
      !xabi_sdk_arg(kFirstArg, 0))
    fail("started without the host's --linux arguments", 0);
  const uint64_t fs_addr = xabi_sdk_parse_u64(xabi_sdk_arg(1, "0")), fs_size = xabi_sdk_parse_u64(xabi_sdk_arg(2, "0"));
  const struct xabi_linux_auxv_in aux = {xabi_sdk_parse_u64(xabi_sdk_arg(4, "0")), 56, xabi_sdk_parse_u64(xabi_sdk_arg(5, "0")),
                                         xabi_sdk_parse_u64(xabi_sdk_arg(3, "0"))};
  int argc = 0;
  for (const char *a; argc < kMaxArgs && (a = xabi_sdk_arg(kFirstArg + argc, 0)); ++argc) g_argv[argc] = a;
  if (xabi_sdk_arg(kFirstArg + argc, 0)) fail("more than 256 arguments", argc);

  /* fds 0, 1, 2: the host's own streams (capability stdio, which --linux
   * implies); without it fd 0 is closed and fds 1 and 2 share the console. */
  int32_t stdio[3];
  for (uint32_t s = 0; s < 3; ++s) {
    const int64_t ch = xabi_stdio(s);
    stdio[s] = ch >= 0 ? (int32_t)ch : XABI_LINUX_NO_CHANNEL;
  }
  if (stdio[1] == XABI_LINUX_NO_CHANNEL || stdio[2] == XABI_LINUX_NO_CHANNEL) {
    const int64_t con = xabi_console();
    const int32_t out = con >= 0 ? (int32_t)con : XABI_LINUX_NO_CHANNEL;
    if (stdio[1] == XABI_LINUX_NO_CHANNEL) stdio[1] = out;
    if (stdio[2] == XABI_LINUX_NO_CHANNEL) stdio[2] = out;
  }
  const struct xabi_linux_config cfg = {
      .tar = fs_size ? (const void *)(uintptr_t)fs_addr : 0,
      .tar_len = fs_size,
      .argv = g_argv,
      .envp = kEnv,
      .stdio = {stdio[0], stdio[1], stdio[2]},
      .realtime_base_ns = xabi_sdk_parse_u64(xabi_sdk_arg(6, "0")),
      .realtime_frozen = strcmp(xabi_sdk_arg(7, ""), "frozen") == 0,
      .brk_size = 0,
      .thread_word = 0, /* single-threaded for now: clone answers ENOSYS */
  };
  long r = xabi_linux_init(&g_lx, &cfg);
  if (r != 0) fail("the personality refused to start (a malformed tar image?)", r);
  void *stack = xabi_alloc(kStackSize);
  if (!stack) fail("no memory for the program's stack", 0);
  uint64_t *sp = xabi_linux_initial_stack(&g_lx, stack, kStackSize, &aux);
  if (!sp) fail("the arguments do not fit the program's stack", 0);
  if ((r = install_sigsys_handler()) != 0) fail("rt_sigaction(SIGSYS)", r);
  /* The System V entry: rsp at argc, rdx = 0 (no atexit function). */
  __asm__ volatile("mov %%rsi, %%rsp\n"
                   "xor %%edx, %%edx\n"
                   "xor %%ebp, %%ebp\n"
                   "jmp *%%rcx\n"
                   :
                   : "S"(sp), "c"(aux.entry)
                   : "memory");
  __builtin_unreachable();
}
