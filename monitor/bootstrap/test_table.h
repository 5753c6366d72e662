/* The host side of the TEMPORARY test dispatch table.
 *
 * Usage: xabi_enter_guest(entry, &xabi_bootstrap_table, stack_top);
 * Its functions run on the guest's stack, called from guest code. */
#ifndef XABI_BOOTSTRAP_TEST_TABLE_IMPL_H
#define XABI_BOOTSTRAP_TEST_TABLE_IMPL_H

#include "bootstrap_test_table.h"

extern const struct xabi_test_table xabi_bootstrap_table;

#endif
