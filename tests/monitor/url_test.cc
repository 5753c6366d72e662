#include "url.h"

#include <gtest/gtest.h>

#include "call_server.h"

namespace xabi::calls {
namespace {

TEST(Url, AcceptsTheGrammar) {
  auto u = parse_http_url("HTTP://Example.COM:8080/a/b?c=d");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/a/b?c=d");
  u = parse_http_url("http://h");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "/");
  EXPECT_TRUE(parse_http_url("http://[::1]:81/"));
}

TEST(Url, DropsTheFragment) {
  // A browser never sends the fragment: neither does the host (issue 9, finding 5).
  auto u = parse_http_url("http://h/a?b#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, "/a?b");
  u = parse_http_url("http://h:81#x#y");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 81);
  EXPECT_EQ(u->path, "/");
}

TEST(Url, RefusesEverythingElse) {
  for (const char* bad : {"", "http://", "https://h/", "ftp://h", "http://user@h/", "http://h/#a b", "http://h/#\x7f",
                          "http://h/a b", "http://h:0/", "http://h:65536/", "http://h:/", "http://h?x",
                          "http://[]/", "http://[zz]/", "http://h/\x7f", "http://h:0000080x", "//h/"})
    EXPECT_FALSE(parse_http_url(bad)) << bad;
}

TEST(Url, SameOriginComparesHostCaseInsensitivelyAndDefaultPort) {
  auto o = parse_origin("http://Example.com");
  ASSERT_TRUE(o);
  EXPECT_TRUE(same_origin(*parse_http_url("http://example.COM:80/x"), *o));
  EXPECT_FALSE(same_origin(*parse_http_url("http://example.com:81/x"), *o));
  EXPECT_FALSE(same_origin(*parse_http_url("http://other.com/x"), *o));
  EXPECT_FALSE(parse_origin("http://h/path"));
}

TEST(Url, Methods) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE"}) EXPECT_TRUE(http_method_ok(m));
  for (const char* m : {"get", "PATCH", "", "GETT"}) EXPECT_FALSE(http_method_ok(m));
}

}  // namespace
}  // namespace xabi::calls
