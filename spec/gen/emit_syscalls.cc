// xabi/syscalls.hpp: the seccomp allow-list as data, for the host's filter
// builder, the filter's Z3 proof and its differential fuzzer.
#include <sstream>

#include "emit.h"

namespace xabi::gen {

std::string emit_syscalls(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << R"(#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace xabi::meta {

// A value in a check: a literal, or a launch parameter the host binds.
struct AllowValue {
  std::string_view param;  // empty: use `literal`
  uint64_t literal;
};

struct ArgCheck {
  enum class Op : uint8_t { kEq, kMaskedEq };
  uint8_t arg;
  Op op;
  AllowValue value;
  AllowValue mask;  // kMaskedEq only
};

// Allowed when every check holds; a system call may have several entries.
struct SyscallRule {
  std::string_view name;
  std::span<const ArgCheck> args;
  std::string_view doc;
};

)";
  auto value = [&](const std::string& v) -> std::string {
    for (const auto& p : abi.spec.launch_params())
      if (p.name() == v) return "{" + quote(v) + ", 0}";
    return "{\"\", " + std::to_string(std::stoull(v, nullptr, 0)) + "ull}";
  };
  o << "inline constexpr std::string_view kLaunchParams[] = {";
  for (const auto& p : abi.spec.launch_params()) o << quote(p.name()) << ", ";
  o << "};\n\nnamespace detail {\n";
  for (int i = 0; i < abi.spec.syscalls_size(); ++i) {
    const auto& sc = abi.spec.syscalls(i);
    o << "inline constexpr ArgCheck allow_" << i << "[] = {";
    for (const auto& a : sc.args()) {
      o << "{" << a.arg() << ", " << (a.op() == spec::ArgCheck::MASKED_EQ ? "ArgCheck::Op::kMaskedEq" : "ArgCheck::Op::kEq") << ", "
        << value(a.value()) << ", " << (a.mask().empty() ? std::string("{\"\", 0}") : value(a.mask())) << "}, ";
    }
    if (sc.args_size() == 0) o << "{0, ArgCheck::Op::kEq, {\"\", 0}, {\"\", 0}}";
    o << "};\n";
  }
  o << "}  // namespace detail\n\ninline constexpr SyscallRule kAllowList[] = {\n";
  for (int i = 0; i < abi.spec.syscalls_size(); ++i) {
    const auto& sc = abi.spec.syscalls(i);
    o << "    {" << quote(sc.name()) << ", std::span<const ArgCheck>(detail::allow_" << i << ", " << sc.args_size() << "), "
      << quote(sc.doc()) << "},\n";
  }
  o << "};\n\n}  // namespace xabi::meta\n";
  return o.str();
}

}  // namespace xabi::gen
