/* host_op.h: the KVM PAL's one way out of the virtual machine: an `out` to
 * XABI_KVM_OP_PORT with the op in eax (hosts/kvm/link/kvm_link.h). The vCPU
 * exits to its host thread, which serves the op and resumes the vCPU with
 * the result in rax. */
#ifndef XABI_PAL_KVM_HOST_OP_H
#define XABI_PAL_KVM_HOST_OP_H

#include <stdint.h>

#include "kvm_link.h"

static inline int64_t xabi_kvm_op(uint32_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                                  uint64_t a5) {
  uint64_t rax = op;
  register uint64_t r10 __asm__("r10") = a4;
  register uint64_t r8 __asm__("r8") = a5;
  __asm__ volatile("out %%eax, %[port]"
                   : "+a"(rax)
                   : [port] "i"(XABI_KVM_OP_PORT), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                   : "memory");
  return (int64_t)rax;
}

static inline const struct xabi_kvm_ro *xabi_kvm_ro(void) {
  return (const struct xabi_kvm_ro *)(uintptr_t)XABI_KVM_RO_VA;
}

#endif
