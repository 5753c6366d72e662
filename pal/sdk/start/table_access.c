/* The only code that knows the dispatch table's layout.
 *
 * Usage: everything else goes through xabi_sdk_table(), xabi_sdk_exit() and
 * xabi_sdk_console_write(). The table is still the TEMPORARY
 * struct xabi_test_table; switching to the generated xabi.h struct means
 * editing this file (and the host's filler) only. */
#include <xabi/sdk.h>

#include "bootstrap_test_table.h"
#include "start.h"

static const struct xabi_test_table *g_table;

/* A table we cannot read is an unusable host: trap rather than guess. */
void xabi_sdk_set_table(const void *table) {
  const struct xabi_test_table *t = table;
  if (t == 0 || t->abi_version != XABI_TEST_TABLE_VERSION || t->n_calls < 2)
    xabi_sdk_trap();
  g_table = t;
}

const void *xabi_sdk_table(void) { return g_table; }

void xabi_sdk_exit(int status) {
  g_table->exit(status);
  __builtin_trap(); /* a host whose exit returns is broken */
}

long xabi_sdk_console_write(const void *buf, unsigned long len) {
  return g_table->console_write(buf, len);
}
