/* The dispatch table the guest was handed, and the SDK's two uses of it.
 *
 * Usage: guests call the ABI through <xabi/xabi.h> (xabi_time_now() etc.),
 * which jumps through xabi_dispatch_table, set here by xabi_sdk_start before
 * any guest code runs. xabi_sdk_exit() and xabi_sdk_console_write() are the
 * SDK's own conveniences on top of it. */
#include <xabi/sdk.h>

#include "start.h"
#include "xabi/xabi.h"

const struct xabi_dispatch *xabi_dispatch_table;

/* A table we cannot read is an unusable host: trap rather than guess. */
void xabi_sdk_set_table(const void *table) {
  const struct xabi_dispatch *t = table;
  if (t == 0 || t->abi_version != XABI_ABI_VERSION || t->n_calls != XABI_CALL_LIMIT - 1)
    xabi_sdk_trap();
  xabi_dispatch_table = t;
}

const void *xabi_sdk_table(void) { return xabi_dispatch_table; }

void xabi_sdk_exit(int status) {
  xabi_exit(status);
  __builtin_trap(); /* a host whose exit returns is broken */
}

/* The console channel, opened on first use; -1 until then. Racing first
 * writers may each open one; the loser's stays open, which is harmless. */
static int64_t g_console = -1;

long xabi_sdk_console_write(const void *buf, unsigned long len) {
  int64_t ch = __atomic_load_n(&g_console, __ATOMIC_ACQUIRE);
  if (ch < 0) {
    ch = xabi_console();
    if (ch < 0)
      return (long)ch; /* e.g. XABI_E_UNSUPPORTED: no console on this host */
    __atomic_store_n(&g_console, ch, __ATOMIC_RELEASE);
  }
  const volatile uint32_t *ready = &((const struct xabi_alarms *)xabi_alarms())->channels;
  unsigned long done = 0;
  while (done < len) {
    /* Read the readiness word before writing, so a bump in between is seen. */
    const uint32_t seen = *ready;
    unsigned long chunk = len - done;
    if (chunk > XABI_LIMIT_IO)
      chunk = XABI_LIMIT_IO;
    int64_t n = xabi_write(ch, (const char *)buf + done, chunk);
    if (n < 0)
      return done > 0 ? (long)done : (long)n;
    if (n == 0) { /* not ready: wait for the channels alarm to move */
      struct xabi_zutex_spec spec = {(uint64_t)(uintptr_t)ready, seen, 0};
      xabi_zutex_wait(&spec, 1);
    }
    done += (unsigned long)n;
  }
  return (long)done;
}
