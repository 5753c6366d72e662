/* The jump into the guest; see enter_guest.h for the register contract.
 *
 * Top-level asm because it abandons the C stack: nothing after the stack
 * switch may touch the loader's frame. */
#include "enter_guest.h"

__asm__(
    ".text\n"
    ".globl xabi_enter_guest\n"
    ".type xabi_enter_guest, @function\n"
    "xabi_enter_guest:\n"
    "  mov %rdx, %rsp\n" /* the guest stack from here on */
    "  mov %rdi, %r11\n" /* entry */
    "  mov %rsi, %rdi\n" /* first argument: the table */
    "  xor %eax, %eax\n"
    "  xor %ebx, %ebx\n"
    "  xor %ecx, %ecx\n"
    "  xor %edx, %edx\n"
    "  xor %esi, %esi\n"
    "  xor %ebp, %ebp\n"
    "  xor %r8d, %r8d\n"
    "  xor %r9d, %r9d\n"
    "  xor %r10d, %r10d\n"
    "  xor %r12d, %r12d\n"
    "  xor %r13d, %r13d\n"
    "  xor %r14d, %r14d\n"
    "  xor %r15d, %r15d\n"
    "  pxor %xmm0, %xmm0\n"
    "  pxor %xmm1, %xmm1\n"
    "  pxor %xmm2, %xmm2\n"
    "  pxor %xmm3, %xmm3\n"
    "  pxor %xmm4, %xmm4\n"
    "  pxor %xmm5, %xmm5\n"
    "  pxor %xmm6, %xmm6\n"
    "  pxor %xmm7, %xmm7\n"
    "  pxor %xmm8, %xmm8\n"
    "  pxor %xmm9, %xmm9\n"
    "  pxor %xmm10, %xmm10\n"
    "  pxor %xmm11, %xmm11\n"
    "  pxor %xmm12, %xmm12\n"
    "  pxor %xmm13, %xmm13\n"
    "  pxor %xmm14, %xmm14\n"
    "  pxor %xmm15, %xmm15\n"
    "  cld\n"
    "  jmp *%r11\n"
    ".size xabi_enter_guest, . - xabi_enter_guest\n");
