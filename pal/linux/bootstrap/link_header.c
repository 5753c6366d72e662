/* Reading and checking the call area header; see link_header.h. */
#include "link_header.h"

#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_link.h"

/* The region must be whole, naturally aligned, not at 0 (except with --linux,
 * whose program is linked there), and end at or below 2^47 (the user half of
 * the x86-64 address space). */
static int region_ok(uint64_t base, int linux_mode) {
  return (base != 0) != linux_mode && base % XABI_LINK_REGION_SIZE == 0 &&
         base <= (1ull << 47) - XABI_LINK_REGION_SIZE;
}

static uint64_t page_up(uint64_t x) { return (x + 4095u) & ~4095ull; }

/* --linux: the program and the tar image fit their places. */
static int linux_sizes_ok(const struct xabi_link_header *h) {
  if (h->linux_program_size == 0)
    return h->linux_fs_size == 0;
  return h->linux_program_size <= XABI_LINK_FS_MAX && h->linux_fs_size <= XABI_LINK_FS_MAX - page_up(h->linux_program_size);
}

static int file_size(int fd, uint64_t *size) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return -errno;
  if (!S_ISREG(st.st_mode) || st.st_size < 0)
    return -EINVAL;
  *size = (uint64_t)st.st_size;
  return 0;
}

int link_header_read(int calls_fd, int arena_fd, struct link_layout *out) {
  /* Only the fixed fields before `filter`: copied, not mapped. */
  struct xabi_link_header h;
  const size_t want = offsetof(struct xabi_link_header, filter);
  ssize_t n = pread(calls_fd, &h, want, 0);
  if (n < 0)
    return -errno;
  if ((size_t)n != want)
    return -EINVAL;
  uint64_t calls_size = 0, arena_size = 0;
  int err = file_size(calls_fd, &calls_size);
  if (err == 0)
    err = file_size(arena_fd, &arena_size);
  if (err != 0)
    return err;
  if (h.magic != XABI_LINK_MAGIC || h.version != XABI_LINK_VERSION || !linux_sizes_ok(&h) ||
      !region_ok(h.region_base, h.linux_program_size != 0) ||
      h.ro_offset != XABI_LINK_RO_OFFSET || h.slots_offset != XABI_LINK_SLOTS_OFFSET ||
      h.area_size != XABI_LINK_AREA_SIZE || calls_size != XABI_LINK_AREA_SIZE ||
      h.n_slots != XABI_LINK_SLOTS || h.filter_len == 0 || h.filter_len > XABI_LINK_FILTER_MAX ||
      h.arena_size % 4096 != 0 || h.arena_size > XABI_LINK_REGION_SIZE - XABI_LINK_ARENA_OFFSET ||
      arena_size != h.arena_size)
    return -EINVAL;
  out->region_base = h.region_base;
  out->arena_size = h.arena_size;
  out->filter_len = h.filter_len;
  out->linux_program_size = h.linux_program_size;
  out->linux_fs_size = h.linux_fs_size;
  return 0;
}
