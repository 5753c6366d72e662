/* Sealing: the last thing the bootstrap does before the guest runs.
 *
 * Usage (after everything is mapped and fds 3..5 are closed):
 *   int err = seal_install(header);          // NO_NEW_PRIVS + the filter
 *   if (err) exit(err);                      // an XABI_BOOTSTRAP_ status
 *   seal_handshake(header, XABI_LINK_FD_DOORBELL);  // returns once go == 1
 *
 * seal_install installs header->filter with SECCOMP_FILTER_FLAG_NEW_LISTENER
 * and stores the listener's fd in the header. seal_handshake runs UNDER the
 * filter, so it uses only allowed raw system calls: it stores sealed = 1,
 * writes 1 to the doorbell and FUTEX_WAITs (shared) on header->go until the
 * monitor, having taken the listener and checked the seal, sets it. */
#ifndef XABI_BOOTSTRAP_SEAL_H
#define XABI_BOOTSTRAP_SEAL_H

#include "host_link.h"

/* 0 or an XABI_BOOTSTRAP_ exit status (bootstrap_exit.h). */
int seal_install(struct xabi_link_header *header);

/* 0 once go is set, or XABI_BOOTSTRAP_DOORBELL if the doorbell cannot be rung. */
int seal_handshake(struct xabi_link_header *header, int doorbell_fd);

#endif
