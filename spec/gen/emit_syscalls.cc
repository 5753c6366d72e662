// xabi/syscalls.hpp: the seccomp allow-list as data, for the host's filter
// builder, the filter's Z3 proof and its differential fuzzer.
#include <seccomp.h>

#include <map>
#include <set>
#include <sstream>
#include <vector>

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

// The values the host binds into the filter at launch (the spec's launch_params).
struct LaunchParams {
)";
  for (const auto& p : abi.profile.launch_params()) o << "  uint64_t " << p.name() << " = 0;  // " << p.doc() << "\n";
  o << R"(};

// A value in a check: a literal, or a launch parameter the host binds.
struct AllowValue {
  std::string_view param;           // the launch parameter's name; empty: use `literal`
  uint64_t LaunchParams::*field;    // the launch parameter; nullptr: use `literal`
  uint64_t literal;
  constexpr uint64_t bind(const LaunchParams& p) const { return field ? p.*field : literal; }
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
    for (const auto& p : abi.profile.launch_params())
      if (p.name() == v) return "{" + quote(v) + ", &LaunchParams::" + v + ", 0}";
    return "{\"\", nullptr, " + std::to_string(std::stoull(v, nullptr, 0)) + "ull}";
  };
  o << "inline constexpr std::string_view kLaunchParams[] = {";
  for (const auto& p : abi.profile.launch_params()) o << quote(p.name()) << ", ";
  o << "};\n\n";
  // One list: its argument checks in detail::<prefix>_<i>, then the rules.
  auto list = [&](const auto& rules, const std::string& prefix, const std::string& name, const std::string& doc) {
    o << "namespace detail {\n";
    for (int i = 0; i < rules.size(); ++i) {
      const auto& sc = rules.Get(i);
      o << "inline constexpr ArgCheck " << prefix << "_" << i << "[] = {";
      for (const auto& a : sc.args()) {
        o << "{" << a.arg() << ", " << (a.op() == spec::ArgCheck::MASKED_EQ ? "ArgCheck::Op::kMaskedEq" : "ArgCheck::Op::kEq") << ", "
          << value(a.value()) << ", " << (a.mask().empty() ? std::string("{\"\", nullptr, 0}") : value(a.mask())) << "}, ";
      }
      if (sc.args_size() == 0) o << "{0, ArgCheck::Op::kEq, {\"\", nullptr, 0}, {\"\", nullptr, 0}}";
      o << "};\n";
    }
    o << "}  // namespace detail\n\n// " << doc << "\n";
    if (rules.empty()) {  // a C++ array cannot be empty
      o << "inline constexpr std::span<const SyscallRule> " << name << "{};\n";
      return;
    }
    o << "inline constexpr SyscallRule " << name << "[] = {\n";
    for (int i = 0; i < rules.size(); ++i) {
      const auto& sc = rules.Get(i);
      o << "    {" << quote(sc.name()) << ", std::span<const ArgCheck>(detail::" << prefix << "_" << i << ", " << sc.args_size() << "), "
        << quote(sc.doc()) << "},\n";
    }
    o << "};\n";
  };
  list(abi.profile.syscalls(), "allow", "kAllowList", "What the PAL may ask the kernel for once sealed.");
  list(abi.profile.trap_syscalls(), "trap", "kTrapAllowList",
       "Allowed as well with --linux, where every other call is trapped into the picoprocess (SIGSYS).");
  o << "\n}  // namespace xabi::meta\n";
  return o.str();
}

// xabi/linux_syscalls.h: what the Linux PAL may pass to the kernel, as C
// names. The numbers come from libseccomp (the same table the host's filter
// builder resolves names with), the argument values from the allow-list's
// value_name entries. A PAL that makes a system call the filter does not allow
// has no XABI_NR_ name for it and fails to compile.
std::string emit_linux_syscalls_h(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "/* ", " */");
  o << "#ifndef XABI_LINUX_SYSCALLS_H\n#define XABI_LINUX_SYSCALLS_H\n\n";
  o << "/* x86-64 numbers of the system calls the seccomp allow-list admits. */\n";
  std::set<std::string> names;
  std::vector<const spec::SyscallRule*> all;
  for (const auto& sc : abi.profile.syscalls()) all.push_back(&sc);
  for (const auto& sc : abi.profile.trap_syscalls()) all.push_back(&sc);
  for (const spec::SyscallRule* rule : all)
    if (const auto& sc = *rule; names.insert(sc.name()).second)
      o << "#define XABI_NR_" << upper(sc.name()) << " " << seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, sc.name().c_str())
        << "\n";
  o << "\n/* Argument values the allow-list admits (value_name in the spec). */\n";
  std::map<std::string, std::string> values;
  for (const spec::SyscallRule* rule : all)
    for (const auto& a : rule->args())
      if (!a.value_name().empty() && values.emplace(a.value_name(), a.value()).second)
        o << "#define XABI_ALLOW_" << a.value_name() << " " << a.value() << "\n";
  o << "\n#endif\n";
  return o.str();
}

}  // namespace xabi::gen
