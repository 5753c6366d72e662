/*
 * host_link.h: the contract between xabi-host (monitor/) and its Linux PAL
 * (pal/linux/, running inside the picoprocess). Not part of the ABI: another
 * host would have its own transport. Both sides compile this one file.
 *
 * How a picoprocess is laid out and how a HOST call travels:
 *
 *   xabi-host creates two memfds and an eventfd, fills the call area's header
 *   (below), and execve()s xabi-bootstrap with them at the fixed fd numbers.
 *   The bootstrap maps everything inside ONE naturally aligned region of
 *   XABI_LINK_REGION_SIZE bytes at header.region_base (so one masked compare in
 *   the seccomp filter confines futex addresses to the picoprocess's memory):
 *
 *     region_base + XABI_LINK_CALLS_OFFSET   the call area memfd, mapped at its own
 *                                        offsets: header RW, RO part read-only
 *                                        (struct xabi_alarms, argument block),
 *                                        slots RW
 *     region_base + XABI_LINK_IMAGE_OFFSET   the guest image
 *     region_base + XABI_LINK_STACK_OFFSET   the initial thread's stack (guard page below)
 *     region_base + XABI_LINK_ARENA_OFFSET   the arena memfd, arena_size bytes, read-write
 *
 *   xabi_alloc/xabi_free are bookkeeping in the host: the whole arena is mapped
 *   from the start; the memfd's size is the quota, so the kernel enforces it, and
 *   xabi_free punches a hole (fallocate) so freed pages come back zero-filled.
 *
 *   A HOST call: the PAL claims a FREE slot (CAS FREE -> OWNED), writes the
 *   request frame into slot.req and req_len, then stores state = REQUEST and
 *   sets the slot's bit in header.posted. If header.monitor_sleeping is set it
 *   writes 1 to the doorbell eventfd. It spins
 *   for a bounded time on state == RESPONSE, then sets slot.waiter = 1, re-reads
 *   state and FUTEX_WAITs on &slot.state (shared futex). The monitor copies
 *   req_len and req out ONCE, validates the copy (never the slot again), stores
 *   state = SERVING, dispatches, writes resp/resp_len, stores state = RESPONSE,
 *   and FUTEX_WAKEs &slot.state if slot.waiter is set. The PAL reads the response
 *   and stores state = FREE.
 *
 *   Everything in the call area is writable by the guest: the monitor treats
 *   every byte of it as hostile and re-validates on each use.
 */
#ifndef XABI_PAL_LINUX_HOST_LINK_H
#define XABI_PAL_LINUX_HOST_LINK_H

#include <stdint.h>

#include "xabi/wire.h"
#include "xabi/xabi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- file descriptors in the picoprocess at execve (everything else closed) */
#define XABI_LINK_FD_IMAGE 3    /* the guest image; the bootstrap closes it before sealing */
#define XABI_LINK_FD_CALLS 4    /* memfd: the call area */
#define XABI_LINK_FD_ARENA 5    /* memfd: guest memory, size = quota */
#define XABI_LINK_FD_DOORBELL 6 /* eventfd: "a request is waiting" (guest -> monitor) */
/* --linux only: a sealed memfd holding the Linux program's file, then (from the
 * next page boundary) the tar image; the bootstrap closes it before sealing. */
#define XABI_LINK_FD_LINUX 8

/* ---- address layout (offsets from header.region_base) */
#define XABI_LINK_REGION_SHIFT 40                               /* 1 TiB */
#define XABI_LINK_REGION_SIZE (1ull << XABI_LINK_REGION_SHIFT)
#define XABI_LINK_REGION_MASK (~(XABI_LINK_REGION_SIZE - 1))
/* Below 3 GiB nothing of the layout: a Linux program (--linux) is loaded there
 * at its link address, in region 0 (XABI_LINK_LEGACY_LO .. _HI). */
#define XABI_LINK_CALLS_OFFSET (3ull << 30)  /* 3 GiB: the call area */
#define XABI_LINK_IMAGE_OFFSET (1ull << 32)  /* 4 GiB: images up to 1 GiB */
#define XABI_LINK_STACK_OFFSET (5ull << 30)  /* 5 GiB */
#define XABI_LINK_STACK_SIZE (1ull << 20)    /* the initial thread's stack */
#define XABI_LINK_FS_OFFSET (6ull << 30)     /* 6 GiB: --linux's tar image, read-only, up to 2 GiB */
#define XABI_LINK_FS_MAX (2ull << 30)
#define XABI_LINK_ARENA_OFFSET (8ull << 30)  /* 8 GiB: arena up to REGION_SIZE - 8 GiB */
#define XABI_LINK_LEGACY_LO (1ull << 16)     /* --linux: the program's segments lie in [LO, HI) */
#define XABI_LINK_LEGACY_HI XABI_LINK_CALLS_OFFSET

/* ---- the call area */
#define XABI_LINK_MAGIC 0x4b4e4c58u /* "XLNK" */
#define XABI_LINK_VERSION 3u /* 2: header.posted; 3: the call area at CALLS_OFFSET, linux_* */
#define XABI_LINK_SLOTS 64u /* one per thread (XABI_LIMIT_THREADS); one bit each in header.posted */
#define XABI_LINK_FILTER_MAX 4096u /* sock_filter instructions */
#define XABI_LINK_ARGS_MAX 65536u  /* bytes of argument block */

enum xabi_link_slot_state {
  XABI_LINK_FREE = 0,
  XABI_LINK_OWNED = 1,    /* a PAL thread is writing a request */
  XABI_LINK_REQUEST = 2,  /* ready for the monitor */
  XABI_LINK_SERVING = 3,  /* the monitor copied the request */
  XABI_LINK_RESPONSE = 4  /* resp/resp_len are valid */
};

struct xabi_link_slot {
  uint32_t state;  /* enum xabi_link_slot_state; accessed atomically */
  uint32_t waiter; /* 1: the PAL thread sleeps in FUTEX_WAIT on &state */
  uint32_t req_len;
  uint32_t resp_len;
  uint8_t req[XABI_WIRE_MAX_REQUEST];
  uint8_t resp[XABI_WIRE_MAX_RESPONSE];
} __attribute__((aligned(64)));

/* Sock_filter as the kernel takes it (struct sock_filter). */
struct xabi_link_insn {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};

/* The read-only part: what the guest may read but never write. */
struct xabi_link_ro {
  struct xabi_alarms alarms; /* the monitor bumps these and FUTEX_WAKEs them */
  uint8_t pad[4096 - sizeof(struct xabi_alarms)];
  /* The argument block xabi_args() returns: u64 count, count u64 pointers (guest
   * addresses into `strings`), then the NUL-terminated strings. */
  uint8_t args[XABI_LINK_ARGS_MAX];
};

struct xabi_link_header {
  /* Written by the monitor before execve; read by the bootstrap before sealing. */
  uint32_t magic;
  uint32_t version;
  uint64_t region_base;   /* aligned to XABI_LINK_REGION_SIZE */
  uint64_t arena_size;    /* bytes, = the memory quota; a multiple of the page size */
  uint64_t ro_offset;     /* = XABI_LINK_RO_OFFSET */
  uint64_t slots_offset;  /* = XABI_LINK_SLOTS_OFFSET */
  uint64_t area_size;     /* = XABI_LINK_AREA_SIZE, the call area memfd's size */
  uint32_t n_slots;
  uint32_t filter_len;    /* instructions in `filter` */
  /* --linux (both 0 otherwise): the bytes of the program's file and of the tar
   * image in XABI_LINK_FD_LINUX. The region is then region 0, so the program
   * lies inside it at its link address. */
  uint64_t linux_program_size;
  uint64_t linux_fs_size;
  struct xabi_link_insn filter[XABI_LINK_FILTER_MAX]; /* the seccomp program to install */

  /* Sealing handshake. The bootstrap installs `filter` with
   * SECCOMP_FILTER_FLAG_NEW_LISTENER, stores the listener's fd number and
   * sealed = 1, rings the doorbell and FUTEX_WAITs on `go`. The monitor takes
   * the listener with pidfd_getfd, confirms "Seccomp: 2" in /proc/PID/status,
   * then stores go = 1 and wakes it: only then does guest code run. */
  uint32_t sealed;
  int32_t listener_fd;
  uint32_t go;

  /* Shared state words. */
  uint32_t monitor_sleeping; /* 1: the monitor may be blocked; ring the doorbell */
  /* A hint, set by the PAL after state = REQUEST: bit i means slot i may hold a
   * request. The monitor takes the word (exchange with 0) and serves those
   * slots; it also scans every slot now and then, so a request whose bit was
   * never set waits longer but is still served (a hint a hostile guest can
   * only use to slow itself). */
  uint64_t posted;
};

#ifdef __cplusplus
#define XABI_LINK_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define XABI_LINK_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
XABI_LINK_STATIC_ASSERT(XABI_LINK_SLOTS == XABI_LIMIT_THREADS, "one call slot per thread");
XABI_LINK_STATIC_ASSERT(XABI_LINK_SLOTS <= 64, "header.posted has one bit per slot");

/* Offsets the monitor uses (the layout is fixed by this header). */
#define XABI_LINK_RO_OFFSET ((sizeof(struct xabi_link_header) + 4095u) & ~4095ull)
#define XABI_LINK_SLOTS_OFFSET ((XABI_LINK_RO_OFFSET + sizeof(struct xabi_link_ro) + 4095u) & ~4095ull)
#define XABI_LINK_AREA_SIZE ((XABI_LINK_SLOTS_OFFSET + XABI_LINK_SLOTS * sizeof(struct xabi_link_slot) + 4095u) & ~4095ull)

#ifdef __cplusplus
}
#endif

#endif /* XABI_PAL_LINUX_HOST_LINK_H */
