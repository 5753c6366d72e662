/* The bootstrap's exec contract, for a launcher's child between fork and
 * execve: the guest image, the call area, the arena and the doorbell at fds
 * 3..6 (XABI_LINK_FD_*, host_link.h) without FD_CLOEXEC, optionally one more fd
 * of the launcher's at fd 7 with FD_CLOEXEC (an O_PATH fd to execveat), and
 * nothing else open: not 0..2, nothing from close_from up.
 *
 * Usage (in the child; async-signal-safe system calls only, no allocation):
 *   const int fds[5] = {image, calls, arena, doorbell, -1};   // XABI_LINK_FD_* order; [4]: --linux's fd or -1
 *   const char *failed = xabi_exec_contract_place(fds, -1);
 *   if (!failed) failed = xabi_exec_contract_close_rest(xabi_exec_contract_first_free(fds, -1));
 *   if (failed) _exit(XABI_HOST_EXIT_LAUNCH_FAILED);      // `failed` names the step
 *
 * Used by the seccomp host's launcher (monitor/launch/spawn.cc) and the
 * reference host's (reference/refhost/ref_launch.cc). */
#ifndef XABI_PAL_LINUX_EXEC_CONTRACT_H
#define XABI_PAL_LINUX_EXEC_CONTRACT_H

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host_link.h"

#define XABI_EXEC_CONTRACT_EXTRA_FD 7 /* where `extra` goes */

/* Places fds[0..3] at 3..6, fds[4] (if >= 0) at XABI_LINK_FD_LINUX and
 * `extra` (if >= 0) at 7. NULL, or the name of the step that failed
 * ("F_DUPFD", "dup2", "dup3"). */
static inline const char *xabi_exec_contract_place(const int fds[5], int extra) {
  /* First above anything they could collide with (a source fd may sit at 3..8
   * already), then into place; dup2 clears FD_CLOEXEC. */
  int high[6];
  for (int i = 0; i < 5; ++i)
    if (fds[i] >= 0 || i < 4)
      if ((high[i] = fcntl(fds[i], F_DUPFD, 16)) < 0) return "F_DUPFD";
  if (extra >= 0 && (high[5] = fcntl(extra, F_DUPFD, 16)) < 0) return "F_DUPFD";
  for (int i = 0; i < 4; ++i)
    if (dup2(high[i], XABI_LINK_FD_IMAGE + i) != XABI_LINK_FD_IMAGE + i) return "dup2";
  if (fds[4] >= 0 && dup2(high[4], XABI_LINK_FD_LINUX) != XABI_LINK_FD_LINUX) return "dup2";
  if (extra >= 0 && dup3(high[5], XABI_EXEC_CONTRACT_EXTRA_FD, O_CLOEXEC) != XABI_EXEC_CONTRACT_EXTRA_FD) return "dup3";
  return 0;
}

/* The first fd xabi_exec_contract_close_rest may close: above the last one placed. */
static inline unsigned xabi_exec_contract_first_free(const int fds[5], int extra) {
  if (fds[4] >= 0) return XABI_LINK_FD_LINUX + 1;
  return extra >= 0 ? XABI_EXEC_CONTRACT_EXTRA_FD + 1 : XABI_EXEC_CONTRACT_EXTRA_FD;
}

/* Closes 0..2 and every fd from close_from up (xabi_exec_contract_first_free);
 * the high copies made by xabi_exec_contract_place go too. NULL, or
 * "close_range". */
static inline const char *xabi_exec_contract_close_rest(unsigned close_from) {
  if (syscall(SYS_close_range, 0u, 2u, 0u) != 0 || syscall(SYS_close_range, close_from, ~0u, 0u) != 0)
    return "close_range";
  return 0;
}

XABI_LINK_STATIC_ASSERT(XABI_LINK_FD_CALLS == XABI_LINK_FD_IMAGE + 1 && XABI_LINK_FD_ARENA == XABI_LINK_FD_IMAGE + 2 &&
                            XABI_LINK_FD_DOORBELL == XABI_LINK_FD_IMAGE + 3 &&
                            XABI_LINK_FD_DOORBELL < XABI_EXEC_CONTRACT_EXTRA_FD &&
                            XABI_LINK_FD_LINUX == XABI_EXEC_CONTRACT_EXTRA_FD + 1,
                        "the contract's fds are 3..6 in this order, below the extra fd");

#endif
