/* The guest's arguments from the block xabi_args() returns: a count, then
 * that many pointers to NUL-terminated strings (argument 0 is the image). */
#include <xabi/runtime.h>

#include "xabi/xabi.h"

const char *xabi_sdk_arg(int i, const char *fallback) {
  const uint64_t *block = xabi_args();
  if (i < 0 || block[0] <= (uint64_t)i) return fallback;
  return (const char *)(uintptr_t)block[1 + i];
}

uint64_t xabi_sdk_parse_u64(const char *s) {
  uint64_t v = 0;
  for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (uint64_t)(*s - '0');
  return v;
}

uint64_t xabi_sdk_arg_u64(int i, uint64_t fallback) {
  const char *s = xabi_sdk_arg(i, 0);
  return s ? xabi_sdk_parse_u64(s) : fallback;
}
