/* Guest: checks the SDK runtime (mem*, str*, formatter) from inside an image.
 *
 * Prints "runtime ok" and returns 0, or prints the first failed check and
 * returns 1. The formatter is also checked against snprintf on the host
 * (format_test.cc); this covers the freestanding build of the same code. */
#include <xabi/sdk.h>

#define CHECK(cond)                                           \
  do {                                                        \
    if (!(cond)) {                                            \
      xabi_sdk_print("runtime check failed: %s\n", #cond);   \
      return 1;                                               \
    }                                                         \
  } while (0)

/* Large enough that the compiler copies it with a memcpy call. */
struct blob {
  char bytes[300];
};

static int check_mem(void) {
  char buf[32];
  memset(buf, 'a', sizeof buf);
  CHECK(buf[0] == 'a' && buf[31] == 'a');
  memcpy(buf, "0123456789", 10);
  CHECK(memcmp(buf, "0123456789aa", 12) == 0);
  memmove(buf + 2, buf, 8); /* overlapping, forward-moving */
  CHECK(memcmp(buf, "0101234567aa", 12) == 0);
  memmove(buf, buf + 2, 8); /* overlapping, backward-moving */
  CHECK(memcmp(buf, "0123456767aa", 12) == 0);
  CHECK(memcmp("abc", "abd", 3) < 0 && memcmp("abd", "abc", 3) > 0);

  static struct blob a = {{'q'}};
  struct blob b = a; /* may be a compiler-emitted memcpy call */
  __asm__ volatile("" : : "r"(&b) : "memory"); /* keep the copy */
  CHECK(b.bytes[0] == 'q' && b.bytes[299] == 0);
  return 0;
}

static int check_str(void) {
  CHECK(strlen("") == 0 && strlen("four") == 4);
  CHECK(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "abc") > 0);
  CHECK(strcmp("ab", "abc") < 0 && strcmp("\xff", "a") > 0); /* unsigned compare */
  CHECK(strncmp("abcx", "abcy", 3) == 0 && strncmp("abcx", "abcy", 4) < 0);
  CHECK(strncmp("a", "b", 0) == 0);
  return 0;
}

static int check_format(void) {
  char buf[64];
  xabi_sdk_format(buf, sizeof buf, "%s|%d|%u|%x|%c|%%", "s", -12, 34u, 0xbeefu, 'z');
  CHECK(strcmp(buf, "s|-12|34|beef|z|%") == 0);
  xabi_sdk_format(buf, sizeof buf, "%ld|%lu|%lx|%08x", -9000000000l, 18446744073709551615ul,
                  0x123456789abcul, 0xabu);
  CHECK(strcmp(buf, "-9000000000|18446744073709551615|123456789abc|000000ab") == 0);
  CHECK(xabi_sdk_format(buf, 4, "%s", "truncated") == 9 && strcmp(buf, "tru") == 0);
  xabi_sdk_format(buf, sizeof buf, "%p", (void *)0x1000);
  CHECK(strcmp(buf, "0x1000") == 0);
  return 0;
}

int xabi_main(void) {
  if (check_mem() || check_str() || check_format())
    return 1;
  xabi_sdk_print("runtime ok\n");
  return 0;
}
