// See step_text.h.
#include "step_text.h"

#include <cstdio>
#include <sstream>

namespace xabi::conform::detail {

std::string hex(uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

std::string show_result(const meta::CallInfo& c, int64_t r) {
  std::string s = std::to_string(r);
  if (r < 0)
    if (auto n = meta::error_name(r); !n.empty()) s += " (" + std::string(n) + ")";
  if (c.result == meta::Type::kPtr) s = hex(static_cast<uint64_t>(r));
  return s;
}

std::string printable(const std::string& s, size_t max) {
  std::string o;
  for (unsigned char ch : s.substr(0, max)) {
    if (ch >= 32 && ch < 127 && ch != '\\') o += static_cast<char>(ch);
    else {
      char b[8];
      snprintf(b, sizeof b, "\\x%02x", ch);
      o += b;
    }
  }
  if (s.size() > max) o += "...(" + std::to_string(s.size()) + " bytes)";
  return o;
}

const meta::CallInfo& call_info(const std::string& name) { return *meta::find_call(name); }

}  // namespace xabi::conform::detail
