/* Reading and checking the call area header the monitor wrote (fd 4).
 *
 * Usage:
 *   struct link_layout lay;
 *   if (link_header_read(XABI_LINK_FD_CALLS, XABI_LINK_FD_ARENA, &lay) != 0) exit(...);
 *   ... map the pieces at lay.region_base + offsets ...
 *
 * The monitor wrote the header before execve, so it is trusted, but a bad
 * header must stop the bootstrap before it maps anything at a wrong address:
 * every field host_link.h fixes is compared, and the two files' sizes must
 * match what the header says. */
#ifndef XABI_BOOTSTRAP_LINK_HEADER_H
#define XABI_BOOTSTRAP_LINK_HEADER_H

#include <stdint.h>

struct link_layout {
  uint64_t region_base;
  uint64_t arena_size;
  uint32_t filter_len;
  uint64_t linux_program_size; /* --linux; 0 otherwise */
  uint64_t linux_fs_size;
};

/* 0, or a negative errno (-EINVAL for a header that does not check out). */
int link_header_read(int calls_fd, int arena_fd, struct link_layout *out);

#endif
