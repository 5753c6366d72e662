// One integer (the clock, the alarm, the exit status): the primitive behind
// CELL components.
#pragma once

#include "reference/value.h"

namespace xabi::ref {

class Cell {
 public:
  Cell() = default;
  explicit Cell(Int v) : v_(v) {}
  Int get() const { return v_; }
  bool set(Int v) {
    v_ = v;
    return true;
  }

 private:
  Int v_ = 0;
};

}  // namespace xabi::ref
