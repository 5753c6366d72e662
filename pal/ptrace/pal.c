/*
 * pal.c: the ptrace host's PAL. Runs inside the traced picoprocess on guest
 * threads (guest stack, guest FS): freestanding, no TLS, no stack protector.
 * Every call is one trapping `syscall` (hosts/ptrace/ptrace_link.h) that the
 * monitor serves; HOST calls carry the generated wire frame.
 */
#include <stddef.h>
#include <stdint.h>

#include "ptrace_link.h"
#include "xabi/pal_stubs.h"
#include "xabi/wire.h"
#include "xabi/xabi.h"

static inline int64_t trap(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
  register uint64_t r10 __asm__("r10") = c;
  register uint64_t r8 __asm__("r8") = d;
  register uint64_t r9 __asm__("r9") = e;
  int64_t ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"((uint64_t)XABI_PTRACE_NR), "D"(op), "S"(a), "d"(b), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

/* ---- transport: one slot per concurrent caller, claimed from a bit mask */

struct slot {
  uint8_t req[XABI_WIRE_MAX_REQUEST];
  uint8_t resp[XABI_WIRE_MAX_RESPONSE];
};
static struct slot slots[64];
static uint64_t slots_used;
static uint32_t next_seq;

int64_t xabi_pal_frame_begin(struct xabi_pal_frame *f) {
  uint64_t used = __atomic_load_n(&slots_used, __ATOMIC_RELAXED);
  for (;;) {
    if (used == ~0ull) return XABI_E_NO_RESOURCES;
    const unsigned i = (unsigned)__builtin_ctzll(~used);
    if (__atomic_compare_exchange_n(&slots_used, &used, used | (1ull << i), 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
      f->req = slots[i].req;
      f->req_cap = sizeof slots[i].req;
      f->resp = slots[i].resp;
      f->resp_len = 0;
      f->seq = __atomic_add_fetch(&next_seq, 1, __ATOMIC_RELAXED);
      f->impl = &slots[i];
      return 0;
    }
  }
}

int64_t xabi_pal_frame_call(struct xabi_pal_frame *f, size_t req_len) {
  struct slot *s = f->impl;
  const int64_t n = trap(XABI_PTRACE_OP_HOST, (uint64_t)s->req, req_len, (uint64_t)s->resp, sizeof s->resp, 0);
  if (n < 0) return n;
  f->resp_len = (size_t)n;
  return 0;
}

void xabi_pal_frame_end(struct xabi_pal_frame *f) {
  const uint64_t bit = 1ull << ((struct slot *)f->impl - slots);
  __atomic_fetch_and(&slots_used, ~bit, __ATOMIC_RELEASE);
}

/* ---- guest memory: the monitor keeps the map */

int xabi_pal_accessible(const void *p, uint64_t len, int write) {
  return (int)trap(XABI_PTRACE_OP_ACCESSIBLE, (uint64_t)p, len, (uint64_t)write, 0, 0);
}

int xabi_pal_string_accessible(const char *s, uint64_t max) {
  return (int)trap(XABI_PTRACE_OP_STRING_ACCESSIBLE, (uint64_t)s, max, 0, 0, 0);
}

/* ---- PAL calls */

void *xabi_pal_impl_args(void) { return (void *)(uintptr_t)(XABI_PTRACE_RO + XABI_PTRACE_ARGS_OFFSET); }

void *xabi_pal_impl_alarms(void) { return (void *)(uintptr_t)XABI_PTRACE_RO; }

void xabi_pal_impl_exit(int32_t status) {
  for (;;) trap(XABI_PTRACE_OP_EXIT, (uint64_t)(uint32_t)status, 0, 0, 0, 0);
}

uint64_t xabi_pal_impl_time_now(void) { return (uint64_t)trap(XABI_PTRACE_OP_TIME_NOW, 0, 0, 0, 0, 0); }

int64_t xabi_pal_impl_random(void *buf, uint64_t len) {
  return trap(XABI_PTRACE_OP_RANDOM, (uint64_t)buf, len, 0, 0, 0);
}

int64_t xabi_pal_impl_set_tls(void *base) { return trap(XABI_PTRACE_OP_SET_TLS, (uint64_t)base, 0, 0, 0, 0); }

int64_t xabi_pal_impl_zutex_wait(const struct xabi_zutex_spec *specs, uint32_t n) {
  return trap(XABI_PTRACE_OP_ZUTEX_WAIT, (uint64_t)specs, n, 0, 0, 0);
}

int64_t xabi_pal_impl_zutex_wake(void *word, uint32_t expect, uint32_t n_wake, uint32_t n_requeue, void *requeue_word) {
  return trap(XABI_PTRACE_OP_ZUTEX_WAKE, (uint64_t)word, expect, n_wake, n_requeue, (uint64_t)requeue_word);
}

/* Blocking poll: ask the host without blocking, then wait on the alarm words
 * (read before asking, so a bump after the answer makes the wait return). */
int64_t xabi_pal_impl_poll(struct xabi_pollfd *fds, uint32_t n, uint32_t block) {
  volatile struct xabi_alarms *al = (volatile struct xabi_alarms *)(uintptr_t)XABI_PTRACE_RO;
  for (;;) {
    struct xabi_zutex_spec w[2] = {{(uint64_t)&al->channels, al->channels, 0}, {(uint64_t)&al->clock, al->clock, 0}};
    const int64_t r = xabi_pal_host_poll(fds, n, block);
    if (r != 0 || !block || n == 0) return r;
    if (xabi_pal_impl_zutex_wait(w, 2) == 1) return xabi_pal_host_poll(fds, n, 0);
  }
}

/* ---- threads: the only real system calls, at two fixed sites */

/* The new thread starts at the clone site with the caller's registers: entry
 * and arg travel in %r12 and %r13 (saved for the caller), nothing is written
 * to the guest's stack. */
int64_t xabi_ptrace_clone(uint64_t flags, void *child_sp, void *entry, uint64_t arg);
__attribute__((noreturn)) void xabi_ptrace_thread_exit(void);

__asm__(
    ".text\n"
    ".globl xabi_ptrace_clone\n"
    ".globl xabi_ptrace_clone_site\n"
    ".globl xabi_ptrace_thread_exit\n"
    ".globl xabi_ptrace_exit_site\n"
    "xabi_ptrace_clone:\n"
    "  push %r12\n"
    "  push %r13\n"
    "  mov %rdx, %r12\n"
    "  mov %rcx, %r13\n"
    "  mov $56, %eax\n"
    "  xor %edx, %edx\n"
    "  xor %r10d, %r10d\n"
    "  xor %r8d, %r8d\n"
    "  syscall\n"
    "xabi_ptrace_clone_site:\n" /* %rip at the clone's stop */
    "  test %rax, %rax\n"
    "  jnz 1f\n"
    "  mov %r13, %rdi\n" /* %rsp is the guest's stack, 16-byte aligned */
    "  call *%r12\n"
    "  jmp xabi_ptrace_thread_exit\n"
    "1: pop %r13\n"
    "  pop %r12\n"
    "  ret\n"
    "xabi_ptrace_thread_exit:\n"
    "  mov $60, %eax\n"
    "  xor %edi, %edi\n"
    "  syscall\n"
    "xabi_ptrace_exit_site:\n"
    "  ud2\n");

int64_t xabi_pal_impl_thread_create(void *entry, void *stack, uint64_t arg) {
  const int64_t r = trap(XABI_PTRACE_OP_THREAD_RESERVE, (uint64_t)entry, (uint64_t)stack, 0, 0, 0);
  if (r < 0) return r;
  const int64_t tid = xabi_ptrace_clone(XABI_PTRACE_CLONE_FLAGS, stack, entry, arg);
  return tid > 0 ? tid : XABI_E_NO_RESOURCES;
}

void xabi_pal_impl_thread_exit(void) { xabi_ptrace_thread_exit(); }

/* The table the guest's entry gets (filled in the child before it is traced). */
struct xabi_dispatch xabi_ptrace_table;

void xabi_ptrace_pal_init(void) { xabi_pal_fill_dispatch(&xabi_ptrace_table); }
