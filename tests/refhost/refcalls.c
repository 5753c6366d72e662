/* refcalls: exercises the HOST calls whose answers xabi-refhost decides from
 * the reference model's state. Usage (the first argument picks the case):
 *   mem          placement, zero fill after free, free's errors, quota
 *   alarm        xabi_sdk_sleep_until over the alarm
 *   chan         channel ids (lowest free), bad channels, console reads
 *   nocaps       accept/open_url/console without the capabilities
 *   exit N       ends with status N (to see N mod 256)
 *   block        waits forever (for --timeout)
 * Prints "<case> ok" on the console (if any) and exits 0, else exits with
 * the number of the first check that failed. */
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

static const char *arg(int i) { return xabi_sdk_arg(i, ""); }


#define CHECK(n, cond) \
  do {                 \
    if (!(cond)) return (n); \
  } while (0)

static int mem(void) {
  const uint64_t page = XABI_PAGE;
  uint8_t *a = xabi_alloc(3 * page);
  CHECK(10, a != 0 && (uintptr_t)a % page == 0);
  for (uint64_t i = 0; i < 3 * page; ++i) CHECK(11, a[i] == 0);
  for (uint64_t i = 0; i < 3 * page; ++i) a[i] = 0xab;
  CHECK(12, xabi_free(a + page, page) == 0);
  CHECK(13, xabi_free(a + page, page) == XABI_E_NOT_MAPPED);
  CHECK(14, xabi_free(a, 100) == XABI_E_INVAL);
  CHECK(15, xabi_free(a + 1, page) == XABI_E_INVAL);
  uint8_t *b = xabi_alloc(1); /* the lowest free range: the hole just made */
  CHECK(16, b == a + page);
  for (uint64_t i = 0; i < page; ++i) CHECK(17, b[i] == 0);
  CHECK(18, xabi_alloc(0) == 0);
  CHECK(19, xabi_alloc(XABI_LIMIT_ALLOC + 1) == 0);
  /* the default quota is 64 MiB: 1 GiB does not fit */
  CHECK(20, xabi_alloc(XABI_LIMIT_ALLOC) == 0);
  CHECK(21, xabi_free(a, 3 * page) == 0);
  CHECK(22, xabi_free(a, page) == XABI_E_NOT_MAPPED);
  return 0;
}

static int alarm(void) {
  const uint64_t start = xabi_time_now();
  xabi_sdk_sleep_until(start + 50000000ull);
  CHECK(30, xabi_time_now() >= start + 50000000ull);
  const struct xabi_alarms *w = xabi_alarms();
  const uint32_t before = __atomic_load_n(&w->clock, __ATOMIC_SEQ_CST);
  CHECK(31, xabi_alarm_set(1) == 0); /* in the past: fires at once */
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&w->clock, before, 0};
  while (__atomic_load_n(&w->clock, __ATOMIC_SEQ_CST) == before) (void)xabi_zutex_wait(&s, 1);
  CHECK(32, xabi_alarm_set(0) == 0);
  return 0;
}

static int chan(void) {
  int64_t c0 = xabi_console(), c1 = xabi_console();
  CHECK(40, c0 == 0 && c1 == 1);
  CHECK(41, xabi_close(0) == 0);
  CHECK(42, xabi_close(0) == XABI_E_BAD_CHANNEL);
  CHECK(43, xabi_console() == 0);
  char buf[8];
  CHECK(44, xabi_read(0, buf, sizeof buf) == XABI_E_CLOSED);
  CHECK(45, xabi_read(7, buf, sizeof buf) == XABI_E_BAD_CHANNEL);
  CHECK(46, xabi_write(7, buf, sizeof buf) == XABI_E_BAD_CHANNEL);
  CHECK(47, xabi_write(0, buf, 0) == 0);
  struct xabi_pollfd p[2] = {{0, XABI_POLL_OUT, 0, 0}, {9, XABI_POLL_IN, 0, 0}};
  CHECK(48, xabi_poll(p, 1, 0) == 1 && p[0].revents == XABI_POLL_OUT);
  CHECK(49, xabi_poll(p, 2, 0) == XABI_E_BAD_CHANNEL);
  p[0].reserved = 1;
  CHECK(50, xabi_poll(p, 1, 0) == XABI_E_INVAL);
  CHECK(51, xabi_poll(p, 0, 0) == 0);
  int64_t n = 2;
  while (xabi_console() >= 0) ++n;
  CHECK(52, n == XABI_LIMIT_CHANNELS);
  CHECK(53, xabi_console() == XABI_E_LIMIT);
  return 0;
}

static int nocaps(void) {
  CHECK(60, xabi_accept() == XABI_E_UNSUPPORTED);
  CHECK(61, xabi_open_url("GET", "http://127.0.0.1:1/") == XABI_E_UNSUPPORTED);
  CHECK(62, xabi_console() == XABI_E_UNSUPPORTED);
  return 0;
}

int xabi_main(void) {
  const char *what = arg(1);
  int r = 1;
  if (!strcmp(what, "mem")) r = mem();
  else if (!strcmp(what, "alarm")) r = alarm();
  else if (!strcmp(what, "chan")) r = chan();
  else if (!strcmp(what, "nocaps")) return nocaps();
  else if (!strcmp(what, "exit")) xabi_exit((int32_t)xabi_sdk_parse_u64(arg(2)));
  else if (!strcmp(what, "block")) {
    static uint32_t never;
    struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&never, 0, 0};
    for (;;) (void)xabi_zutex_wait(&s, 1);
  }
  if (r == 0 && !strcmp(what, "chan")) {
    /* channel 0 is a console again; say so there */
    xabi_sdk_fprint(0, "%s ok\n", what);
    return 0;
  }
  if (r == 0) {
    int64_t c = xabi_console();
    if (c >= 0) xabi_sdk_fprint((int32_t)c, "%s ok\n", what);
  }
  return r;
}
