// Values the reference model computes with. Integers are mathematical within
// 128 bits: a 64-bit argument plus a 64-bit length never wraps, so the model
// cannot be fooled by the overflow a host might suffer.
#pragma once

#include <string>
#include <vector>

namespace xabi::ref {

using Int = __int128;

// One argument of a call: an integer, or the bytes of a string argument as
// the callee copied them (up to the NUL, or max_len + 1 bytes without one),
// or a string whose address was not guest memory (`unreadable`: the rules'
// readable(s) is false, and its bytes are unknown; the observer says so only
// when the address is outside guest memory by the spec's own criteria).
struct Arg {
  Int i = 0;
  std::string s;
  bool is_str = false;
  bool unreadable = false;

  static Arg num(Int v) { return Arg{v, {}, false, false}; }
  static Arg str(std::string v) { return Arg{0, std::move(v), true, false}; }
  static Arg str_at(Int address) { return Arg{address, {}, true, true}; }
};

using Args = std::vector<Arg>;

std::string to_string(Int v);
std::string to_hex(Int v);

}  // namespace xabi::ref
