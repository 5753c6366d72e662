/* Guest: the Linux personality inside a real picoprocess. It embeds a tar
 * image made by GNU tar at build time, calls xabi_linux_syscall directly
 * (the trap that would route a binary's syscalls here is a later increment)
 * and prints what it finds through fd 1, which is bound to the console. */
#include <xabi/sdk.h>

#include "xabi/linux.h"
#include "xabi/xabi.h"

__asm__(".section .rodata\n.balign 16\nlx_tar_start:\n.incbin \"" LX_GUEST_TAR "\"\nlx_tar_end:\n.previous\n");
extern const char lx_tar_start[] __attribute__((visibility("hidden")));
extern const char lx_tar_end[] __attribute__((visibility("hidden")));

static struct xabi_linux lx;

static long sys(long nr, long a1, long a2, long a3, long a4, long a5) {
  return xabi_linux_syscall(&lx, nr, a1, a2, a3, a4, a5, 0);
}

static void out(const char *fmt, long a, long b) {
  char line[256];
  size_t n = xabi_sdk_format(line, sizeof line, fmt, a, b);
  sys(1 /* write */, 1, (long)line, (long)n, 0, 0);
}

static void cat(const char *path) {
  long fd = sys(257 /* openat */, -100, (long)path, 0, 0, 0);
  if (fd < 0) {
    out("open %ld\n", fd, 0);
    return;
  }
  char buf[512];
  long n;
  while ((n = sys(0, fd, (long)buf, sizeof buf, 0, 0)) > 0) sys(1, 1, (long)buf, n, 0, 0);
  sys(3, fd, 0, 0, 0, 0);
}

int xabi_main(void) {
  int32_t console = (int32_t)xabi_console();
  static const char *const argv[] = {"lx_guest", 0};
  struct xabi_linux_config cfg = {0};
  cfg.tar = lx_tar_start;
  cfg.tar_len = (uint64_t)(lx_tar_end - lx_tar_start);
  cfg.argv = argv;
  cfg.stdio[0] = XABI_LINUX_NO_CHANNEL;
  cfg.stdio[1] = console;
  cfg.stdio[2] = XABI_LINUX_NO_CHANNEL;
  cfg.realtime_base_ns = 1700000000ull * 1000000000ull;
  cfg.realtime_frozen = 1;
  cfg.brk_size = 1 << 20;
  int r = xabi_linux_init(&lx, &cfg);
  if (r != 0) {
    xabi_sdk_print("init %d\n", r);
    return 1;
  }
  cat("/data/greeting.txt");
  cat("/data/../data/lines.txt");

  /* fstat: the sizes of the files */
  long fd = sys(257, -100, (long)"/data/lines.txt", 0, 0, 0);
  uint64_t st[18];
  sys(5 /* fstat */, fd, (long)st, 0, 0, 0);
  out("size %ld mode %lx\n", (long)st[6], (long)(((uint32_t *)st)[6]));
  sys(3, fd, 0, 0, 0, 0);

  /* getdents64: the names in /data, in the order the personality gives */
  long d = sys(257, -100, (long)"/data", 0200000 /* O_DIRECTORY */, 0, 0);
  char buf[1024] __attribute__((aligned(8)));
  long n = sys(217, d, (long)buf, sizeof buf, 0, 0);
  int entries = 0;
  for (long pos = 0; pos < n;) {
    uint16_t reclen = *(uint16_t *)(buf + pos + 16);
    const char *name = buf + pos + 19;
    if (name[0] != '.') out("entry %s type %ld\n", (long)name, (long)(uint8_t)buf[pos + 18]);
    entries++;
    pos += reclen;
  }
  out("entries %ld\n", entries, 0);

  /* clock_gettime: the frozen realtime clock, and monotonic moving on */
  int64_t ts[2], m1[2], m2[2];
  sys(228, 0, (long)ts, 0, 0, 0);
  sys(228, 1, (long)m1, 0, 0, 0);
  int64_t req[2] = {0, 2000000};
  sys(35 /* nanosleep */, (long)req, 0, 0, 0, 0);
  sys(228, 1, (long)m2, 0, 0, 0);
  int64_t slept = (m2[0] - m1[0]) * 1000000000 + (m2[1] - m1[1]);
  out("realtime %ld slept_enough %ld\n", (long)ts[0], slept >= 2000000);

  /* mmap: anonymous pages are zero and writable; a file map copies */
  char *p = (char *)sys(9, 0, 3 * 4096, 3, 0x22 /* PRIVATE|ANONYMOUS */, -1);
  long zero = 1;
  for (int i = 0; i < 3 * 4096; i++) zero &= p[i] == 0;
  p[3 * 4096 - 1] = 'z';
  out("mmap zero %ld munmap %ld\n", zero, sys(11, (long)p, 3 * 4096, 0, 0, 0));
  fd = sys(257, -100, (long)"/data/greeting.txt", 0, 0, 0);
  const char *f = (const char *)sys(9, 0, 4096, 1, 0x02, fd);
  char head[9] = {0};
  for (int i = 0; i < 8; i++) head[i] = f[i];
  out("file map %s\n", (long)head, 0);

  /* the RAM disk */
  long w = sys(257, -100, (long)"/tmp/note", 0101 | 01000 /* WRONLY|CREAT|TRUNC */, 0644, 0);
  sys(1, w, (long)"ram disk\n", 9, 0, 0);
  sys(3, w, 0, 0, 0, 0);
  cat("/tmp/note");
  out("write to tar %ld unknown %ld\n", sys(257, -100, (long)"/data/x", 0101, 0644, 0), sys(999, 0, 0, 0, 0, 0));
  sys(231 /* exit_group */, 7, 0, 0, 0, 0);
  return 1;
}
