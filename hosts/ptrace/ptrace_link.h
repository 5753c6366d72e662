/*
 * ptrace_link.h: the contract between xabi-ptrace (hosts/ptrace) and its PAL
 * (pal/ptrace, running inside the traced picoprocess). Not part of the ABI.
 *
 * The picoprocess's every system call stops at the monitor (a seccomp filter
 * whose only action is SECCOMP_RET_TRACE). An ABI call is the instruction
 * `syscall` with %rax = XABI_PTRACE_NR and %rdi = an op below; the monitor
 * serves it and skips the system call, so none of the picoprocess's own runs.
 * The only real system calls it lets through are a thread's clone (announced
 * with XABI_PTRACE_OP_THREAD_RESERVE, then issued at the PAL's clone site with
 * exactly the reserved arguments) and a thread's exit (SYS_exit) at the PAL's exit site.
 * Anything else ends the picoprocess with the violation status.
 *
 * Address layout (fixed, inside one region the monitor reserves in the child):
 */
#ifndef XABI_HOSTS_PTRACE_LINK_H
#define XABI_HOSTS_PTRACE_LINK_H

#define XABI_PTRACE_NR 0x58ab1 /* no Linux system call has this number */

#define XABI_PTRACE_REGION 0x200000000000ull          /* 32 TiB */
#define XABI_PTRACE_IMAGE (XABI_PTRACE_REGION)          /* images span <= 1 GiB */
#define XABI_PTRACE_RO (XABI_PTRACE_REGION + (1ull << 30))    /* alarms, then the argument block */
#define XABI_PTRACE_RO_SIZE (128u << 10)
#define XABI_PTRACE_ARGS_OFFSET 4096u
#define XABI_PTRACE_STACK (XABI_PTRACE_REGION + (2ull << 30)) /* guard page, then the stack */
#define XABI_PTRACE_STACK_SIZE (1u << 20)
#define XABI_PTRACE_ARENA (XABI_PTRACE_REGION + (4ull << 30)) /* --memory bytes */

enum xabi_ptrace_op {
  XABI_PTRACE_OP_HOST = 1,             /* (req, req_len, resp, resp_cap) -> resp_len or XABI_E_ */
  XABI_PTRACE_OP_EXIT = 2,             /* (status), does not return */
  XABI_PTRACE_OP_ACCESSIBLE = 3,       /* (p, len, write) -> 1 or 0 */
  XABI_PTRACE_OP_STRING_ACCESSIBLE = 4, /* (s, max) -> 1 or 0 */
  XABI_PTRACE_OP_TIME_NOW = 5,         /* () -> ns */
  XABI_PTRACE_OP_RANDOM = 6,           /* (buf, len) -> len or XABI_E_ */
  XABI_PTRACE_OP_ZUTEX_WAIT = 7,       /* (specs, n) -> index or XABI_E_ (the monitor parks the thread) */
  XABI_PTRACE_OP_ZUTEX_WAKE = 8,       /* (word, expect, n_wake, n_requeue, requeue_word) */
  XABI_PTRACE_OP_SET_TLS = 9,          /* (base) -> 0 or XABI_E_INVAL */
  XABI_PTRACE_OP_THREAD_RESERVE = 10  /* (entry, stack) -> 0 or XABI_E_: the next clone at the site may run */
};

/* The clone flags the PAL's clone site uses (a thread in the same process). */
#define XABI_PTRACE_CLONE_FLAGS 0x50f00ull /* VM|FS|FILES|SIGHAND|THREAD|SYSVSEM */

/* The PAL's symbols (pal/ptrace), linked into xabi-ptrace and present at the
 * same addresses in the forked picoprocess. */
#ifdef __cplusplus
extern "C" {
#endif
struct xabi_dispatch;
extern struct xabi_dispatch xabi_ptrace_table;  /* the guest entry's %rdi */
extern const char xabi_ptrace_clone_site[];     /* %rip at the stop of the PAL's clone */
extern const char xabi_ptrace_exit_site[];      /* %rip at the stop of the PAL's SYS_exit */
void xabi_ptrace_pal_init(void);                /* fills the table, in the child */
#ifdef __cplusplus
}
#endif

#endif
