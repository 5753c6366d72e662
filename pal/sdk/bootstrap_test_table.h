/* TEMPORARY test-only dispatch table, until the table struct is generated
 * from the ABI spec (xabi.h).
 *
 * Usage: the host (monitor/bootstrap/test_table.c) fills one and passes its
 * address to the guest's _start in %rdi; the guest reads it only in
 * pal/sdk/start/table_access.c. Swapping to the generated struct means
 * changing those two files and nothing else. */
#ifndef XABI_BOOTSTRAP_TEST_TABLE_H
#define XABI_BOOTSTRAP_TEST_TABLE_H

#include <stdint.h>

#define XABI_TEST_TABLE_VERSION 1u

struct xabi_test_table {
  uint32_t abi_version; /* XABI_TEST_TABLE_VERSION */
  uint32_t n_calls;     /* number of function pointers that follow */
  long (*console_write)(const void *buf, unsigned long len);
  void (*exit)(int status) __attribute__((noreturn));
};

#endif
