/* http: a small HTTP/1.1 server. Every GET or HEAD gets a page that says which
 * picoprocess served it and echoes the request target, HTML-escaped.
 *
 *   xabi-host run --listen tcp:127.0.0.1:8080 build/examples/http [-- COUNT [IDLE_SECONDS]]
 *   curl http://127.0.0.1:8080/hello
 *
 * One thread serves up to MAX_CONNS connections at once: a non-blocking
 * xabi_poll says which are ready, and when nothing is, the loop sleeps on the
 * channels and clock alarm words. While every slot is taken new connections
 * wait in the host's backlog. Connections persist (HTTP/1.1 unless the client
 * sends "Connection: close"; HTTP/1.0 only with "Connection: keep-alive") and
 * pipelined requests are answered in order. A connection has IDLE_SECONDS
 * (default 5) to send each request head in full, and may not go longer than
 * that without taking response bytes or sending body bytes; then it is closed
 * (with 408 if a request had begun). After COUNT responses of any status
 * (default: no limit) the server finishes writing them and exits 0.
 *
 * Requests are parsed per RFC 9112; a bare LF ends a line as CRLF does:
 *   not a request line or header field, two Host fields (or none in 1.1),
 *   a bad or conflicting Content-Length      -> 400, connection closed
 *   request target over MAX_TARGET bytes     -> 414, closed
 *   request head over IN_CAP bytes           -> 431, closed
 *   a version other than HTTP/1.0 or 1.1     -> 505, closed
 *   any Transfer-Encoding (not decoded)      -> 501, closed
 *   a method other than GET or HEAD          -> 501; the connection persists
 * A Content-Length body is read and discarded. The target is echoed as sent
 * (not percent-decoded). A picoprocess has no wall clock, so there is no Date
 * field (RFC 9110 6.6.1). */
#include <stdbool.h>
#include <xabi/format.h>
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

enum {
  MAX_CONNS = 32,     /* well under LIMIT_CHANNELS (64) */
  IN_CAP = 8192,      /* the largest request head */
  MAX_TARGET = 1024,  /* the longest request target */
  OUT_CAP = 8192,     /* one response: the page with MAX_TARGET escaped bytes */
  DRAIN_READS = 8,    /* reads of unread input before a close (see close_conn) */
  TURN_STEPS = 64,    /* steps one connection may take before the others' turn */
};
#define NS_PER_S 1000000000ull
#define DEFAULT_IDLE_SECONDS 5

/* One client connection; ch < 0 marks a free slot. */
struct conn {
  int32_t ch;
  bool eof;           /* the client sent end of stream */
  bool close_after;   /* close once out is written */
  uint64_t body_left; /* request body bytes still to discard */
  uint64_t deadline;  /* closed when the clock reaches this (ns) */
  size_t in_len, out_len, out_done;
  char in[IN_CAP];
  char out[OUT_CAP];
};

static struct conn conns[MAX_CONNS];
static uint64_t served, budget, idle_ns;

static bool budget_spent(void) { return served >= budget; }

/* ---- parsing helpers (RFC 9110 5.6.2 token, 5.5 field values) */

static bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  for (const char *p = "!#$%&'*+-.^_`|~"; *p; ++p)
    if (c == *p) return true;
  return false;
}

static size_t token_len(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && is_tchar(s[i])) ++i;
  return i;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* s[0..n) equals the lower-case literal lit, ignoring case. */
static bool eq_nocase(const char *s, size_t n, const char *lit) {
  if (n != strlen(lit)) return false;
  for (size_t i = 0; i < n; ++i)
    if (lower(s[i]) != lit[i]) return false;
  return true;
}

static bool eq(const char *s, size_t n, const char *lit) { return n == strlen(lit) && memcmp(s, lit, n) == 0; }

/* Length of the line at s (up to, not including, its LF; a CR before the LF
 * is not part of it), and in *next where the following line starts. False
 * when no LF has arrived yet. */
static bool next_line(const char *s, size_t n, size_t *len, size_t *next) {
  const char *lf = 0;
  for (size_t i = 0; i < n && !lf; ++i)
    if (s[i] == '\n') lf = s + i;
  if (!lf) return false;
  *len = (size_t)(lf - s);
  if (*len > 0 && s[*len - 1] == '\r') --*len;
  *next = (size_t)(lf - s) + 1;
  return true;
}

/* Bytes from the start of buf through the empty line that ends the head, or
 * 0 when that line has not arrived yet. */
static size_t head_length(const char *buf, size_t n) {
  size_t at = 0, len, next;
  while (next_line(buf + at, n - at, &len, &next)) {
    at += next;
    if (len == 0) return at;
  }
  return 0;
}

/* ---- the request */

struct request {
  const char *method, *target;
  size_t method_len, target_len;
  int minor;                /* HTTP/1.minor */
  bool head;                /* HEAD: the response has no body */
  bool close, keep_alive;   /* Connection options seen */
  bool transfer_encoding, expect_continue;
  int hosts, lengths;       /* Host and Content-Length fields seen */
  uint64_t content_length;
};

/* method SP request-target SP HTTP-version (RFC 9112 3). 0 or a status. */
static int parse_request_line(const char *l, size_t n, struct request *r) {
  size_t i = token_len(l, n);
  if (i == 0 || i == n || l[i] != ' ') return 400;
  r->method = l;
  r->method_len = i;
  r->head = eq(l, i, "HEAD");
  const size_t t = ++i;
  while (i < n && l[i] > ' ' && l[i] < 0x7f) ++i;
  if (i == t || i == n || l[i] != ' ') return 400;
  r->target = l + t;
  r->target_len = i - t;
  const char *v = l + i + 1;
  if (n - i - 1 != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
      v[7] > '9')
    return 400;
  if (v[5] != '1' || v[7] > '1') return 505;
  r->minor = v[7] - '0';
  return r->target_len > MAX_TARGET ? 414 : 0;
}

/* The decimal Content-Length value (1*DIGIT); false when malformed or huge. */
static bool parse_length(const char *s, size_t n, uint64_t *out) {
  if (n == 0 || n > 18) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

/* The options of a Connection field: a comma-separated token list. */
static void parse_connection(const char *s, size_t n, struct request *r) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
    const size_t t = token_len(s + i, n - i);
    if (eq_nocase(s + i, t, "close")) r->close = true;
    if (eq_nocase(s + i, t, "keep-alive")) r->keep_alive = true;
    i += t;
    while (i < n && s[i] != ',') ++i;
  }
}

/* field-name ":" OWS field-value OWS (RFC 9112 5). 0 or a status. */
static int parse_field(const char *l, size_t n, struct request *r) {
  const size_t name = token_len(l, n);
  if (name == 0 || name == n || l[name] != ':') return 400; /* also: space before ':', obs-fold */
  size_t b = name + 1, e = n;
  while (b < e && (l[b] == ' ' || l[b] == '\t')) ++b;
  while (e > b && (l[e - 1] == ' ' || l[e - 1] == '\t')) --e;
  for (size_t i = b; i < e; ++i)
    if (((unsigned char)l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f) return 400;
  const char *v = l + b;
  const size_t vn = e - b;
  if (eq_nocase(l, name, "host")) {
    ++r->hosts;
  } else if (eq_nocase(l, name, "content-length")) {
    uint64_t len;
    if (!parse_length(v, vn, &len) || (r->lengths++ > 0 && len != r->content_length)) return 400;
    r->content_length = len;
  } else if (eq_nocase(l, name, "transfer-encoding")) {
    r->transfer_encoding = true;
  } else if (eq_nocase(l, name, "connection")) {
    parse_connection(v, vn, r);
  } else if (eq_nocase(l, name, "expect")) {
    r->expect_continue = eq_nocase(v, vn, "100-continue");
  }
  return 0;
}

/* The whole head (it ends with its empty line). 0 or a status. */
static int parse_head(const char *buf, size_t n, struct request *r) {
  size_t len, next;
  next_line(buf, n, &len, &next);
  int status = parse_request_line(buf, len, r);
  for (size_t at = next; status == 0 && next_line(buf + at, n - at, &len, &next) && len > 0; at += next)
    status = parse_field(buf + at, len, r);
  if (status == 0 && (r->hosts > 1 || (r->minor == 1 && r->hosts == 0))) status = 400; /* RFC 9112 3.2 */
  return status;
}

/* The path to show: the target itself in origin-form ("/..."), its path in
 * absolute-form ("http://host/...", "/" when it has none); false for any
 * other form. */
static bool target_path(const struct request *r, const char **path, size_t *len) {
  const char *t = r->target;
  const size_t n = r->target_len;
  size_t skip = 0;
  if (n >= 7 && eq_nocase(t, 7, "http://")) skip = 7;
  else if (n >= 8 && eq_nocase(t, 8, "https://")) skip = 8;
  else if (t[0] != '/') return false;
  while (skip > 0 && skip < n && t[skip] != '/' && t[skip] != '?') ++skip;
  *path = skip < n && t[skip] == '/' ? t + skip : "/";
  *len = skip < n && t[skip] == '/' ? n - skip : 1;
  return true;
}

/* ---- responses */

static const char *reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

/* s[0..n) into dst with & < > " ' as character references; NUL-terminated. */
static size_t html_escape(char *dst, size_t cap, const char *s, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n; ++i) {
    const char *rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;"
                    : s[i] == '"' ? "&quot;" : s[i] == '\'' ? "&#39;" : 0;
    const size_t k = rep ? strlen(rep) : 1;
    if (o + k >= cap) break; /* cannot happen: callers size dst for 6 bytes per byte */
    if (rep) memcpy(dst + o, rep, k);
    else dst[o] = s[i];
    o += k;
  }
  dst[o] = 0;
  return o;
}

/* Queues one response: the head, then the body unless it answers HEAD.
 * keep false closes the connection once it is written. */
static void respond(struct conn *c, int status, const char *type, const char *body, size_t body_len, bool head,
                    bool keep) {
  ++served;
  keep = keep && !budget_spent();
  c->close_after = !keep;
  size_t n = xabi_sdk_format(c->out, OUT_CAP,
                             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n",
                             status, reason(status), type, body_len, keep ? "keep-alive" : "close");
  if (!head) {
    memcpy(c->out + n, body, body_len);
    n += body_len;
  }
  c->out_len = n;
  c->out_done = 0;
}

static void respond_status(struct conn *c, int status, bool head, bool keep) {
  char text[64];
  const size_t n = xabi_sdk_format(text, sizeof text, "%d %s\n", status, reason(status));
  respond(c, status, "text/plain; charset=utf-8", text, n, head, keep);
}

static void respond_page(struct conn *c, const char *path, size_t path_len, bool head, bool keep) {
  static char escaped[6 * MAX_TARGET + 1];
  static char page[OUT_CAP];
  html_escape(escaped, sizeof escaped, path, path_len);
  const size_t n = xabi_sdk_format(page, sizeof page,
                                   "<!doctype html><title>xabi</title><h1>Hello from a picoprocess</h1>"
                                   "<p>You asked for %s; this is response %lu.</p>\n",
                                   escaped, (unsigned long)served + 1);
  respond(c, 200, "text/html; charset=utf-8", page, n, head, keep);
}
_Static_assert(6 * MAX_TARGET + 512 <= OUT_CAP, "a page with the longest target fits in one response");
_Static_assert(OUT_CAP <= XABI_LIMIT_IO, "one xabi_write can take a whole response");

/* Answers the complete head at the start of c->in (head_len bytes). */
static void handle_request(struct conn *c, size_t head_len) {
  struct request r = {0};
  const char *path;
  size_t path_len;
  int status = parse_head(c->in, head_len, &r);
  if (status == 0 && r.transfer_encoding) status = 501;
  if (status != 0) {
    respond_status(c, status, r.head, false);
    return;
  }
  /* The body follows; when the client waits for 100 Continue before sending
   * it, closing is the only way to keep the framing. */
  c->body_left = r.content_length;
  const bool keep = !r.close && (r.minor == 1 || r.keep_alive) && !(r.expect_continue && r.content_length > 0);
  if (!eq(r.method, r.method_len, "GET") && !r.head)
    respond_status(c, 501, false, keep);
  else if (!target_path(&r, &path, &path_len))
    respond_status(c, 400, r.head, false);
  else
    respond_page(c, path, path_len, r.head, keep);
}

/* ---- one connection */

static void drop_input(struct conn *c, size_t n) {
  memmove(c->in, c->in + n, c->in_len - n);
  c->in_len -= n;
}

/* Uses what c->in holds: discards body bytes, skips empty lines before a
 * request line (RFC 9112 2.2), answers a complete head. False when it needs
 * more input. */
static bool consume_input(struct conn *c, uint64_t now) {
  size_t len, next;
  if (c->body_left > 0) {
    const size_t n = c->in_len < c->body_left ? c->in_len : (size_t)c->body_left;
    if (n == 0) return false;
    drop_input(c, n);
    c->body_left -= n;
    c->deadline = now + idle_ns; /* a body in progress is not idle */
    return true;
  }
  if (next_line(c->in, c->in_len, &len, &next) && len == 0) {
    drop_input(c, next);
    return true;
  }
  const size_t head = head_length(c->in, c->in_len);
  if (head > 0) {
    handle_request(c, head);
    drop_input(c, head);
    return true;
  }
  if (c->in_len < IN_CAP) return false;
  /* Full without a head: too long a request line, or too many fields. */
  respond_status(c, next_line(c->in, c->in_len, &len, &next) ? 431 : 414, false, false);
  return true;
}

/* Closes the channel. Input still unread when a socket closes makes the
 * kernel reset the connection, which can destroy the response just sent, so
 * what has already arrived is read away first. */
static void close_conn(struct conn *c) {
  static char sink[IN_CAP];
  for (int i = 0; i < DRAIN_READS && xabi_read(c->ch, sink, sizeof sink) > 0; ++i) {
  }
  xabi_close(c->ch);
  c->ch = -1;
}

/* Writes what it can of c->out: bytes moved, 0 not ready, or an error. */
static int64_t flush(struct conn *c) {
  const int64_t w = xabi_write(c->ch, c->out + c->out_done, c->out_len - c->out_done);
  if (w > 0) {
    c->out_done += (size_t)w;
    if (c->out_done == c->out_len) c->out_len = c->out_done = 0;
  }
  return w;
}

enum step { WAIT, MOVED, DONE };

/* One step of c: write some of its response, use buffered input, or read.
 * DONE: the connection is to be closed. */
static enum step step(struct conn *c, uint64_t now) {
  if (c->out_len > 0) {
    const int64_t w = flush(c);
    if (w < 0) return DONE;
    if (w == 0) return WAIT; /* until POLL_OUT */
    c->deadline = now + idle_ns;
    return c->out_len == 0 && c->close_after ? DONE : MOVED;
  }
  if (budget_spent()) return DONE;
  if (consume_input(c, now)) return MOVED;
  if (c->eof) return DONE; /* nothing more will come to answer */
  const int64_t r = xabi_read(c->ch, c->in + c->in_len, IN_CAP - c->in_len);
  if (r == 0) return WAIT; /* until POLL_IN */
  if (r < 0 && r != XABI_E_CLOSED) return DONE;
  if (r > 0) c->in_len += (size_t)r;
  else c->eof = true;
  return MOVED;
}

/* Steps c until it has to wait or has had its turn. True if it moved. */
static bool service(struct conn *c, uint64_t now) {
  for (int i = 0; i < TURN_STEPS; ++i) {
    const enum step s = step(c, now);
    if (s == DONE) close_conn(c);
    if (s != MOVED) return s == DONE || i > 0;
  }
  return true;
}

/* The deadline passed: a request begun gets 408, an idle connection just
 * closes (a client reuses an idle connection only if it is still open). */
static void time_out(struct conn *c) {
  if (c->out_len == 0 && c->in_len > 0 && c->body_left == 0 && !budget_spent()) {
    respond_status(c, 408, false, false);
    flush(c);
  }
  close_conn(c);
}

/* ---- the loop */

static int live_conns(void) {
  int n = 0;
  for (int i = 0; i < MAX_CONNS; ++i) n += conns[i].ch >= 0;
  return n;
}

/* Takes pending connections while there is a free slot. */
static bool accept_new(uint64_t now) {
  bool progress = false;
  for (int i = 0; i < MAX_CONNS && !budget_spent(); ++i) {
    struct conn *c = &conns[i];
    if (c->ch >= 0) continue;
    const int64_t ch = xabi_accept();
    if (ch < 0) break; /* E_AGAIN: none pending; refusals are retried on the next wake-up */
    c->ch = (int32_t)ch;
    c->eof = c->close_after = false;
    c->body_left = 0;
    c->in_len = c->out_len = c->out_done = 0;
    c->deadline = now + idle_ns;
    progress = true;
  }
  return progress;
}

/* Polls every connection once (never blocking) and services the ready ones. */
static bool serve_ready(uint64_t now) {
  struct xabi_pollfd fds[MAX_CONNS];
  struct conn *who[MAX_CONNS];
  uint32_t n = 0;
  for (int i = 0; i < MAX_CONNS; ++i) {
    if (conns[i].ch < 0) continue;
    fds[n] = (struct xabi_pollfd){conns[i].ch, conns[i].out_len > 0 ? XABI_POLL_OUT : XABI_POLL_IN, 0, 0};
    who[n++] = &conns[i];
  }
  if (n == 0 || xabi_poll(fds, n, 0) <= 0) return false;
  bool progress = false;
  for (uint32_t i = 0; i < n; ++i)
    if (fds[i].revents != 0) progress |= service(who[i], now);
  return progress;
}

/* Closes connections past their deadline, and once the budget is spent every
 * connection with nothing left to write. */
static bool reap(uint64_t now) {
  bool progress = false;
  for (int i = 0; i < MAX_CONNS; ++i) {
    struct conn *c = &conns[i];
    if (c->ch < 0) continue;
    if (now >= c->deadline) time_out(c);
    else if (budget_spent() && c->out_len == 0) close_conn(c);
    else continue;
    progress = true;
  }
  return progress;
}

/* Points the alarm at the earliest deadline (0, none, when no connection). */
static void arm_alarm(uint64_t *armed) {
  uint64_t first = 0;
  for (int i = 0; i < MAX_CONNS; ++i)
    if (conns[i].ch >= 0 && (first == 0 || conns[i].deadline < first)) first = conns[i].deadline;
  if (first != *armed) xabi_alarm_set(first);
  *armed = first;
}

int xabi_main(void) {
  budget = xabi_sdk_arg_u64(1, (uint64_t)-1);
  idle_ns = xabi_sdk_arg_u64(2, DEFAULT_IDLE_SECONDS) * NS_PER_S;
  if (idle_ns == 0) idle_ns = DEFAULT_IDLE_SECONDS * NS_PER_S;
  for (int i = 0; i < MAX_CONNS; ++i) conns[i].ch = -1;
  const struct xabi_alarms *alarms = (const struct xabi_alarms *)xabi_alarms();
  uint64_t armed = 0;
  for (;;) {
    /* Read the words before looking, so an event after the look ends the wait. */
    const uint32_t channels = __atomic_load_n(&alarms->channels, __ATOMIC_ACQUIRE);
    const uint32_t clock = __atomic_load_n(&alarms->clock, __ATOMIC_ACQUIRE);
    const uint64_t now = xabi_time_now();
    bool progress = accept_new(now);
    progress |= serve_ready(now);
    progress |= reap(now);
    if (budget_spent() && live_conns() == 0) return 0;
    arm_alarm(&armed);
    if (progress) continue;
    struct xabi_zutex_spec words[2] = {{(uint64_t)(uintptr_t)&alarms->channels, channels, 0},
                                       {(uint64_t)(uintptr_t)&alarms->clock, clock, 0}};
    (void)xabi_zutex_wait(words, 2);
  }
}
