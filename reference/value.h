// Values the reference model computes with. Integers are mathematical within
// 128 bits: a 64-bit argument plus a 64-bit length never wraps, so the model
// cannot be fooled by the overflow a host might suffer.
#pragma once

#include <string>
#include <vector>

namespace xabi::ref {

using Int = __int128;

// One argument of a call: an integer, or the bytes of a string argument as
// the callee copied them (up to the NUL, or max_len + 1 bytes without one).
struct Arg {
  Int i = 0;
  std::string s;
  bool is_str = false;

  static Arg num(Int v) { return Arg{v, {}, false}; }
  static Arg str(std::string v) { return Arg{0, std::move(v), true}; }
};

using Args = std::vector<Arg>;

std::string to_string(Int v);
std::string to_hex(Int v);

}  // namespace xabi::ref
