/* A minimal printf-style formatter for freestanding guests.
 *
 * Usage:
 *   char line[64];
 *   size_t n = xabi_sdk_format(line, sizeof line, "x=%d at %p\n", x, &x);
 *   xabi_sdk_print("sum %lu\n", total);   // formats, then console_write()
 *
 * Conversions: %s %d %i %u %x %c %p %%, length modifiers l, ll, z, an
 * optional '0' flag and field width. Anything else is copied out literally.
 * Like snprintf: the result is always NUL-terminated when cap > 0, and the
 * return value is the length the full output would have had. */
#ifndef XABI_SDK_FORMAT_H
#define XABI_SDK_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <xabi/decls.h>

XABI_SDK_BEGIN_DECLS

size_t xabi_sdk_format(char *buf, size_t cap, const char *fmt, ...) XABI_SDK_PRINTF(3, 4);
size_t xabi_sdk_vformat(char *buf, size_t cap, const char *fmt, va_list ap);

/* Formats into a fixed stack buffer (longer output is cut at
 * XABI_SDK_PRINT_MAX - 1 bytes) and writes it to the console. Returns what
 * xabi_sdk_console_write() returned. */
#define XABI_SDK_PRINT_MAX 512
long xabi_sdk_print(const char *fmt, ...) XABI_SDK_PRINTF(1, 2);

XABI_SDK_END_DECLS

#endif
