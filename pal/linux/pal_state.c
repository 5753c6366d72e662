/* The Linux PAL's view of its picoprocess; see pal_state.h. */
#include "pal_state.h"

/* Written once before sealing; read-only in practice afterwards (the guest
 * could overwrite it, but the PAL is the guest's own code once it runs). */
static uint64_t g_region_base;

void xabi_pal_linux_init(uint64_t region_base) { g_region_base = region_base; }

uint64_t xabi_pal_linux_region_base(void) { return g_region_base; }

struct xabi_link_header *xabi_pal_linux_header(void) {
  return (struct xabi_link_header *)(uintptr_t)(g_region_base + XABI_LINK_CALLS_OFFSET);
}

const struct xabi_link_ro *xabi_pal_linux_ro(void) {
  return (const struct xabi_link_ro *)(uintptr_t)(g_region_base + XABI_LINK_CALLS_OFFSET + XABI_LINK_RO_OFFSET);
}

struct xabi_link_slot *xabi_pal_linux_slots(void) {
  return (struct xabi_link_slot *)(uintptr_t)(g_region_base + XABI_LINK_CALLS_OFFSET + XABI_LINK_SLOTS_OFFSET);
}

int xabi_pal_linux_in_region(uint64_t addr, uint64_t len) {
  const uint64_t last = addr + len - 1;
  if (len == 0 || last < addr)
    return 0;
  return (addr & XABI_LINK_REGION_MASK) == g_region_base &&
         (last & XABI_LINK_REGION_MASK) == g_region_base;
}
