// A set of page ranges, kept as disjoint, non-adjacent half-open intervals
// [lo, hi) (adjacent ones are merged, so a free may span two allocations).
// The primitive behind REGION_SET components (the memory map).
//
// Ranges with hi < lo are malformed: no query holds for them and no effect
// applies. Empty ranges (lo == hi) are covered by and disjoint from anything.
#pragma once

#include <map>

#include "reference/value.h"

namespace xabi::ref {

class RegionSet {
 public:
  bool covers(Int lo, Int hi) const;    // every byte of [lo, hi) is in the set
  bool disjoint(Int lo, Int hi) const;  // no byte of [lo, hi) is in the set
  Int total() const { return total_; }  // bytes in the set
  Int count() const { return static_cast<Int>(ranges_.size()); }  // maximal ranges

  // Effects: false (and no change) when the precondition fails.
  bool insert(Int lo, Int hi);  // requires disjoint(lo, hi)
  bool remove(Int lo, Int hi);  // requires covers(lo, hi)

  const std::map<Int, Int>& ranges() const { return ranges_; }  // lo -> hi

 private:
  std::map<Int, Int> ranges_;
  Int total_ = 0;
};

}  // namespace xabi::ref
