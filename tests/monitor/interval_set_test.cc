#include "interval_set.h"

#include <gtest/gtest.h>

namespace xabi::calls {
namespace {

TEST(IntervalSet, FirstFitFillsGapsInOrder) {
  IntervalSet s;
  EXPECT_EQ(s.first_fit(100, 200, 10), 100u);
  s.insert(100, 110);
  s.insert(120, 130);
  EXPECT_EQ(s.first_fit(100, 200, 10), 110u);
  EXPECT_EQ(s.first_fit(100, 200, 11), 130u);
  EXPECT_EQ(s.first_fit(100, 140, 11), std::nullopt);
  EXPECT_EQ(s.first_fit(100, 200, 0), std::nullopt);
  EXPECT_EQ(s.total(), 20u);
}

TEST(IntervalSet, AdjacentRangesMergeSoSpanningIsCovered) {
  IntervalSet s;
  s.insert(0, 10);
  s.insert(10, 20);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_TRUE(s.covers(5, 15));
  EXPECT_FALSE(s.covers(5, 21));
  EXPECT_FALSE(s.covers(5, 5));
}

TEST(IntervalSet, RemoveSplits) {
  IntervalSet s;
  s.insert(0, 30);
  s.remove(10, 20);
  EXPECT_TRUE(s.covers(0, 10));
  EXPECT_TRUE(s.covers(20, 30));
  EXPECT_FALSE(s.covers(9, 11));
  EXPECT_TRUE(s.disjoint(10, 20));
  EXPECT_FALSE(s.disjoint(10, 21));
  EXPECT_EQ(s.total(), 20u);
  s.remove(0, 10);
  s.remove(20, 30);
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.total(), 0u);
}

}  // namespace
}  // namespace xabi::calls
