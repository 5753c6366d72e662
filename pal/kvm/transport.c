/* transport.c: the KVM PAL's frame transport (xabi_pal_frame_*, used by the
 * generated HOST-call stubs) over the slot area of kvm_link.h.
 *
 * A call claims a FREE slot (CAS FREE -> OWNED), encodes into it, publishes
 * REQUEST (seq_cst) and then:
 *   - while the host's ring server is awake, spins up to SPIN_POLLS pause
 *     polls for RESPONSE: the hot path, no VM exit;
 *   - otherwise, or when the spin runs out, exits with XABI_KVM_OP_SERVE:
 *     the vCPU's host thread serves the slot itself if the server has not
 *     taken it (REQUEST -> SERVING is a CAS on the host side, so exactly one
 *     of them serves), or waits for the server's RESPONSE.
 * Either way the slot holds RESPONSE when we read it, and the host has
 * bounded resp_len; we check it again (the bound is ours to keep too). */
#include <stddef.h>
#include <stdint.h>

#include "host_op.h"
#include "xabi/pal_stubs.h"

/* About 25 ns a poll: 2000 polls is 50 us, a little more than a cross-CPU
 * wake-up; the server, once awake, answers in well under a microsecond. */
#define SPIN_POLLS 2000

static struct xabi_kvm_slot *slot_at(uint32_t i) {
  return (struct xabi_kvm_slot *)(uintptr_t)(XABI_KVM_SLOTS_VA + (uint64_t)i * XABI_KVM_SLOT_BYTES);
}

int64_t xabi_pal_frame_begin(struct xabi_pal_frame *f) {
  static uint32_t seq;
  for (;;) {
    for (uint32_t i = 0; i < XABI_KVM_SLOTS; i++) {
      struct xabi_kvm_slot *s = slot_at(i);
      uint32_t expected = XABI_KVM_SLOT_FREE;
      if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) == XABI_KVM_SLOT_FREE &&
          __atomic_compare_exchange_n(&s->state, &expected, XABI_KVM_SLOT_OWNED, 0,
                                      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        f->req = s->req;
        f->req_cap = XABI_WIRE_MAX_REQUEST;
        f->resp = 0;
        f->resp_len = 0;
        f->seq = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
        f->impl = s;
        return 0;
      }
    }
    /* One slot per vCPU and LIMIT_THREADS slots: all busy only for a moment. */
    __builtin_ia32_pause();
  }
}

int64_t xabi_pal_frame_call(struct xabi_pal_frame *f, size_t req_len) {
  struct xabi_kvm_slot *s = (struct xabi_kvm_slot *)f->impl;
  if (req_len > XABI_WIRE_MAX_REQUEST)
    return XABI_E_BAD_FRAME;
  __atomic_store_n(&s->req_len, (uint32_t)req_len, __ATOMIC_RELAXED);
  __atomic_store_n(&s->state, XABI_KVM_SLOT_REQUEST, __ATOMIC_SEQ_CST);
  int answered = 0;
  if (__atomic_load_n(&xabi_kvm_ro()->server_awake, __ATOMIC_SEQ_CST)) {
    for (int i = 0; i < SPIN_POLLS && !answered; i++) {
      if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == XABI_KVM_SLOT_RESPONSE)
        answered = 1;
      else
        __builtin_ia32_pause();
    }
  }
  if (!answered) {
    const uint32_t index = (uint32_t)(((uintptr_t)s - XABI_KVM_SLOTS_VA) / XABI_KVM_SLOT_BYTES);
    const int64_t r = xabi_kvm_op(XABI_KVM_OP_SERVE, index, 0, 0, 0, 0);
    if (r < 0)
      return r;
  }
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != XABI_KVM_SLOT_RESPONSE)
    return XABI_E_BAD_FRAME;
  const uint32_t n = __atomic_load_n(&s->resp_len, __ATOMIC_RELAXED);
  if (n > XABI_WIRE_MAX_RESPONSE)
    return XABI_E_BAD_FRAME;
  f->resp = s->resp;
  f->resp_len = n;
  return 0;
}

void xabi_pal_frame_end(struct xabi_pal_frame *f) {
  struct xabi_kvm_slot *s = (struct xabi_kvm_slot *)f->impl;
  __atomic_store_n(&s->state, XABI_KVM_SLOT_FREE, __ATOMIC_RELEASE);
}
