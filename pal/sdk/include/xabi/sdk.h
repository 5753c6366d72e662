/* The guest SDK: what code inside a picoprocess may use.
 *
 * Usage: a guest defines
 *   int xabi_main(void) { xabi_sdk_print("hi %d\n", 1); return 0; }
 * and is built with xabi_add_guest() (pal/sdk/XabiGuest.cmake). The start
 * code relocates the image, runs constructors, calls xabi_main() and exits
 * through the host's dispatch table with its return value. There is no libc:
 * everything comes from the table (via the accessors below) or the runtime. */
#ifndef XABI_SDK_H
#define XABI_SDK_H

#include <xabi/decls.h>
#include <xabi/format.h>
#include <xabi/string.h>

XABI_SDK_BEGIN_DECLS

/* Defined by the guest program. */
int xabi_main(void);

/* The host's dispatch table, as handed to _start (opaque on purpose: its
 * layout is owned by one accessor file, start/table_access.c). */
const void *xabi_sdk_table(void);

/* Ends the picoprocess with `status`. Never returns. */
XABI_SDK_NORETURN void xabi_sdk_exit(int status);

/* Writes `len` bytes to the console; returns bytes written or a negative error. */
long xabi_sdk_console_write(const void *buf, unsigned long len);

XABI_SDK_END_DECLS

#endif
