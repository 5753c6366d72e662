/* http: a tiny web server. Each connection gets one HTTP/1.1 response with a
 * page that says which picoprocess served it, then the connection is closed.
 *   xabi-host run --listen tcp:127.0.0.1:8080 build/examples/http [-- COUNT]
 *   curl http://127.0.0.1:8080/ */
#include <xabi/format.h>
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

/* Reads until the blank line that ends the request head (bodies are ignored). */
static int read_head(int32_t ch, char *buf, size_t cap, size_t *len) {
  *len = 0;
  while (*len + 1 < cap) {
    int64_t n = xabi_sdk_read_wait(ch, buf + *len, cap - 1 - *len);
    if (n < 0) return -1;
    *len += (size_t)n;
    buf[*len] = 0;
    for (size_t i = 0; i + 3 < *len; ++i)
      if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') return 0;
  }
  return -1;
}

int xabi_main(void) {
  uint64_t count = xabi_sdk_arg_u64(1, (uint64_t)-1);
  static char req[8192];
  static char page[1024];
  static char head[256];
  for (uint64_t served = 0; served < count; ++served) {
    int64_t ch = xabi_sdk_accept_wait();
    if (ch < 0) return 1;
    size_t len;
    if (read_head((int32_t)ch, req, sizeof req, &len) == 0) {
      /* The request target: between the first two spaces. */
      char path[128] = "/";
      char *sp = 0;
      for (size_t i = 0; i < len; ++i)
        if (req[i] == ' ') { sp = req + i + 1; break; }
      if (sp) {
        size_t k = 0;
        while (sp[k] && sp[k] != ' ' && k + 1 < sizeof path) { path[k] = sp[k]; ++k; }
        path[k] = 0;
      }
      size_t body = xabi_sdk_format(page, sizeof page,
                                    "<!doctype html><title>xabi</title><h1>Hello from a picoprocess</h1>"
                                    "<p>You asked for %s; this is response %lu.</p>\n",
                                    path, (unsigned long)served + 1);
      size_t hl = xabi_sdk_format(head, sizeof head,
                                  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %lu\r\nConnection: close\r\n\r\n",
                                  (unsigned long)body);
      xabi_sdk_write_all((int32_t)ch, head, hl);
      xabi_sdk_write_all((int32_t)ch, page, body);
    }
    xabi_close((int32_t)ch);
  }
  return 0;
}
