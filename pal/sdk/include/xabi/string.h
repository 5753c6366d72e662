/* Freestanding memory and string functions (the SDK runtime provides them).
 *
 * Usage: #include <xabi/string.h> instead of <string.h>. Compilers emit calls
 * to memcpy/memmove/memset/memcmp even in freestanding code, so these exist
 * in every image whether or not the guest calls them by name. */
#ifndef XABI_SDK_STRING_H
#define XABI_SDK_STRING_H

#include <stddef.h>
#include <xabi/decls.h>

XABI_SDK_BEGIN_DECLS

void *memcpy(void *__restrict dst, const void *__restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

XABI_SDK_END_DECLS

#endif
