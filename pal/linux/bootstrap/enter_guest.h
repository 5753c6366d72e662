/* The one-way jump from the loader into a guest image.
 *
 * Usage: xabi_enter_guest(entry, &table, stack_top);   // never returns
 *
 * Entry contract (what the guest's _start may rely on):
 *   %rdi  = `table`, the dispatch table
 *   %rsp  = `stack_top`, 16-byte aligned, no return address, no argv/envp
 *   %rbp  = 0 (outermost frame)
 *   every other general-purpose and xmm register = 0 (no loader pointers
 *   leak into the guest), except the register that held `entry`
 *   direction flag clear; x87/MXCSR control words as the host left them. */
#ifndef XABI_BOOTSTRAP_ENTER_GUEST_H
#define XABI_BOOTSTRAP_ENTER_GUEST_H

#include <stdint.h>

__attribute__((noreturn)) void xabi_enter_guest(uintptr_t entry, const void *table,
                                                void *stack_top);

#endif
