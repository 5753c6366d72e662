/* pal_calls.c: the KVM PAL's own calls (xabi_pal_impl_*), its map of guest
 * memory and its entry point. There is no kernel in the machine: what the
 * Linux PAL asks its kernel for (clone, futex, arch_prctl, clock_gettime,
 * getrandom, exit_group) is a host op here (host_op.h), served by the
 * vCPU's own host thread. Every check below is repeated by the host: the
 * PAL's are for the guest's sake (a named error rather than a kill), the
 * host's are the ones that count. */
#include <stddef.h>
#include <stdint.h>

#include "host_op.h"
#include "xabi/pal_stubs.h"

/* ---- guest memory (the spec's E_FAULT): the host's read-only map */

static int in_static(uint64_t lo, uint64_t hi, int write) {
  const struct xabi_kvm_ro *ro = xabi_kvm_ro();
  const uint32_t n = ro->n_static < XABI_KVM_MAX_STATIC ? ro->n_static : XABI_KVM_MAX_STATIC;
  for (uint32_t i = 0; i < n; i++) {
    const struct xabi_kvm_static_area *a = &ro->statics[i];
    if (lo >= a->lo && hi <= a->hi)
      return !write || a->writable;
  }
  return 0;
}

static int in_arena(uint64_t lo, uint64_t hi) {
  const struct xabi_kvm_ro *ro = xabi_kvm_ro();
  if (lo < ro->arena_base || hi > ro->arena_base + ro->arena_size)
    return 0;
  const uint64_t *bitmap = (const uint64_t *)(uintptr_t)(XABI_KVM_RO_VA + XABI_KVM_BITMAP_OFFSET);
  for (uint64_t p = (lo - ro->arena_base) / XABI_PAGE; p <= (hi - 1 - ro->arena_base) / XABI_PAGE; p++)
    if (!(__atomic_load_n(&bitmap[p / 64], __ATOMIC_ACQUIRE) & (1ull << (p % 64))))
      return 0;
  return 1;
}

int xabi_pal_accessible(const void *p, uint64_t len, int write) {
  const uint64_t lo = (uint64_t)(uintptr_t)p;
  if (lo < XABI_PAGE || lo >= XABI_ADDR_LIMIT || len > XABI_ADDR_LIMIT - lo)
    return 0;
  return in_static(lo, lo + len, write) || in_arena(lo, lo + len);
}

int xabi_pal_string_accessible(const char *s, uint64_t max) {
  /* Page by page: each page is checked before any byte of it is read. */
  uint64_t at = (uint64_t)(uintptr_t)s;
  for (uint64_t i = 0; i < max;) {
    const uint64_t page_left = XABI_PAGE - (at + i) % XABI_PAGE;
    if (!xabi_pal_accessible((const void *)(uintptr_t)(at + i), 1, 0))
      return 0;
    for (uint64_t k = 0; k < page_left && i < max; k++, i++)
      if (s[i] == 0)
        return 1;
  }
  return 1;
}

/* ---- process */

void *xabi_pal_impl_args(void) { return (void *)(uintptr_t)(XABI_KVM_RO_VA + XABI_KVM_ARGS_OFFSET); }

void *xabi_pal_impl_alarms(void) { return (void *)&xabi_kvm_ro()->alarms; }

void xabi_pal_impl_exit(int32_t status) {
  for (;;)
    xabi_kvm_op(XABI_KVM_OP_EXIT, (uint64_t)(uint32_t)status, 0, 0, 0, 0);
}

/* ---- threads: each is a vCPU the host starts at thread_start. */

void xabi_pal_kvm_thread_start(void) __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".globl xabi_pal_kvm_thread_start\n"
        ".hidden xabi_pal_kvm_thread_start\n"
        ".type xabi_pal_kvm_thread_start, @function\n"
        "xabi_pal_kvm_thread_start:\n" /* rdi = entry, rsi = arg, rsp = the stack */
        "  xor %ebp, %ebp\n"
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  call *%rax\n"
        "  call xabi_pal_impl_thread_exit\n"
        "  ud2\n"
        ".size xabi_pal_kvm_thread_start, . - xabi_pal_kvm_thread_start\n");

int64_t xabi_pal_impl_thread_create(void *entry, void *stack, uint64_t arg) {
  const uint64_t sp = (uint64_t)(uintptr_t)stack;
  if (entry == 0 || sp % XABI_STACK_ALIGN != 0 || sp >= XABI_ADDR_LIMIT)
    return XABI_E_INVAL;
  return xabi_kvm_op(XABI_KVM_OP_THREAD_CREATE, (uint64_t)(uintptr_t)&xabi_pal_kvm_thread_start, sp,
                     (uint64_t)(uintptr_t)entry, arg, 0);
}

void xabi_pal_impl_thread_exit(void) {
  for (;;)
    xabi_kvm_op(XABI_KVM_OP_THREAD_EXIT, 0, 0, 0, 0, 0);
}

int64_t xabi_pal_impl_set_tls(void *base) {
  if ((uint64_t)(uintptr_t)base >= XABI_ADDR_LIMIT - XABI_PAGE)
    return XABI_E_INVAL;
  return xabi_kvm_op(XABI_KVM_OP_SET_TLS, (uint64_t)(uintptr_t)base, 0, 0, 0, 0);
}

/* ---- zutex: the vCPU's host thread blocks on the words themselves. */

int64_t xabi_pal_impl_zutex_wait(const struct xabi_zutex_spec *specs, uint32_t n) {
  if (n == 0 || n > XABI_LIMIT_ZUTEX_SPECS)
    return XABI_E_INVAL;
  if (!xabi_pal_accessible(specs, (uint64_t)n * sizeof *specs, 0))
    return XABI_E_FAULT;
  return xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAIT, (uint64_t)(uintptr_t)specs, n, 0, 0, 0);
}

int64_t xabi_pal_impl_zutex_wake(void *word, uint32_t expect, uint32_t n_wake, uint32_t n_requeue,
                                 void *requeue_word) {
  return xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAKE, (uint64_t)(uintptr_t)word, expect, n_wake, n_requeue,
                     (uint64_t)(uintptr_t)requeue_word);
}

/* ---- time and random */

uint64_t xabi_pal_impl_time_now(void) { return (uint64_t)xabi_kvm_op(XABI_KVM_OP_TIME_NOW, 0, 0, 0, 0, 0); }

int64_t xabi_pal_impl_random(void *buf, uint64_t len) {
  if (len > XABI_LIMIT_RANDOM)
    return XABI_E_INVAL;
  if (len == 0)
    return 0;
  if (!xabi_pal_accessible(buf, len, 1))
    return XABI_E_FAULT;
  return xabi_kvm_op(XABI_KVM_OP_RANDOM, (uint64_t)(uintptr_t)buf, len, 0, 0, 0);
}

/* ---- the blocking half of xabi_poll: wait on the alarm words, in the PAL.
 * The host bumps a word (and wakes its waiters) only after what it announces
 * is visible to a poll, and we read the words before asking, so a bump
 * between our poll and our wait makes the wait return at once (E_AGAIN).
 * The clock word is read once: an alarm that fires while we re-poll after a
 * channels bump is still seen. */
int64_t xabi_pal_impl_poll(struct xabi_pollfd *fds, uint32_t n, uint32_t block) {
  if (block == 0 || n == 0)
    return xabi_pal_host_poll(fds, n, 0);
  const struct xabi_alarms *a = &xabi_kvm_ro()->alarms;
  const uint32_t clock0 = __atomic_load_n(&a->clock, __ATOMIC_ACQUIRE);
  for (;;) {
    const uint32_t chan = __atomic_load_n(&a->channels, __ATOMIC_ACQUIRE);
    const int64_t r = xabi_pal_host_poll(fds, n, 0);
    if (r != 0)
      return r;
    const struct xabi_zutex_spec specs[2] = {
        {(uint64_t)(uintptr_t)&a->channels, chan, 0},
        {(uint64_t)(uintptr_t)&a->clock, clock0, 0},
    };
    (void)xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAIT, (uint64_t)(uintptr_t)specs, 2, 0, 0, 0);
    if (__atomic_load_n(&a->clock, __ATOMIC_ACQUIRE) != clock0)
      return xabi_pal_host_poll(fds, n, 0);
  }
}

/* ---- entry: the host starts vCPU 0 at xabi_pal_kvm_start with rdi = the
 * guest's entry and rsi = the top of its stack. The PAL applies its own
 * relocations (the SDK's self_relocate.c: its GOT holds addresses), fills the
 * dispatch table and enters the guest as the SDK's entry contract says
 * (pal/sdk/README.md): rdi = the table, rsp = the stack, no return address,
 * other registers zero. */

static struct xabi_dispatch g_table;

void xabi_sdk_self_relocate(void);

__attribute__((noreturn, used, visibility("hidden"))) void xabi_pal_kvm_main(uint64_t entry, uint64_t stack);
void xabi_pal_kvm_main(uint64_t entry, uint64_t stack) {
  xabi_pal_fill_dispatch(&g_table);
  __asm__ volatile(
      "mov %[stack], %%rsp\n"
      "mov %[entry], %%rax\n"
      "xor %%ebx, %%ebx\n xor %%ecx, %%ecx\n xor %%edx, %%edx\n xor %%esi, %%esi\n"
      "xor %%ebp, %%ebp\n xor %%r8d, %%r8d\n xor %%r9d, %%r9d\n xor %%r10d, %%r10d\n"
      "xor %%r11d, %%r11d\n xor %%r12d, %%r12d\n xor %%r13d, %%r13d\n xor %%r14d, %%r14d\n"
      "xor %%r15d, %%r15d\n cld\n"
      "jmp *%%rax\n"
      :
      : [stack] "r"(stack), [entry] "r"(entry), "D"(&g_table)
      : "memory");
  __builtin_unreachable();
}

__asm__(".text\n"
        ".globl xabi_pal_kvm_start\n"
        ".hidden xabi_pal_kvm_start\n"
        ".type xabi_pal_kvm_start, @function\n"
        "xabi_pal_kvm_start:\n"
        "  xor %ebp, %ebp\n"
        "  and $-16, %rsp\n"
        "  mov %rdi, %rbx\n" /* callee-saved across the relocation */
        "  mov %rsi, %r12\n"
        "  call xabi_sdk_self_relocate\n"
        "  mov %rbx, %rdi\n"
        "  mov %r12, %rsi\n"
        "  call xabi_pal_kvm_main\n"
        "  ud2\n"
        ".size xabi_pal_kvm_start, . - xabi_pal_kvm_start\n");
