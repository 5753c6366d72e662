/* xabi_sdk_start: the C side of start-up, after the image is relocated.
 *
 * Usage: called only by _start. Stores the table, runs constructors
 * (.preinit_array / .init_array, whose entries were just relocated), runs the
 * guest and exits with its status. Destructors and atexit are not run: the
 * picoprocess ends as soon as the guest returns. */
#include <xabi/sdk.h>

#include "start.h"

typedef void (*xabi_ctor)(void);

/* Defined (hidden) by the default linker script when the sections exist. */
__attribute__((visibility("hidden"))) extern const xabi_ctor __preinit_array_start[];
__attribute__((visibility("hidden"))) extern const xabi_ctor __preinit_array_end[];
__attribute__((visibility("hidden"))) extern const xabi_ctor __init_array_start[];
__attribute__((visibility("hidden"))) extern const xabi_ctor __init_array_end[];

static void run_ctors(const xabi_ctor *begin, const xabi_ctor *end) {
  for (const xabi_ctor *f = begin; f < end; ++f)
    (*f)();
}

void xabi_sdk_start(const void *table) {
  xabi_sdk_set_table(table);
  run_ctors(__preinit_array_start, __preinit_array_end);
  run_ctors(__init_array_start, __init_array_end);
  xabi_sdk_exit(xabi_main());
}
