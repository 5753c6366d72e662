/* xabi_sdk_trap: the single, recognisable way start-up gives up.
 *
 * Usage: call when the image or the host table is unusable. There is no one
 * to report to before the table is known, so it executes ud2; the host sees
 * the process die of SIGILL with this function on top of the stack. */
#include "start.h"

void xabi_sdk_trap(void) { __builtin_trap(); }
