/* Guest: makes one raw system call chosen by its arguments and reports what
 * it saw through its exit status (the console may not exist).
 *
 * Arguments (xabi_args): MODE NR [A0 .. A5]
 *   MODE  "syscall" (the x86-64 `syscall` instruction) or "int80" (the i386
 *         ABI's `int $0x80`)
 *   NR, A0..A5  decimal or 0x-hex; "@word" is the address of a 4-byte word
 *         inside the picoprocess's region (this image's .bss)
 * Exit status: 0 if the call returned -ENOSYS (errno mode), 1 if it returned
 * anything else, 2 for unusable arguments. In kill mode it never exits. */
#include <xabi/sdk.h>

#include "xabi/xabi.h"

#define ENOSYS_VALUE 38

static uint32_t g_word;

static int parse(const char *s, uint64_t *out) {
  if (strcmp(s, "@word") == 0) {
    *out = (uint64_t)(uintptr_t)&g_word;
    return 1;
  }
  uint64_t v = 0, base = 10;
  if (s[0] == '0' && s[1] == 'x') {
    base = 16;
    s += 2;
  }
  if (*s == '\0')
    return 0;
  for (; *s != '\0'; ++s) {
    uint64_t d;
    if (*s >= '0' && *s <= '9')
      d = (uint64_t)(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f')
      d = (uint64_t)(*s - 'a' + 10);
    else
      return 0;
    v = v * base + d;
  }
  *out = v;
  return 1;
}

int xabi_main(void) {
  const uint64_t *block = xabi_args();
  const uint64_t n = block[0];
  const char *const *argv = (const char *const *)(block + 1);
  if (n < 2 || n > 8)
    return 2;
  uint64_t v[7] = {0};
  for (uint64_t i = 1; i < n; ++i)
    if (!parse(argv[i], &v[i - 1]))
      return 2;
  long ret;
  if (strcmp(argv[0], "syscall") == 0) {
    register long r10 __asm__("r10") = (long)v[4];
    register long r8 __asm__("r8") = (long)v[5];
    register long r9 __asm__("r9") = (long)v[6];
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(v[0]), "D"(v[1]), "S"(v[2]), "d"(v[3]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
  } else if (strcmp(argv[0], "int80") == 0) {
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(v[0]), "b"(v[1]), "c"(v[2]), "d"(v[3]), "S"(v[4]), "D"(v[5])
                     : "memory");
  } else {
    return 2;
  }
  return ret == -ENOSYS_VALUE ? 0 : 1;
}
