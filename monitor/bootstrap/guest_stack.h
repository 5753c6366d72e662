/* The guest's stack: a private mapping with a guard page below it.
 *
 * Usage:
 *   void *top;
 *   if (guest_stack_alloc(GUEST_STACK_SIZE, &top) == 0) ... switch %rsp to top ...
 *
 * The guard page (PROT_NONE) turns a stack overflow into SIGSEGV instead of
 * a silent write into whatever the kernel placed below. */
#ifndef XABI_BOOTSTRAP_GUEST_STACK_H
#define XABI_BOOTSTRAP_GUEST_STACK_H

#include <stddef.h>

#define GUEST_STACK_SIZE (1u << 20) /* 1 MiB; host calls run on it too */

/* `size` must be a multiple of the page size. *top is 16-byte aligned.
 * Returns 0 or a negative errno. */
int guest_stack_alloc(size_t size, void **top);

#endif
