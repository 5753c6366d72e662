/* sweep: every x86-64 system-call number 0..1023 made once with all
 * arguments 0, from a static glibc program (-static, non-PIE); prints
 * "NR RESULT" per call (RESULT: the value, or -errno). Skipped, because
 * they end or block the program natively too: 15 rt_sigreturn, 60 exit,
 * 231 exit_group; 23 select, 34 pause, 130 rt_sigsuspend, 270 pselect6,
 * 271 ppoll (NULL timeouts wait forever); 335 uretprobe and 336 uprobe
 * (the kernel's own: SIGILL outside a uprobe trampoline).
 *   sweep            the sweep
 *   sweep NR         that one number, raw (x32 numbers included) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int skipped(long nr) {
  static const long kSkip[] = {15, 23, 34, 60, 130, 231, 270, 271, 335, 336};
  for (unsigned i = 0; i < sizeof kSkip / sizeof kSkip[0]; i++)
    if (kSkip[i] == nr) return 1;
  return 0;
}

static void one(long nr) {
  const long r = syscall(nr, 0, 0, 0, 0, 0, 0);
  printf("%ld %ld\n", nr, r == -1 ? -(long)errno : r);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc > 1) {
    one(strtol(argv[1], 0, 0));
    return 0;
  }
  for (long nr = 0; nr < 1024; nr++)
    if (!skipped(nr)) one(nr);
  return 0;
}
