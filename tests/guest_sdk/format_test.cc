// The SDK formatter (host build of pal/sdk/runtime/format.c): supported
// conversions match snprintf exactly, and output never overruns the buffer.
#include <gtest/gtest.h>
#include <xabi/format.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// No format attribute: lets tests pass formats -Wformat would (rightly) reject.
size_t FormatUnchecked(char* buf, size_t cap, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const size_t n = xabi_sdk_vformat(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

// Formats with both implementations; they must agree on text and length.
#define EXPECT_LIKE_SNPRINTF(...)                                     \
  do {                                                                \
    char ours[256], libc[256];                                        \
    size_t n = xabi_sdk_format(ours, sizeof ours, __VA_ARGS__);       \
    int m = std::snprintf(libc, sizeof libc, __VA_ARGS__);            \
    EXPECT_STREQ(ours, libc);                                         \
    EXPECT_EQ(n, static_cast<size_t>(m));                             \
  } while (0)

TEST(Format, MatchesSnprintf) {
  EXPECT_LIKE_SNPRINTF("plain text");
  EXPECT_LIKE_SNPRINTF("%s|%s|%c|%%", "abc", "", 'x');
  EXPECT_LIKE_SNPRINTF("%d %d %d %d", 0, -1, INT_MAX, INT_MIN);
  EXPECT_LIKE_SNPRINTF("%i %u %u", 42, 0u, UINT_MAX);
  EXPECT_LIKE_SNPRINTF("%x %x %x", 0u, 0xdeadbeefu, UINT_MAX);
  EXPECT_LIKE_SNPRINTF("%ld %ld %ld", 0l, LONG_MAX, LONG_MIN);
  EXPECT_LIKE_SNPRINTF("%lu %lx %lu", ULONG_MAX, ULONG_MAX, 12345ul);
  EXPECT_LIKE_SNPRINTF("%lld %llu %llx", LLONG_MIN, ULLONG_MAX, 0x1234ull);
  EXPECT_LIKE_SNPRINTF("%zu %zx", SIZE_MAX, size_t{255});
  EXPECT_LIKE_SNPRINTF("[%5d] [%05d] [%8x] [%08lx]", 42, -42, 0xabcu, 0xfeedul);
  EXPECT_LIKE_SNPRINTF("[%6s] [%3c] [%2s]", "ab", 'q', "long");
  int local = 0;
  EXPECT_LIKE_SNPRINTF("%p %p", static_cast<void*>(&local), reinterpret_cast<void*>(0x1000));
}

TEST(Format, NullStringAndPointer) {
  char buf[32];
  FormatUnchecked(buf, sizeof buf, "%s", static_cast<const char*>(nullptr));
  EXPECT_STREQ(buf, "(null)");
  xabi_sdk_format(buf, sizeof buf, "%p", static_cast<void*>(nullptr));
  EXPECT_STREQ(buf, "0x0");  // glibc prints "(nil)"; guests get a plain number
}

TEST(Format, TruncatesSafely) {
  char buf[8];
  std::memset(buf, '#', sizeof buf);
  EXPECT_EQ(xabi_sdk_format(buf, 5, "%s-%d", "abcdef", 123), 10u);
  EXPECT_STREQ(buf, "abcd");
  EXPECT_EQ(buf[5], '#');  // nothing written past cap

  EXPECT_EQ(xabi_sdk_format(buf, 1, "%d", 99), 2u);
  EXPECT_EQ(buf[0], '\0');

  buf[0] = '#';
  EXPECT_EQ(xabi_sdk_format(nullptr, 0, "%s", "counted"), 7u);  // cap 0: measure only
  EXPECT_EQ(xabi_sdk_format(buf, 0, "%s", "x"), 1u);
  EXPECT_EQ(buf[0], '#');
}

TEST(Format, EchoesUnsupportedConversions) {
  char buf[32];
  FormatUnchecked(buf, sizeof buf, "a%qb%");
  EXPECT_STREQ(buf, "a%qb%");
}

TEST(Format, ClampsHugeWidth) {
  char buf[16];
  const size_t n = FormatUnchecked(buf, sizeof buf, "%99999999999999999999d", 1);
  EXPECT_EQ(n, 4096u);
  EXPECT_EQ(std::string(buf), std::string(15, ' '));
}

}  // namespace
