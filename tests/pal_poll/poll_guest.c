/* pal_poll guest: checks that xabi_poll(block = 1) waits in the PAL.
 *   xabi-host run --listen unix:/tmp/p.sock poll_guest
 * Accepts one connection, then, each step reported to the client as one line:
 *   1. writes "polling\n" and polls the channel for POLL_IN with block = 1;
 *      the client sends a byte only ~100 ms after it read that line, so the
 *      poll must wait: "data r=R revents=E waited_ms=W\n";
 *   2. reads that byte, sets the alarm 50 ms ahead and polls again with
 *      nothing ready: "alarm r=R waited_ms=W\n" (R must be 0, W >= 50);
 *   3. polls with no entries and block = 1 (returns at once, no alarm):
 *      "empty r=R\n";
 *   then closes the channel and exits 0. */
#include <xabi/runtime.h>

#include "xabi/xabi.h"

static uint64_t ms_since(uint64_t t0) { return (xabi_time_now() - t0) / 1000000u; }

int xabi_main(void) {
  int64_t ch = xabi_sdk_accept_wait();
  if (ch < 0) return 1;
  const int32_t c = (int32_t)ch;

  uint64_t t0 = xabi_time_now(); /* before the client can know we poll */
  if (xabi_sdk_write_all(c, "polling\n", 8) < 0) return 2;
  struct xabi_pollfd p = {c, XABI_POLL_IN, 0, 0};
  int64_t r = xabi_poll(&p, 1, 1);
  xabi_sdk_fprint(c, "data r=%ld revents=%u waited_ms=%lu\n", (long)r, p.revents, (unsigned long)ms_since(t0));

  uint8_t byte;
  if (xabi_sdk_read_wait(c, &byte, 1) != 1) return 3;

  t0 = xabi_time_now();
  xabi_alarm_set(t0 + 50000000u);
  p.revents = 0;
  r = xabi_poll(&p, 1, 1);
  xabi_sdk_fprint(c, "alarm r=%ld revents=%u waited_ms=%lu\n", (long)r, p.revents, (unsigned long)ms_since(t0));

  r = xabi_poll(&p, 0, 1);
  xabi_sdk_fprint(c, "empty r=%ld\n", (long)r);
  xabi_close(c);
  return 0;
}
