/* _start: the guest image's entry point.
 *
 * Entry contract (what the loader guarantees): %rdi = dispatch table pointer,
 * %rsp = top of a guest stack (any alignment; no return address, no argv),
 * other registers meaningless. _start never returns.
 *
 * Written as top-level asm because it runs before the image is relocated and
 * before the stack is aligned, which C cannot promise to cope with. */

__asm__(
    ".text\n"
    ".globl _start\n"
    ".hidden _start\n"
    ".type _start, @function\n"
    "_start:\n"
    "  xor %ebp, %ebp\n"        /* outermost frame: stops debugger backtraces */
    "  and $-16, %rsp\n"        /* SysV: 16-byte aligned at each call */
    "  mov %rdi, %rbx\n"        /* keep the table in a callee-saved register */
    "  call xabi_sdk_self_relocate\n"
    "  mov %rbx, %rdi\n"
    "  call xabi_sdk_start\n"
    "  ud2\n"                   /* xabi_sdk_start does not return */
    ".size _start, . - _start\n");
