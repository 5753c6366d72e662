/* Guest: pushes the host to hold as much as it can on its behalf (issue 9,
 * finding 3), then exits 0.
 *
 * Arguments: MODE ORIGIN
 *   bodies  opens URL channels (POST ORIGIN/sink) until the host refuses one
 *           and writes 64 KiB pieces of request body into each until the host
 *           refuses more; then closes them all; then opens channels for GET
 *           ORIGIN/big (a large response), starts every request and reads
 *           nothing for a second.
 *   idle    the same channels, no body, no request: the baseline.
 * Exit status: 0, or 1 + the step that failed unexpectedly. */
#include <xabi/runtime.h>
#include <xabi/sdk.h>

#include "xabi/xabi.h"

static char g_piece[65536];
static char g_url[512];
static int32_t g_chans[XABI_LIMIT_CHANNELS];

static void url_of(const char *origin, const char *path) {
  size_t n = 0;
  for (const char *p = origin; *p && n + 1 < sizeof g_url; ++p) g_url[n++] = *p;
  for (const char *p = path; *p && n + 1 < sizeof g_url; ++p) g_url[n++] = *p;
  g_url[n] = 0;
}

/* Opens as many channels as the host gives; returns how many. */
static int open_all(const char *method) {
  int n = 0;
  while (n < (int)XABI_LIMIT_CHANNELS) {
    const int64_t ch = xabi_open_url(method, g_url);
    if (ch < 0) break;
    g_chans[n++] = (int32_t)ch;
  }
  return n;
}

static void close_all(int n) {
  for (int i = 0; i < n; ++i) xabi_close(g_chans[i]);
}

int xabi_main(void) {
  const char *mode = xabi_sdk_arg(1, "");
  const char *origin = xabi_sdk_arg(2, "");
  const int fill = strcmp(mode, "bodies") == 0;
  if (!fill && strcmp(mode, "idle") != 0) return 1;
  for (size_t i = 0; i < sizeof g_piece; ++i) g_piece[i] = (char)('a' + i % 26);

  url_of(origin, "/sink");
  int n = open_all("POST");
  if (n == 0) return 2;
  for (int i = 0; fill && i < n; ++i)
    for (;;) {
      const int64_t w = xabi_write(g_chans[i], g_piece, sizeof g_piece);
      if (w == XABI_E_NO_RESOURCES) break; /* the budget is spent: expected */
      if (w <= 0) return 3;
    }
  close_all(n);

  url_of(origin, "/big");
  n = open_all("GET");
  if (n == 0) return 4;
  static char byte[1];
  for (int i = 0; fill && i < n; ++i)
    if (xabi_read(g_chans[i], byte, 1) < 0) return 5; /* sends the request; 0 or a byte */
  xabi_sdk_sleep_until(xabi_time_now() + 1000000000ull);
  close_all(n);
  return 0;
}
