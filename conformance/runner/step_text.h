// How a case's trace and failures show values, call results and bytes: one
// spelling everywhere, so a trace reads the same whichever step wrote it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "xabi/meta.hpp"

namespace xabi::conform::detail {

std::string hex(uint64_t v);  // "0x1f"
// The result of call `c`: a number with its error name, or an address.
std::string show_result(const meta::CallInfo& c, int64_t r);
// `s` cut to `max` bytes, non-printable bytes and '\\' as "\\xNN".
std::string printable(const std::string& s, size_t max = 80);
// The spec's call `name` (the case parser has checked that it exists).
const meta::CallInfo& call_info(const std::string& name);

}  // namespace xabi::conform::detail
