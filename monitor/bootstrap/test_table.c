/* The host functions behind the TEMPORARY test table: console_write is
 * write(1, ...), exit is exit_group. To be replaced by the PAL's filler of the
 * generated table. */
#include "test_table.h"

#include <errno.h>
#include <unistd.h>

/* Writes everything (short writes are retried); bytes written or -errno. */
static long host_console_write(const void *buf, unsigned long len) {
  const char *p = buf;
  unsigned long done = 0;
  while (done < len) {
    ssize_t n = write(STDOUT_FILENO, p + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return done > 0 ? (long)done : -errno;
    done += (unsigned long)n;
  }
  return (long)done;
}

/* _exit is exit_group(2): the whole process ends, nothing is flushed or run. */
__attribute__((noreturn)) static void host_exit(int status) { _exit(status); }

const struct xabi_test_table xabi_bootstrap_table = {
    .abi_version = XABI_TEST_TABLE_VERSION,
    .n_calls = 2,
    .console_write = host_console_write,
    .exit = host_exit,
};
