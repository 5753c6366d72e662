// A set of integer ids (channels, threads, sleepers): the primitive behind
// HANDLE_SET components.
#pragma once

#include <initializer_list>
#include <set>

#include "reference/value.h"

namespace xabi::ref {

class HandleSet {
 public:
  HandleSet() = default;
  HandleSet(std::initializer_list<Int> members) : ids_(members) {}

  bool contains(Int id) const { return ids_.count(id) != 0; }
  Int count() const { return static_cast<Int>(ids_.size()); }

  // Effects: false (and no change) when the precondition fails.
  bool add(Int id) { return ids_.insert(id).second; }   // requires !contains(id)
  bool remove(Int id) { return ids_.erase(id) == 1; }    // requires contains(id)

  const std::set<Int>& ids() const { return ids_; }

 private:
  std::set<Int> ids_;
};

}  // namespace xabi::ref
