// The rule expression language: precedence, canonical printing, errors.
#include <gtest/gtest.h>

#include "expr.h"

namespace {

using xabi::gen::parse_expr;
using xabi::gen::ParseError;

std::string canon(const std::string& s) {
  ParseError e{0, ""};
  auto x = parse_expr(s, &e);
  return x ? xabi::gen::to_string(*x) : "error: " + e.message + " @" + std::to_string(e.offset);
}

TEST(Expr, PrecedenceAndCanonicalForm) {
  EXPECT_EQ(canon("a+b*2==c||!d&&e"), "a + b * 2 == c || !d && e");
  EXPECT_EQ(canon("(a || b) && c"), "(a || b) && c");
  EXPECT_EQ(canon("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(canon("(a - b) - c"), "a - b - c");
  EXPECT_EQ(canon("mem.covers(base, base + len)"), "mem.covers(base, base + len)");
  EXPECT_EQ(canon("-x % 8"), "-x % 8");
  EXPECT_EQ(canon("!(a == b)"), "!(a == b)");
  EXPECT_EQ(canon("a && (b && c)"), "a && b && c");
  EXPECT_EQ(canon("round_up(len, PAGE)"), "round_up(len, PAGE)");
}

TEST(Expr, ErrorsCarryTheirOffset) {
  EXPECT_EQ(canon("a == (b"), "error: expected ')' at end @7");
  EXPECT_EQ(canon("a == b == c"), "error: comparisons do not chain; add parentheses @7");
  EXPECT_EQ(canon("a $ b"), "error: unexpected character '$' @2");
  EXPECT_EQ(canon("mem."), "error: expected an operation name after 'mem.' @4");
  EXPECT_EQ(canon(""), "error: unexpected end of expression @0");
  EXPECT_EQ(canon("f(a,)"), "error: unexpected ')' @4");
  // Far past 128 bits: refused, without overflowing while reading it.
  EXPECT_EQ(canon(std::string(60, '9') + " == x"), "error: integer literal too large @0");
}

TEST(Expr, Conjuncts) {
  ParseError e{0, ""};
  auto x = parse_expr("a && (b || c) && d == 1", &e);
  ASSERT_TRUE(x);
  auto parts = xabi::gen::conjuncts(*x);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(xabi::gen::to_string(*parts[1]), "b || c");
}

}  // namespace
