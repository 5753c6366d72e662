// The hand-written state primitives and rule functions of the reference model.
// RegionSet is checked against a page bitmap on random operations: the model
// is only as good as these few hundred lines.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "reference/prims.h"
#include "reference/state/handle_set.h"
#include "reference/state/region_set.h"

namespace {

using xabi::ref::Int;
using xabi::ref::RegionSet;

TEST(RegionSet, MergesAdjacentAndSplitsOnPartialRemove) {
  RegionSet s;
  EXPECT_TRUE(s.insert(0x1000, 0x3000));
  EXPECT_TRUE(s.insert(0x3000, 0x4000));  // adjacent: one range
  EXPECT_EQ(s.count(), 1);
  EXPECT_EQ(s.total(), 0x3000);
  EXPECT_TRUE(s.covers(0x1000, 0x4000));
  EXPECT_FALSE(s.insert(0x2000, 0x5000));  // overlaps: refused, no change
  EXPECT_EQ(s.total(), 0x3000);
  EXPECT_TRUE(s.remove(0x2000, 0x3000));  // split
  EXPECT_EQ(s.count(), 2);
  EXPECT_FALSE(s.covers(0x1000, 0x4000));
  EXPECT_TRUE(s.disjoint(0x2000, 0x3000));
  EXPECT_FALSE(s.remove(0x1000, 0x3000));  // not wholly covered: refused
  EXPECT_EQ(s.total(), 0x2000);
}

TEST(RegionSet, EmptyAndMalformedRanges) {
  RegionSet s;
  EXPECT_TRUE(s.insert(0x1000, 0x2000));
  EXPECT_TRUE(s.covers(0x5000, 0x5000));
  EXPECT_TRUE(s.disjoint(0x1800, 0x1800));
  EXPECT_FALSE(s.covers(0x2000, 0x1000));
  EXPECT_FALSE(s.disjoint(0x9000, 0x8000));
  EXPECT_FALSE(s.insert(0x9000, 0x8000));
  EXPECT_FALSE(s.remove(0x2000, 0x1000));
  // Ranges past 2^64 do not wrap in the model.
  Int big = static_cast<Int>(~0ull) + 1;
  EXPECT_FALSE(s.covers(0x1000, big));
  EXPECT_TRUE(s.disjoint(big - 0x1000, big + 0x1000));
}

TEST(RegionSet, AgreesWithAPageBitmap) {
  constexpr int kPages = 64;
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    RegionSet s;
    std::vector<bool> bits(kPages, false);
    for (int op = 0; op < 100; ++op) {
      int a = static_cast<int>(rng() % (kPages + 1)), b = static_cast<int>(rng() % (kPages + 1));
      if (a > b) std::swap(a, b);
      bool all = true, none = true;
      for (int p = a; p < b; ++p) (bits[p] ? none : all) = false;
      ASSERT_EQ(s.covers(a * 4096, b * 4096), all);
      ASSERT_EQ(s.disjoint(a * 4096, b * 4096), none);
      if (rng() % 2) {
        ASSERT_EQ(s.insert(a * 4096, b * 4096), none);
        if (none)
          for (int p = a; p < b; ++p) bits[p] = true;
      } else {
        ASSERT_EQ(s.remove(a * 4096, b * 4096), all);
        if (all)
          for (int p = a; p < b; ++p) bits[p] = false;
      }
      Int total = 0, runs = 0;
      for (int p = 0; p < kPages; ++p) {
        total += bits[p] ? 4096 : 0;
        runs += bits[p] && (p == 0 || !bits[p - 1]);
      }
      ASSERT_EQ(s.total(), total);
      ASSERT_EQ(s.count(), runs);
    }
  }
}

TEST(HandleSet, AddRemoveContains) {
  xabi::ref::HandleSet h{0};
  EXPECT_TRUE(h.contains(0));
  EXPECT_TRUE(h.add(3));
  EXPECT_FALSE(h.add(3));
  EXPECT_EQ(h.count(), 2);
  EXPECT_TRUE(h.remove(3));
  EXPECT_FALSE(h.remove(3));
  EXPECT_FALSE(h.contains(3));
}

TEST(Prims, EuclideanDivision) {
  using namespace xabi::ref;
  EXPECT_EQ(emod(-1, 256), 255);
  EXPECT_EQ(ediv(-1, 256), -1);
  EXPECT_EQ(emod(513, 256), 1);
  EXPECT_EQ(round_up(1, 4096), 4096);
  EXPECT_EQ(round_up(4096, 4096), 4096);
  EXPECT_EQ(round_up(0, 4096), 0);
}

TEST(Prims, HttpUrls) {
  using xabi::ref::http_url_ok;
  for (const char* ok : {"http://a.test", "http://a.test/", "HTTP://A.test:8080/x?y=1&z", "http://[::1]:80/", "http://127.0.0.1:1/"})
    EXPECT_TRUE(http_url_ok(ok)) << ok;
  for (const char* bad : {"", "http://", "https://a.test/", "http://u@a.test/", "http://a.test:0/", "http://a.test:65536/",
                          "http://a.test:/", "http://a.test/#f g", "http://a.test/a b", "http://a.test?x", "ftp://a.test/",
                          "http://a_b.test/", "http://[]/", "http://a.test:1234567/"})
    EXPECT_FALSE(http_url_ok(bad)) << bad;
  EXPECT_TRUE(http_url_ok(std::string("http://a.test/\x7e")));
  EXPECT_TRUE(http_url_ok("http://a.test/x#frag"));  // dropped, not refused
  EXPECT_FALSE(http_url_ok(std::string("http://a.test/\x7f")));
}

TEST(Prims, SameOrigin) {
  using xabi::ref::same_origin;
  EXPECT_TRUE(same_origin("http://App.Test/x", "http://app.test"));
  EXPECT_TRUE(same_origin("http://app.test:80/x", "http://app.test"));
  EXPECT_FALSE(same_origin("http://app.test:81/x", "http://app.test"));
  EXPECT_FALSE(same_origin("http://app.test.evil/x", "http://app.test"));
  EXPECT_FALSE(same_origin("http://app.test/x", "http://app.test/path"));  // an origin has no path
  EXPECT_FALSE(same_origin("http://app.test/x", ""));
}

}  // namespace
