/* Mapping the call area and the arena into the picoprocess's region.
 *
 * Usage:
 *   if (call_area_map(XABI_LINK_FD_CALLS, lay.region_base) != 0) ...
 *   if (arena_map(XABI_LINK_FD_ARENA, lay.region_base, lay.arena_size) != 0) ...
 *
 * Each piece goes at its own address with MAP_FIXED_NOREPLACE; the 1 TiB
 * region itself is never reserved (it would count against RLIMIT_AS). The
 * call area keeps the file's own offsets: header RW, RO part read-only (the
 * guest cannot mprotect: the filter forbids it), slots RW. Both are
 * MAP_SHARED so the monitor sees the same pages. */
#ifndef XABI_BOOTSTRAP_REGION_MAP_H
#define XABI_BOOTSTRAP_REGION_MAP_H

#include <stdint.h>

/* 0 or a negative errno; on failure nothing of this call stays mapped. */
int call_area_map(int fd, uint64_t region_base);
int arena_map(int fd, uint64_t region_base, uint64_t arena_size);

#endif
