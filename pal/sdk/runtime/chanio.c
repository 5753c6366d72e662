/* Channel I/O that waits on the host's alarm words instead of spinning. The
 * pattern everywhere: read the alarm word, try the operation, and only if it
 * was not ready wait for the word to move (so no wake-up can be lost). */
#include <stdarg.h>
#include <xabi/format.h>
#include <xabi/runtime.h>

#include "xabi/xabi.h"

static const struct xabi_alarms *alarms(void) { return (const struct xabi_alarms *)xabi_alarms(); }

uint32_t xabi_sdk_channels_seen(void) { return __atomic_load_n(&alarms()->channels, __ATOMIC_ACQUIRE); }

void xabi_sdk_wait_channels(uint32_t seen) {
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&alarms()->channels, seen, 0};
  (void)xabi_zutex_wait(&s, 1);
}

int64_t xabi_sdk_accept_wait(void) {
  for (;;) {
    uint32_t seen = xabi_sdk_channels_seen();
    int64_t ch = xabi_accept();
    if (ch != XABI_E_AGAIN) return ch;
    xabi_sdk_wait_channels(seen);
  }
}

int64_t xabi_sdk_read_wait(int32_t ch, void *buf, uint64_t len) {
  if (len == 0) return 0;
  for (;;) {
    uint32_t seen = xabi_sdk_channels_seen();
    int64_t r = xabi_read(ch, buf, len);
    if (r != 0) return r;
    xabi_sdk_wait_channels(seen);
  }
}

int64_t xabi_sdk_write_all(int32_t ch, const void *buf, uint64_t len) {
  const uint8_t *p = buf;
  uint64_t done = 0;
  while (done < len) {
    uint64_t part = len - done > XABI_LIMIT_IO ? XABI_LIMIT_IO : len - done;
    uint32_t seen = xabi_sdk_channels_seen();
    int64_t r = xabi_write(ch, p + done, part);
    if (r < 0) return r;
    if (r == 0) {
      xabi_sdk_wait_channels(seen);
      continue;
    }
    done += (uint64_t)r;
  }
  return (int64_t)len;
}

int64_t xabi_sdk_fprint(int32_t ch, const char *fmt, ...) {
  char line[XABI_SDK_PRINT_MAX];
  va_list ap;
  va_start(ap, fmt);
  size_t n = xabi_sdk_vformat(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n >= sizeof line) n = sizeof line - 1;
  return xabi_sdk_write_all(ch, line, n);
}

void xabi_sdk_sleep_until(uint64_t deadline_ns) {
  const struct xabi_alarms *a = alarms();
  while (xabi_time_now() < deadline_ns) {
    uint32_t seen = __atomic_load_n(&a->clock, __ATOMIC_ACQUIRE);
    xabi_alarm_set(deadline_ns);
    if (xabi_time_now() >= deadline_ns) break;
    struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&a->clock, seen, 0};
    (void)xabi_zutex_wait(&s, 1);
  }
}
