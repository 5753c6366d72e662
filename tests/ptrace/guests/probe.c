/* Guest for tests/ptrace: argument 1 picks what it does.
 *   syscall N    makes raw system call N (the host must end it)
 *   quota        allocates 1 MiB at a time until refused, prints the count,
 *                frees one, allocates it again and checks it is zero
 *   park PATH    says "parked", blocks in zutex_wait for ever; were it ever
 *                to run on, it would mkdir(PATH) with a raw system call
 *   null N       N calls of close(-1), for the bench */
#include <xabi/runtime.h>
#include <xabi/sdk.h>
#include <xabi/format.h>
#include <xabi/string.h>
#include <xabi/xabi.h>

static long raw_syscall1(long nr, long a) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a) : "rcx", "r11", "memory");
  return ret;
}

static int quota(void) {
  enum { MIB = 1 << 20 };
  unsigned char *blocks[64];
  int n = 0;
  while (n < 64 && (blocks[n] = xabi_alloc(MIB)) != 0) {
    blocks[n][0] = 0xaa;
    blocks[n][MIB - 1] = 0x55;
    ++n;
  }
  if (n == 0 || xabi_free(blocks[0], MIB) != 0) return 3;
  unsigned char *again = xabi_alloc(MIB);
  if (!again || again[0] != 0 || again[MIB - 1] != 0) return 4;
  xabi_sdk_print("allocated %d MiB\n", n);
  return 0;
}

int xabi_main(void) {
  const char *mode = xabi_sdk_arg(1, "");
  if (strcmp(mode, "syscall") == 0) {
    raw_syscall1((long)xabi_sdk_arg_u64(2, 39), 0);
    return 1; /* it returned: not denied */
  }
  if (strcmp(mode, "quota") == 0) return quota();
  if (strcmp(mode, "park") == 0) {
    static uint32_t word;
    xabi_sdk_console_write("parked\n", 7);
    struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&word, 0, 0};
    xabi_zutex_wait(&s, 1);
    raw_syscall1(83 /* mkdir */, (long)xabi_sdk_arg(2, "/"));
    return 0;
  }
  if (strcmp(mode, "null") == 0) {
    const uint64_t n = xabi_sdk_arg_u64(2, 1000);
    const uint64_t t0 = xabi_time_now();
    for (uint64_t i = 0; i < n; ++i) xabi_close(-1);
    xabi_sdk_print("%lu\n", (unsigned long)((xabi_time_now() - t0) / n));
    return 0;
  }
  return 2;
}
