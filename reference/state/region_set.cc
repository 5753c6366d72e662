#include "reference/state/region_set.h"

namespace xabi::ref {

bool RegionSet::covers(Int lo, Int hi) const {
  if (hi < lo) return false;
  if (hi == lo) return true;
  auto it = ranges_.upper_bound(lo);  // first range starting after lo
  if (it == ranges_.begin()) return false;
  --it;  // the range starting at or before lo
  return it->first <= lo && hi <= it->second;
}

bool RegionSet::disjoint(Int lo, Int hi) const {
  if (hi < lo) return false;
  if (hi == lo) return true;
  auto it = ranges_.lower_bound(hi);  // first range starting at or after hi
  if (it == ranges_.begin()) return true;
  --it;  // the last range starting before hi
  return it->second <= lo;
}

bool RegionSet::insert(Int lo, Int hi) {
  if (!disjoint(lo, hi)) return false;
  if (hi == lo) return true;
  total_ += hi - lo;
  // Merge with a neighbour ending at lo and one starting at hi.
  auto next = ranges_.find(hi);
  if (next != ranges_.end()) {
    hi = next->second;
    ranges_.erase(next);
  }
  auto it = ranges_.lower_bound(lo);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second == lo) {
      prev->second = hi;
      return true;
    }
  }
  ranges_[lo] = hi;
  return true;
}

bool RegionSet::remove(Int lo, Int hi) {
  if (!covers(lo, hi)) return false;
  if (hi == lo) return true;
  auto it = std::prev(ranges_.upper_bound(lo));
  Int start = it->first, end = it->second;
  ranges_.erase(it);
  if (start < lo) ranges_[start] = lo;
  if (hi < end) ranges_[hi] = end;
  total_ -= hi - lo;
  return true;
}

}  // namespace xabi::ref
