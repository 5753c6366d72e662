/* PAL-local process calls: xabi_args, xabi_exit, xabi_alarms.
 *
 * Both blocks live in the call area's read-only part (host_link.h), written
 * by the monitor before execve; the guest gets pointers, never copies. */
#include <stddef.h>

#include "pal_state.h"
#include "raw_syscall.h"
#include "xabi/pal_stubs.h"

void *xabi_pal_impl_args(void) { return (void *)xabi_pal_linux_ro()->args; }

void *xabi_pal_impl_alarms(void) { return (void *)&xabi_pal_linux_ro()->alarms; }

/* exit_group ends every thread; the kernel reports status & 0xff. */
void xabi_pal_impl_exit(int32_t status) {
  for (;;)
    xabi_raw_syscall1(XABI_NR_EXIT_GROUP, status);
}
