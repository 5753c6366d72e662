/* Internal interface between the SDK's start-up pieces.
 *
 * Usage: only the files in pal/sdk/start include this. The order at run time is
 *   _start (crt0.c) -> xabi_sdk_self_relocate() -> xabi_sdk_start(table)
 *   -> xabi_sdk_set_table() -> constructors -> xabi_main() -> xabi_sdk_exit(). */
#ifndef XABI_SDK_START_H
#define XABI_SDK_START_H

#include <xabi/decls.h>

XABI_SDK_BEGIN_DECLS

/* Applies the image's own relocations; runs before anything touches a global. */
void xabi_sdk_self_relocate(void);

/* The one place start-up gives up (bad relocation, unusable table):
 * executes ud2, so the host sees SIGILL. */
XABI_SDK_NORETURN void xabi_sdk_trap(void);

/* C-level entry, called by _start once the image is relocated. */
XABI_SDK_NORETURN void xabi_sdk_start(const void *table);

/* Remembers (and sanity-checks) the host's dispatch table. */
void xabi_sdk_set_table(const void *table);

XABI_SDK_END_DECLS

#endif
