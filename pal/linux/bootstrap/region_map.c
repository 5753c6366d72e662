/* Mapping the call area and the arena; see region_map.h. */
#include "region_map.h"

#include <errno.h>
#include <sys/mman.h>

#include "host_link.h"

static int map_at(uint64_t at, uint64_t len, int prot, int fd, uint64_t offset) {
  void *p = mmap((void *)(uintptr_t)at, len, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, fd,
                 (off_t)offset);
  if (p == MAP_FAILED)
    return -errno;
  if ((uintptr_t)p != at) { /* a kernel that ignored MAP_FIXED_NOREPLACE */
    munmap(p, len);
    return -EEXIST;
  }
  return 0;
}

int call_area_map(int fd, uint64_t region_base) {
  const uint64_t area = region_base + XABI_LINK_CALLS_OFFSET;
  static const struct {
    uint64_t offset, end;
    int prot;
  } parts[] = {
      {0, XABI_LINK_RO_OFFSET, PROT_READ | PROT_WRITE},
      {XABI_LINK_RO_OFFSET, XABI_LINK_SLOTS_OFFSET, PROT_READ},
      {XABI_LINK_SLOTS_OFFSET, XABI_LINK_AREA_SIZE, PROT_READ | PROT_WRITE},
  };
  for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; ++i) {
    int err = map_at(area + parts[i].offset, parts[i].end - parts[i].offset, parts[i].prot,
                     fd, parts[i].offset);
    if (err != 0) {
      munmap((void *)(uintptr_t)area, parts[i].offset);
      return err;
    }
  }
  return 0;
}

int arena_map(int fd, uint64_t region_base, uint64_t arena_size) {
  if (arena_size == 0)
    return 0; /* no quota: nothing to map */
  return map_at(region_base + XABI_LINK_ARENA_OFFSET, arena_size, PROT_READ | PROT_WRITE, fd, 0);
}
