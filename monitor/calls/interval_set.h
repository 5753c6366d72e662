// interval_set.h: the allocated page ranges of one arena, kept merged, with
// first-fit placement. Pure bookkeeping (no OS calls) so the rules of
// xabi_alloc/xabi_free can be tested on their own.
//
//   IntervalSet s;
//   auto at = s.first_fit(lo, hi, len);   // std::nullopt: no gap of len bytes
//   s.insert(*at, *at + len);
//   if (s.covers(b, e)) s.remove(b, e);   // partial frees split ranges
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace xabi::calls {

class IntervalSet {
 public:
  // [b, e) lies wholly inside allocated memory (adjacent ranges merge, so a
  // range spanning two adjacent allocations is covered). Empty ranges are not.
  bool covers(uint64_t b, uint64_t e) const;
  // No byte of [b, e) is allocated.
  bool disjoint(uint64_t b, uint64_t e) const;
  // Lowest start s >= lo with [s, s+len) disjoint from every range and
  // s + len <= hi.
  std::optional<uint64_t> first_fit(uint64_t lo, uint64_t hi, uint64_t len) const;
  // Preconditions (checked by the caller): b < e, disjoint(b, e).
  void insert(uint64_t b, uint64_t e);
  // Precondition: covers(b, e).
  void remove(uint64_t b, uint64_t e);
  uint64_t total() const { return total_; }
  size_t count() const { return ranges_.size(); }

 private:
  std::map<uint64_t, uint64_t> ranges_;  // start -> end, merged, disjoint
  uint64_t total_ = 0;
};

}  // namespace xabi::calls
