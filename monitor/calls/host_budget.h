// host_budget.h: the bytes the host holds on one picoprocess's behalf, against
// the spec's LIMIT_HOST_BYTES. URL channels take their response window when
// they open and their request body as it is written; what they hold goes back
// when they close. Beyond the budget a call answers E_NO_RESOURCES and nothing
// else is affected (docs/security-model.md). Used on the loop thread only.
//
//   HostBudget b(XABI_LIMIT_HOST_BYTES);
//   if (!b.take(window)) return XABI_E_NO_RESOURCES;   // all or nothing
//   size_t n = b.take_up_to(len);                       // as much as fits
//   b.give(n);
#pragma once

#include <algorithm>
#include <cstddef>

namespace xabi::calls {

class HostBudget {
 public:
  explicit HostBudget(size_t limit) : limit_(limit) {}
  bool take(size_t n) {
    if (n > limit_ - used_) return false;
    used_ += n;
    return true;
  }
  size_t take_up_to(size_t n) {
    const size_t got = std::min(n, limit_ - used_);
    used_ += got;
    return got;
  }
  void give(size_t n) { used_ -= std::min(n, used_); }
  size_t used() const { return used_; }
  size_t limit() const { return limit_; }

 private:
  size_t limit_;
  size_t used_ = 0;
};

}  // namespace xabi::calls
