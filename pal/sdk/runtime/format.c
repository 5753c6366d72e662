/* xabi_sdk_format: a small, truncation-safe printf subset.
 *
 * Usage: see <xabi/format.h>. Written as plain portable C so the same file
 * also builds as host code (target xabi_sdk_format_host) and is checked
 * against snprintf there. Output never overruns `cap`; the returned length is
 * what the untruncated output would need, as with snprintf. */
#include <stdint.h>
#include <xabi/format.h>

/* Where output goes: the caller's buffer, with the full length still counted. */
struct sink {
  char *buf;
  size_t cap;
  size_t len;
};

static void put_char(struct sink *s, char c) {
  if (s->len + 1 < s->cap) /* keep the last byte for the terminator */
    s->buf[s->len] = c;
  ++s->len;
}

static void put_chars(struct sink *s, const char *p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    put_char(s, p[i]);
}

static size_t length_of(const char *p) {
  size_t n = 0;
  while (p[n] != '\0')
    ++n;
  return n;
}

/* A conversion's text: prefix ("-", "0x"), then padding to `width`, then body.
 * Zero padding goes between prefix and body, as printf does. */
static void put_field(struct sink *s, const char *prefix, const char *body, size_t body_len,
                      size_t width, int zero_pad) {
  size_t prefix_len = length_of(prefix);
  size_t used = prefix_len + body_len;
  size_t pad = width > used ? width - used : 0;
  for (; !zero_pad && pad > 0; --pad)
    put_char(s, ' ');
  put_chars(s, prefix, prefix_len);
  for (; pad > 0; --pad)
    put_char(s, '0');
  put_chars(s, body, body_len);
}

/* Writes v's digits at the end of digits[24]; returns where they start. */
static const char *to_digits(char digits[24], uint64_t v, unsigned base) {
  char *p = digits + 24;
  do {
    *--p = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0);
  return p;
}

static void put_unsigned(struct sink *s, const char *prefix, uint64_t v, unsigned base,
                         size_t width, int zero_pad) {
  char digits[24];
  const char *p = to_digits(digits, v, base);
  put_field(s, prefix, p, (size_t)(digits + 24 - p), width, zero_pad);
}

enum { WIDTH_MAX = 4096 }; /* a larger width is a bug, not a request */

size_t xabi_sdk_vformat(char *buf, size_t cap, const char *fmt, va_list ap) {
  struct sink s = {buf, cap, 0};
  while (*fmt != '\0') {
    if (*fmt != '%') {
      put_char(&s, *fmt++);
      continue;
    }
    const char *spec = fmt++; /* start of "%...", for echoing unknown specs */
    int zero_pad = 0, is_long = 0;
    size_t width = 0;
    while (*fmt == '0')
      zero_pad = 1, ++fmt;
    while (*fmt >= '0' && *fmt <= '9') {
      if (width < WIDTH_MAX)
        width = width * 10 + (size_t)(*fmt - '0');
      ++fmt;
    }
    if (width > WIDTH_MAX)
      width = WIDTH_MAX;
    if (*fmt == 'z') /* size_t is unsigned long on x86-64 */
      is_long = 1, ++fmt;
    else
      for (int i = 0; i < 2 && *fmt == 'l'; ++i) /* long and long long are both 64-bit */
        is_long = 1, ++fmt;

    switch (*fmt) {
    case 'd':
    case 'i': {
      int64_t v = is_long ? va_arg(ap, long) : va_arg(ap, int);
      uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN-safe */
      put_unsigned(&s, v < 0 ? "-" : "", magnitude, 10, width, zero_pad);
      break;
    }
    case 'u':
    case 'x': {
      uint64_t v = is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
      put_unsigned(&s, "", v, *fmt == 'u' ? 10 : 16, width, zero_pad);
      break;
    }
    case 'p':
      put_unsigned(&s, "0x", (uintptr_t)va_arg(ap, void *), 16, width, zero_pad);
      break;
    case 'c': {
      char c = (char)va_arg(ap, int);
      put_field(&s, "", &c, 1, width, 0);
      break;
    }
    case 's': {
      const char *str = va_arg(ap, const char *);
      if (str == NULL)
        str = "(null)";
      put_field(&s, "", str, length_of(str), width, 0);
      break;
    }
    case '%':
      put_char(&s, '%');
      break;
    default: /* unsupported or cut short: show it rather than guess */
      if (*fmt != '\0')
        ++fmt;
      put_chars(&s, spec, (size_t)(fmt - spec));
      continue;
    }
    ++fmt;
  }
  if (cap > 0)
    buf[s.len < cap ? s.len : cap - 1] = '\0';
  return s.len;
}

size_t xabi_sdk_format(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = xabi_sdk_vformat(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}
