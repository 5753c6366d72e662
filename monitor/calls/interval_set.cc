#include "interval_set.h"

namespace xabi::calls {

bool IntervalSet::covers(uint64_t b, uint64_t e) const {
  if (b >= e) return false;
  auto it = ranges_.upper_bound(b);  // first range starting after b
  if (it == ranges_.begin()) return false;
  --it;  // the range starting at or before b; merged ranges mean one must hold all
  return it->first <= b && e <= it->second;
}

bool IntervalSet::disjoint(uint64_t b, uint64_t e) const {
  if (b >= e) return true;
  auto it = ranges_.lower_bound(e);  // first range starting at or after e
  if (it == ranges_.begin()) return true;
  --it;  // last range starting before e
  return it->second <= b;
}

std::optional<uint64_t> IntervalSet::first_fit(uint64_t lo, uint64_t hi, uint64_t len) const {
  if (len == 0 || lo > hi || hi - lo < len) return std::nullopt;
  uint64_t cur = lo;
  for (const auto& [b, e] : ranges_) {
    if (e <= cur) continue;
    if (b >= hi) break;
    if (b > cur && b - cur >= len) return cur;
    if (e > cur) cur = e;
    if (cur >= hi) return std::nullopt;
  }
  if (hi - cur >= len) return cur;
  return std::nullopt;
}

void IntervalSet::insert(uint64_t b, uint64_t e) {
  total_ += e - b;
  auto next = ranges_.lower_bound(b);
  if (next != ranges_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == b) {  // merge with the range ending at b
      b = prev->first;
      ranges_.erase(prev);
    }
  }
  if (next != ranges_.end() && next->first == e) {  // merge with the range starting at e
    e = next->second;
    ranges_.erase(next);
  }
  ranges_[b] = e;
}

void IntervalSet::remove(uint64_t b, uint64_t e) {
  auto it = std::prev(ranges_.upper_bound(b));
  const uint64_t rb = it->first, re = it->second;
  ranges_.erase(it);
  if (rb < b) ranges_[rb] = b;
  if (e < re) ranges_[e] = re;
  total_ -= e - b;
}

}  // namespace xabi::calls
