// xabi/meta.hpp: the spec as C++ constants, for tools that work on any call
// generically: the reference model's explanations and coverage, codec tests,
// fuzzers and property generators (boundary values from the constraints).
#include <sstream>

#include "emit.h"

namespace xabi::gen {

std::string emit_meta(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << R"(#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace xabi::meta {

enum class Type : uint8_t { kVoid, kNoReturn, kU32, kI32, kU64, kI64, kPtr, kCstr, kChannel };
enum class Side : uint8_t { kPal, kHost };
enum class Dir : uint8_t { kNone, kIn, kOut, kInOut };

struct ParamInfo {
  std::string_view name;
  Type type;
  Dir dir;
  int len_param;     // buffers: index of the length parameter, else -1
  int count_param;   // arrays: index of the count parameter, else -1
  std::string_view elem;  // arrays: struct name
  uint64_t elem_size;
  uint64_t max_len;  // strings and buffers
  bool has_range;
  int64_t range_min;
  uint64_t range_max;
  uint64_t align;
};

struct OutcomeInfo {
  std::string_view name;
  std::string_view result;  // the constraint, canonical text
  std::span<const std::string_view> conjuncts;
  std::span<const std::string_view> effects;
  int line;
};

struct RuleInfo {
  std::string_view name;
  std::string_view guard;  // canonical text, or "otherwise"
  std::span<const OutcomeInfo> outcomes;
  int line;
};

struct CallInfo {
  uint32_t id;
  std::string_view name;
  std::string_view group;
  Side side;
  Type result;
  bool blocks;
  std::span<const ParamInfo> params;
  std::span<const RuleInfo> rules;
  std::span<const std::string_view> errors;
  int line;
};

struct NamedValue {
  std::string_view name;
  int64_t value;
};

// A struct of the ABI as laid out in memory (natural alignment, no packing):
// what a tool needs to build array arguments (zutex specs, poll entries).
struct FieldInfo {
  std::string_view name;
  Type type;
  uint32_t offset;
  uint32_t size;
};

struct StructInfo {
  std::string_view name;
  uint32_t size;
  std::span<const FieldInfo> fields;
};

)";
  o << "inline constexpr std::string_view kSpecPath = " << quote(abi.spec_path) << ";\n";
  o << "inline constexpr uint32_t kAbiVersion = " << abi.spec.version() << ";\n\n";
  o << "inline constexpr NamedValue kConstants[] = {\n";
  for (const auto& c : abi.spec.constants()) o << "    {" << quote(c.name()) << ", " << c.value() << "},\n";
  o << "};\ninline constexpr NamedValue kErrors[] = {\n";
  for (const auto& e : abi.spec.errors()) o << "    {" << quote(e.name()) << ", " << e.value() << "},\n";
  o << "};\n// The capabilities a host may declare (cap(name) in a rule).\ninline constexpr std::string_view kCapabilities[] = {\n";
  for (const auto& c : abi.spec.capabilities()) o << "    " << quote(c.name()) << ",\n";
  o << "};\n\n";

  o << "namespace detail {\n";
  auto type_enum = [](spec::Type t) {
    switch (t) {
      case spec::VOID: return "Type::kVoid";
      case spec::NORETURN: return "Type::kNoReturn";
      case spec::U32: return "Type::kU32";
      case spec::I32: return "Type::kI32";
      case spec::U64: return "Type::kU64";
      case spec::I64: return "Type::kI64";
      case spec::PTR: return "Type::kPtr";
      case spec::CSTR: return "Type::kCstr";
      case spec::CHANNEL: return "Type::kChannel";
      default: return "Type::kVoid";
    }
  };
  for (const CallIR* ci : abi.by_id()) {
    const spec::Call& c = *ci->proto;
    const std::string n = c.name();
    o << "inline constexpr ParamInfo " << n << "_params[] = {\n";
    for (const auto& p : c.params()) {
      const char* dir = p.dir() == spec::IN ? "Dir::kIn" : p.dir() == spec::OUT ? "Dir::kOut" : p.dir() == spec::IN_OUT ? "Dir::kInOut" : "Dir::kNone";
      uint64_t esize = p.elem().empty() ? 0 : struct_size(*abi.find_struct(p.elem()));
      o << "    {" << quote(p.name()) << ", " << type_enum(p.type()) << ", " << dir << ", "
        << (p.len().empty() ? -1 : ci->param_index(p.len())) << ", " << (p.count().empty() ? -1 : ci->param_index(p.count()))
        << ", " << quote(p.elem()) << ", " << esize << ", " << p.max_len() << "u, " << (p.has_range() ? "true" : "false") << ", "
        << p.range().min() << ", " << p.range().max() << "u, " << p.align() << "u},\n";
    }
    if (c.params_size() == 0) o << "    {\"\", Type::kVoid, Dir::kNone, -1, -1, \"\", 0, 0, false, 0, 0, 0},  // none\n";
    o << "};\n";
    for (size_t r = 0; r < ci->rules.size(); ++r) {
      const RuleIR& rule = ci->rules[r];
      for (size_t k = 0; k < rule.outcomes.size(); ++k) {
        const OutcomeIR& out = rule.outcomes[k];
        std::string base = n + "_r" + std::to_string(r) + "_o" + std::to_string(k);
        o << "inline constexpr std::string_view " << base << "_conj[] = {";
        if (out.result)
          for (const Expr* e : conjuncts(*out.result)) o << quote(to_string(*e)) << ", ";
        o << "};\n";
        o << "inline constexpr std::string_view " << base << "_eff[] = {";
        for (const auto& e : out.effects)
          if (e) o << quote(to_string(*e)) << ", ";
        if (out.effects.empty()) o << "\"\"";
        o << "};\n";
      }
      o << "inline constexpr OutcomeInfo " << n << "_r" << r << "_outcomes[] = {\n";
      for (size_t k = 0; k < rule.outcomes.size(); ++k) {
        const OutcomeIR& out = rule.outcomes[k];
        std::string base = n + "_r" + std::to_string(r) + "_o" + std::to_string(k);
        o << "    {" << quote(out.proto->name()) << ", " << quote(out.result ? to_string(*out.result) : "") << ", " << base
          << "_conj, std::span<const std::string_view>(" << base << "_eff, " << out.effects.size() << "), " << out.loc.line << "},\n";
      }
      o << "};\n";
    }
    o << "inline constexpr RuleInfo " << n << "_rules[] = {\n";
    for (size_t r = 0; r < ci->rules.size(); ++r) {
      const RuleIR& rule = ci->rules[r];
      o << "    {" << quote(rule.proto->name()) << ", " << quote(rule.otherwise ? "otherwise" : (rule.guard ? to_string(*rule.guard) : ""))
        << ", " << n << "_r" << r << "_outcomes, " << rule.loc.line << "},\n";
    }
    o << "};\n";
    o << "inline constexpr std::string_view " << n << "_errors[] = {";
    for (const auto& e : c.errors()) o << quote(e) << ", ";
    if (c.errors_size() == 0) o << "\"\"";
    o << "};\n";
  }
  for (const auto& st : abi.spec.structs()) {
    o << "inline constexpr FieldInfo struct_" << st.name() << "_fields[] = {\n";
    uint64_t off = 0;
    for (const auto& f : st.fields()) {
      uint64_t sz = wire_size(f.type());
      off = (off + sz - 1) / sz * sz;
      o << "    {" << quote(f.name()) << ", " << type_enum(f.type()) << ", " << off << ", " << sz << "},\n";
      off += sz;
    }
    o << "};\n";
  }
  o << "}  // namespace detail\n\n";
  o << "inline constexpr StructInfo kStructs[] = {\n";
  for (const auto& st : abi.spec.structs())
    o << "    {" << quote(st.name()) << ", " << struct_size(st) << ", detail::struct_" << st.name() << "_fields},\n";
  o << "};\n\n";
  o << "inline constexpr CallInfo kCalls[] = {\n";
  for (const CallIR* ci : abi.by_id()) {
    const spec::Call& c = *ci->proto;
    const std::string n = c.name();
    o << "    {" << c.id() << ", " << quote(n) << ", " << quote(c.group()) << ", "
      << (c.side() == spec::Call::PAL ? "Side::kPal" : "Side::kHost") << ", " << type_enum(c.result()) << ", "
      << (c.blocks() ? "true" : "false") << ", std::span<const ParamInfo>(detail::" << n << "_params, " << c.params_size()
      << "), detail::" << n << "_rules, std::span<const std::string_view>(detail::" << n << "_errors, " << c.errors_size()
      << "), " << ci->loc.line << "},\n";
  }
  o << R"(};

inline constexpr const CallInfo* find_call(uint32_t id) {
  for (const auto& c : kCalls)
    if (c.id == id) return &c;
  return nullptr;
}
inline constexpr const CallInfo* find_call(std::string_view name) {
  for (const auto& c : kCalls)
    if (c.name == name) return &c;
  return nullptr;
}
inline constexpr std::optional<int64_t> find_error(std::string_view name) {
  for (const auto& e : kErrors)
    if (e.name == name) return e.value;
  return std::nullopt;
}
inline constexpr std::string_view error_name(int64_t value) {
  for (const auto& e : kErrors)
    if (e.value == value) return e.name;
  return {};
}
inline constexpr const StructInfo* find_struct(std::string_view name) {
  for (const auto& s : kStructs)
    if (s.name == name) return &s;
  return nullptr;
}
inline constexpr std::optional<int64_t> find_constant(std::string_view name) {
  for (const auto& c : kConstants)
    if (c.name == name) return c.value;
  return std::nullopt;
}

}  // namespace xabi::meta
)";
  return o.str();
}

}  // namespace xabi::gen
