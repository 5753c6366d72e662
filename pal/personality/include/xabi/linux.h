/* The Linux personality: Linux x86-64 system calls served inside the
 * picoprocess on nothing but the xabi ABI (docs/linux-personality.md).
 *
 * Usage (the trap layer, a later increment, does this for an unmodified binary):
 *   static struct xabi_linux lx;
 *   struct xabi_linux_config cfg = {.tar = img, .tar_len = n, .argv = av, .envp = ev,
 *                                   .stdio = {in_ch, out_ch, err_ch}};
 *   if (xabi_linux_init(&lx, &cfg) != 0) ...;            // -errno: a refused tar image
 *   uint64_t *sp = xabi_linux_initial_stack(&lx, stack, size, &aux);  // argc, argv, envp, auxv
 *   long r = xabi_linux_syscall(&lx, nr, a1, a2, a3, a4, a5, a6);    // value or -errno
 *
 * All state lives in struct xabi_linux (callers treat it as opaque); the
 * personality calls the host only through <xabi/xabi.h>. */
#ifndef XABI_LINUX_H
#define XABI_LINUX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XABI_LINUX_MAX_FDS 256
#define XABI_LINUX_MAX_FILES 256   /* open file descriptions (shared by dup) */
#define XABI_LINUX_MAX_MAPS 1024   /* mmap regions */
#define XABI_LINUX_MAX_THREADS 64  /* = XABI_LIMIT_THREADS */
#define XABI_LINUX_NO_CHANNEL (-1) /* an stdio fd that is closed at start */

/* Fixed identity values the personality reports (documented). */
#define XABI_LINUX_PID 100
#define XABI_LINUX_PPID 1
#define XABI_LINUX_UID 1000
#define XABI_LINUX_GID 1000

struct xabi_linux_config {
  const void *tar;   /* ustar/pax image, read-only; must outlive the personality */
  uint64_t tar_len;
  const char *const *argv; /* NULL-terminated; argv[0] is the program name */
  const char *const *envp; /* NULL-terminated, may be NULL */
  int32_t stdio[3];        /* xabi channels for fds 0, 1, 2, or XABI_LINUX_NO_CHANNEL */
  /* CLOCK_REALTIME = realtime_base_ns + (time_now() - time_now() at init);
   * with realtime_frozen it is realtime_base_ns always (reproducible `date`). */
  uint64_t realtime_base_ns;
  int realtime_frozen;
  uint64_t brk_size; /* bytes reserved for brk at init; 0 = 8 MiB */
  /* Where each thread keeps its personality thread pointer (the trap layer
   * owns one word per thread). NULL: single-threaded, clone answers -ENOSYS. */
  void **(*thread_word)(void);
};

/* The registers of a thread at its `syscall` instruction, for clone: the
 * child resumes from them with rax = 0 on its new stack. */
struct xabi_linux_regs {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rip, rflags;
};

/* What the ELF loader knows, for the auxiliary vector. */
struct xabi_linux_auxv_in {
  uint64_t phdr, phent, phnum, entry;
};

struct lx_node;
struct lx_file;

struct lx_thread {
  int32_t tid;       /* 0: free slot */
  uint32_t live;
  uint64_t clear_tid; /* set_tid_address / CLONE_CHILD_CLEARTID */
  uint64_t fs;
  uint64_t sleep_deadline; /* 0 or when this thread wants the alarm */
  struct xabi_linux_regs resume;
  struct xabi_linux *lx;
};

struct lx_map {
  uint64_t start, end; /* page-aligned, [start, end) */
};

struct lx_fd {
  struct lx_file *file;
  int cloexec;
};

struct xabi_linux {
  uint32_t lock; /* zutex mutex over everything below */
  const uint8_t *tar;
  uint64_t tar_len;
  const char *const *argv;
  const char *const *envp;
  uint64_t mono_at_init, realtime_base_ns;
  int realtime_frozen;
  void **(*thread_word)(void);
  /* memory */
  uint64_t brk_base, brk_cur, brk_limit;
  struct lx_map maps[XABI_LINUX_MAX_MAPS];
  uint32_t n_maps;
  /* file system */
  struct lx_node *root, *cwd, *free_nodes;
  uint64_t next_ino;
  uint8_t *arena;
  uint64_t arena_left;
  struct lx_fd fds[XABI_LINUX_MAX_FDS];
  struct lx_file *files; /* XABI_LINUX_MAX_FILES, from xabi_alloc */
  /* threads */
  struct lx_thread threads[XABI_LINUX_MAX_THREADS];
  int32_t next_tid;
  uint32_t n_live;
  uint64_t umask;
};

/* 0, or -errno: -EINVAL for a malformed tar image (nothing read out of
 * bounds), -ENOMEM when the host refuses memory. */
int xabi_linux_init(struct xabi_linux *lx, const struct xabi_linux_config *cfg);

/* Builds the System V initial process stack at the top of [stack, stack+size):
 * argc, argv, NULL, envp, NULL, auxv (AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ,
 * AT_ENTRY, AT_UID.., AT_RANDOM, AT_PLATFORM, AT_EXECFN, AT_NULL), then the
 * strings and 16 random bytes. Returns the stack pointer to start with (it
 * points at argc, 16-byte aligned), or NULL when the stack is too small. */
uint64_t *xabi_linux_initial_stack(struct xabi_linux *lx, void *stack, uint64_t size,
                                   const struct xabi_linux_auxv_in *aux);

/* One Linux system call: its value, or -errno. */
long xabi_linux_syscall(struct xabi_linux *lx, long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* The same with the caller's registers (nr in rax, arguments in rdi, rsi,
 * rdx, r10, r8, r9): what clone needs to start a thread. */
long xabi_linux_syscall_regs(struct xabi_linux *lx, const struct xabi_linux_regs *regs);

/* The system-call table (docs/linux-personality.md is generated from it). */
enum xabi_linux_kind { XABI_LINUX_HANDLED = 1, XABI_LINUX_ERRNO_ONLY = 2 };
struct xabi_linux_table_entry {
  int nr;
  const char *name;
  int kind;
  int err;          /* the errno an ERRNO_ONLY entry answers (positive) */
  const char *what; /* what it does and returns */
};
/* Entry i, or NULL past the end. */
const struct xabi_linux_table_entry *xabi_linux_table(unsigned i);

#ifdef __cplusplus
}
#endif
#endif
