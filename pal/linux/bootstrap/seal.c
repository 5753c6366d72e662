/* Sealing; see seal.h. */
#include "seal.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "bootstrap_exit.h"
#include "raw_syscall.h"

int seal_install(struct xabi_link_header *header) {
  if (xabi_raw_syscall6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) != 0)
    return XABI_BOOTSTRAP_NO_NEW_PRIVS;
  _Static_assert(sizeof(struct xabi_link_insn) == sizeof(struct sock_filter), "insn layout");
  struct sock_fprog prog = {
      .len = (unsigned short)header->filter_len,
      .filter = (struct sock_filter *)header->filter,
  };
  long fd = xabi_raw_syscall3(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                              SECCOMP_FILTER_FLAG_NEW_LISTENER, (long)(uintptr_t)&prog);
  if (fd < 0)
    return XABI_BOOTSTRAP_SECCOMP;
  __atomic_store_n(&header->listener_fd, (int32_t)fd, __ATOMIC_RELAXED);
  return 0;
}

int seal_handshake(struct xabi_link_header *header, int doorbell_fd) {
  __atomic_store_n(&header->sealed, 1u, __ATOMIC_RELEASE);
  const uint64_t one = 1;
  long r;
  do
    r = xabi_raw_syscall3(XABI_NR_WRITE, doorbell_fd, (long)(uintptr_t)&one, sizeof one);
  while (r == -XABI_ERRNO_EINTR || r == -XABI_ERRNO_EAGAIN);
  if (r != sizeof one)
    return XABI_BOOTSTRAP_DOORBELL;
  /* Shared FUTEX_WAIT: the monitor wakes us through its own mapping. */
  for (uint32_t v; (v = __atomic_load_n(&header->go, __ATOMIC_ACQUIRE)) != 1;)
    xabi_raw_syscall6(XABI_NR_FUTEX, (long)(uintptr_t)&header->go, XABI_ALLOW_FUTEX_WAIT, v, 0, 0, 0);
  return 0;
}
