/* syscall-loop: a static Linux program (built -static, non-PIE, like Debian's
 * busybox-static) that times two system calls in a loop and prints the cost
 * of one, in ns:
 *   getppid N ns_per_call
 *   pread1 N ns_per_call        (1 byte from a file it wrote under /tmp)
 * Run natively and under xabi-host run --linux by xabi-bench-legacy; under
 * the personality /tmp is its RAM disk and each call is a trapped SIGSYS. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  const long n = argc > 1 ? atol(argv[1]) : 100000;
  const char *path = argc > 2 ? argv[2] : "/tmp/xabi-syscall-loop";
  if (n <= 0) return 2;
  double t0 = now_ns();
  for (long i = 0; i < n; i++) (void)syscall(SYS_getppid);
  double t1 = now_ns();
  printf("getppid %ld %.1f\n", n, (t1 - t0) / (double)n);

  int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
  if (fd < 0 || write(fd, "x", 1) != 1) return 3;
  char c;
  t0 = now_ns();
  for (long i = 0; i < n; i++)
    if (pread(fd, &c, 1, 0) != 1) return 4;
  t1 = now_ns();
  printf("pread1 %ld %.1f\n", n, (t1 - t0) / (double)n);
  close(fd);
  unlink(path);
  return 0;
}
