/* The Linux PAL's view of its picoprocess: where the region is.
 *
 * Usage:
 *   xabi_pal_linux_init(header->region_base);   // the bootstrap, once, before sealing
 *   struct xabi_link_header *h = xabi_pal_linux_header();   // PAL code, any thread
 *   if (!xabi_pal_linux_in_region(addr, 4)) return XABI_E_FAULT;
 *
 * The bootstrap maps everything the guest may touch inside one region
 * (host_link.h); the seccomp filter lets futex name only addresses in it, so
 * the PAL checks addresses itself first and answers E_FAULT instead of
 * tripping the filter. The transport (transport.c) finds the call area here. */
#ifndef XABI_PAL_LINUX_PAL_STATE_H
#define XABI_PAL_LINUX_PAL_STATE_H

#include <stdint.h>

#include "host_link.h"

#ifdef __cplusplus
extern "C" {
#endif

void xabi_pal_linux_init(uint64_t region_base);

uint64_t xabi_pal_linux_region_base(void);
struct xabi_link_header *xabi_pal_linux_header(void);
const struct xabi_link_ro *xabi_pal_linux_ro(void);
struct xabi_link_slot *xabi_pal_linux_slots(void);

/* 1 when [addr, addr+len) lies inside the region (len >= 1). */
int xabi_pal_linux_in_region(uint64_t addr, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif
