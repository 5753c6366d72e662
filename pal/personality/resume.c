/* lx_resume(const struct xabi_linux_regs *r): becomes the thread the
 * registers describe, as if its `syscall` had just returned 0 (a clone
 * child). Offsets follow struct xabi_linux_regs in <xabi/linux.h>; a
 * top-level asm block so the build needs no assembler language. */
#include "lx.h"

XABI_STATIC_ASSERT(offsetof(struct xabi_linux_regs, rsp) == 56 && offsetof(struct xabi_linux_regs, rip) == 128 &&
                       offsetof(struct xabi_linux_regs, rflags) == 136,
                   "lx_resume's offsets");

__asm__(".text\n"
        ".globl lx_resume\n"
        ".hidden lx_resume\n"
        ".type lx_resume, @function\n"
        "lx_resume:\n"
        "mov 56(%rdi), %rsp\n"  /* the child's stack */
        "pushq 128(%rdi)\n"  /* rip, for ret */
        "pushq 136(%rdi)\n"  /* rflags, for popfq */
        "mov 8(%rdi), %rbx\n"
        "mov 16(%rdi), %rcx\n"
        "mov 24(%rdi), %rdx\n"
        "mov 32(%rdi), %rsi\n"
        "mov 48(%rdi), %rbp\n"
        "mov 64(%rdi), %r8\n"
        "mov 72(%rdi), %r9\n"
        "mov 80(%rdi), %r10\n"
        "mov 88(%rdi), %r11\n"
        "mov 96(%rdi), %r12\n"
        "mov 104(%rdi), %r13\n"
        "mov 112(%rdi), %r14\n"
        "mov 120(%rdi), %r15\n"
        "xor %eax, %eax\n"  /* clone returns 0 in the child */
        "mov 40(%rdi), %rdi\n"
        "popfq\n"
        "ret\n"
        ".size lx_resume, . - lx_resume\n"
        ".previous\n");
