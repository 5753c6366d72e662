/* The Linux PAL's map of guest memory, for the ABI's EFAULT discipline.
 *
 * Usage (the bootstrap, before sealing):
 *   struct xabi_pal_static_area areas[] = {{image_lo, image_hi, 0}, {data_lo, data_hi, 1}, ...};
 *   xabi_pal_linux_memory_init(arena_base, arena_size, bitmap, areas, n);
 *   table.alloc = xabi_pal_linux_alloc;   // bookkeeping around the host's answer
 *   table.free = xabi_pal_linux_free;
 * and then every generated stub and PAL call asks
 *   if (!xabi_pal_accessible(buf, len, 1)) return XABI_E_FAULT;
 *
 * Guest memory (the spec's E_FAULT) is the static areas the bootstrap mapped
 * for the guest (image segments with their permissions, the initial stack,
 * the read-only alarms and argument blocks) plus the arena pages the host has
 * handed out with xabi_alloc and not taken back. This host maps the whole
 * arena from the start, so an unallocated arena page would not fault: the
 * bitmap of allocated pages is what makes "memory given back with xabi_free is
 * not guest memory" true. The map is the guest's own (untrusted) data; it only
 * decides whether the guest gets E_FAULT or its own SIGSEGV. A buffer freed by
 * another thread during a call is the guest's race, as with any freed memory. */
#ifndef XABI_PAL_LINUX_GUEST_MEMORY_H
#define XABI_PAL_LINUX_GUEST_MEMORY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xabi_pal_static_area {
  uint64_t lo, hi; /* [lo, hi) */
  int writable;
};
#define XABI_PAL_MAX_STATIC_AREAS 24u

/* `bitmap` holds one bit per arena page (arena_size / 4096 bits, zeroed).
 * Returns 0, or -1 for more than XABI_PAL_MAX_STATIC_AREAS areas. */
int xabi_pal_linux_memory_init(uint64_t arena_base, uint64_t arena_size, uint64_t *bitmap,
                               const struct xabi_pal_static_area *areas, unsigned n);

/* Dispatch-table entries for alloc and free: the generated host stubs, plus
 * the bitmap kept in step with what the host answered. */
void *xabi_pal_linux_alloc(uint64_t len);
int64_t xabi_pal_linux_free(void *base, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif
