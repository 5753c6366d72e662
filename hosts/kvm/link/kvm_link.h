/* kvm_link.h: the protocol between the KVM host (hosts/kvm) and its PAL
 * (pal/kvm), which runs inside the virtual machine at CPL 3. The PAL is
 * untrusted like the guest it serves: the host reads nothing it writes
 * without copying and checking it.
 *
 * Two ways to reach the host:
 *   - HOST calls (alloc, read, write, poll ...) travel as wire frames
 *     (xabi/wire.h) through a slot in the shared slot area. The PAL claims a
 *     FREE slot, encodes, publishes REQUEST and spins for RESPONSE while the
 *     host's ring server is awake: no VM exit. When the server sleeps (no
 *     call for a while) or the spin runs out, the PAL makes the op
 *     XABI_KVM_OP_SERVE exit, and the vCPU's own host thread serves the slot
 *     (and wakes the server for the calls that follow).
 *   - PAL-served calls that need the machine itself (exit, threads, TLS,
 *     zutex, the clock, random bytes): an `out %eax, $XABI_KVM_OP_PORT` with
 *     eax = the op, the arguments in rdi, rsi, rdx, r10, r8 and the result
 *     in rax when the vCPU resumes.
 *
 * Guest virtual layout (the host maps it; every address below ADDR_LIMIT):
 *   XABI_KVM_RO_VA     struct xabi_kvm_ro, then the argument block: read-only
 *   XABI_KVM_SLOTS_VA  XABI_KVM_SLOTS slots: read-write
 *   XABI_KVM_PAL_VA    the PAL image
 *   XABI_KVM_IMAGE_VA  the guest image
 *   XABI_KVM_STACK_TOP the initial thread's stack, below it
 *   XABI_KVM_ARENA_VA  memory for xabi_alloc: the quota, mapped read-write
 *                      from the start; the bitmap of allocated pages (in the
 *                      read-only block) says which pages are guest memory.
 */
#ifndef XABI_KVM_LINK_H
#define XABI_KVM_LINK_H

#include <stdint.h>

#include "xabi/wire.h"
#include "xabi/xabi.h"

#define XABI_KVM_OP_PORT 0xe2u

enum xabi_kvm_op {
  XABI_KVM_OP_SERVE = 1,         /* rdi = slot index: serve its REQUEST now */
  XABI_KVM_OP_EXIT = 2,          /* rdi = status; never returns */
  XABI_KVM_OP_THREAD_CREATE = 3, /* rdi = start (PAL trampoline), rsi = stack, rdx = entry, r10 = arg */
  XABI_KVM_OP_THREAD_EXIT = 4,   /* never returns */
  XABI_KVM_OP_SET_TLS = 5,       /* rdi = base */
  XABI_KVM_OP_ZUTEX_WAIT = 6,    /* rdi = specs, rsi = n */
  XABI_KVM_OP_ZUTEX_WAKE = 7,    /* rdi = word, rsi = expect, rdx = n_wake, r10 = n_requeue, r8 = requeue word */
  XABI_KVM_OP_TIME_NOW = 8,      /* rax = ns */
  XABI_KVM_OP_RANDOM = 9,        /* rdi = buf, rsi = len */
};

#define XABI_KVM_RO_VA 0x10000000ull
#define XABI_KVM_RO_BYTES 0x40000ull          /* header, argument block, arena bitmap */
#define XABI_KVM_ARGS_OFFSET 0x1000u          /* argument block inside the read-only area */
#define XABI_KVM_ARGS_BYTES 0x10000u
#define XABI_KVM_BITMAP_OFFSET 0x20000u       /* one bit per arena page */
#define XABI_KVM_SLOTS_VA 0x11000000ull
#define XABI_KVM_PAL_VA 0x20000000ull
#define XABI_KVM_IMAGE_VA 0x40000000ull
#define XABI_KVM_STACK_TOP 0x80000000ull
#define XABI_KVM_STACK_BYTES 0x100000ull
#define XABI_KVM_ARENA_VA 0x100000000ull
/* The largest quota: the bitmap's room, 8 bits per byte. */
#define XABI_KVM_MAX_ARENA ((XABI_KVM_RO_BYTES - XABI_KVM_BITMAP_OFFSET) * 8ull * XABI_PAGE)

#define XABI_KVM_SLOTS 64u
enum xabi_kvm_slot_state {
  XABI_KVM_SLOT_FREE = 0,
  XABI_KVM_SLOT_OWNED = 1,    /* a PAL thread is encoding */
  XABI_KVM_SLOT_REQUEST = 2,  /* published, not yet taken */
  XABI_KVM_SLOT_SERVING = 3,  /* the host took it */
  XABI_KVM_SLOT_RESPONSE = 4, /* resp_len and resp are written */
};

struct xabi_kvm_slot {
  uint32_t state;
  uint32_t req_len;
  uint32_t resp_len;
  uint32_t reserved;
  uint8_t req[XABI_WIRE_MAX_REQUEST];
  uint8_t resp[XABI_WIRE_MAX_RESPONSE];
};
#define XABI_KVM_SLOT_BYTES ((sizeof(struct xabi_kvm_slot) + 4095u) / 4096u * 4096u)

#define XABI_KVM_MAX_STATIC 8u
struct xabi_kvm_static_area {
  uint64_t lo, hi; /* [lo, hi), page-aligned */
  uint32_t writable;
  uint32_t reserved;
};

/* The read-only block at XABI_KVM_RO_VA, written by the host. */
struct xabi_kvm_ro {
  struct xabi_alarms alarms;   /* the host bumps them (xabi_alarms() points here) */
  uint32_t server_awake;       /* 1 while the ring server polls the slots */
  uint32_t n_static;
  uint64_t arena_base, arena_size;
  struct xabi_kvm_static_area statics[XABI_KVM_MAX_STATIC];
};

#endif
