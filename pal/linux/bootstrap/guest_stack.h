/* The initial thread's stack: a private mapping with a guard page below it.
 *
 * Usage:
 *   void *top;
 *   if (guest_stack_map(region_base + XABI_LINK_STACK_OFFSET, XABI_LINK_STACK_SIZE, &top) == 0)
 *     ... switch %rsp to top ...
 *
 * Layout: [at, at + PAGE) is the PROT_NONE guard, [at + PAGE, at + PAGE + size)
 * the stack. The guard turns an overflow into SIGSEGV instead of a silent
 * write into whatever lies below. PAL calls run on this stack too. */
#ifndef XABI_BOOTSTRAP_GUEST_STACK_H
#define XABI_BOOTSTRAP_GUEST_STACK_H

#include <stddef.h>
#include <stdint.h>

/* `at` and `size` are page multiples. *top is 16-byte aligned.
 * Returns 0 or a negative errno (nothing stays mapped then). */
int guest_stack_map(uintptr_t at, size_t size, void **top);

#endif
