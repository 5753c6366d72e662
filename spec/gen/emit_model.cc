// xabi/model_state.hpp and xabi/model_rules.cc: the reference model's state
// (one member per spec state component, of the hand-written primitive type
// for its kind) and one checking function per call, a direct transcription of
// the call's rules:
//
//   evaluate every guard; exactly one must hold (else the spec is wrong)
//   for the chosen rule, try its outcomes in order: the first whose result
//   constraint holds is taken and its effects applied; if none holds the
//   observed result is rejected, with the first failing conjunct of each.
//
// Only computation happens here; reference/model.cc turns results into
// verdicts and messages.
#include <sstream>

#include "emit.h"

namespace xabi::gen {
namespace {

std::string cxx(const Expr& e) {
  auto a = [&](size_t i) { return cxx(*e.args[i]); };
  switch (e.kind) {
    case Expr::Kind::kInt: {
      std::string digits = to_string(e);
      return "Int(" + digits + "ull)";
    }
    case Expr::Kind::kBool: return e.value ? "true" : "false";
    case Expr::Kind::kName:
      switch (e.name_kind) {
        case Expr::NameKind::kParam: return "p_" + e.name;
        case Expr::NameKind::kConstant:
        case Expr::NameKind::kError: return "K_" + e.name;
        case Expr::NameKind::kResult: return "result";
        case Expr::NameKind::kCaller: return "env.caller";
        case Expr::NameKind::kRuleGuard: return "g_" + e.name;
        default: return "/*unresolved*/";
      }
    case Expr::Kind::kUnary: return "(" + e.op + a(0) + ")";
    case Expr::Kind::kBinary:
      if (e.op == "/") return "ediv(" + a(0) + ", " + a(1) + ")";
      if (e.op == "%") return "emod(" + a(0) + ", " + a(1) + ")";
      return "(" + a(0) + " " + e.op + " " + a(1) + ")";
    case Expr::Kind::kCall:
      if (e.name == "cap") return "env.caps." + e.args[0]->name;
      if (e.name == "same_origin") return "same_origin(" + a(0) + ", env.origin)";
      if (e.name == "strlen") return "str_len(" + a(0) + ")";
      if (e.name == "readable") return "(!a[" + std::to_string(e.args[0]->index) + "].unreadable)";
      if (e.name == "min" || e.name == "max") return "std::" + e.name + "<Int>(" + a(0) + ", " + a(1) + ")";
      {
        std::string s = e.name + "(";
        for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + a(i);
        return s + ")";
      }
    case Expr::Kind::kMethod: {
      std::string s = "st." + e.name + "." + e.method + "(";
      for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + a(i);
      return s + ")";
    }
  }
  return "";
}

const char* kind_type(spec::StateComponent::Kind k) {
  switch (k) {
    case spec::StateComponent::REGION_SET: return "RegionSet";
    case spec::StateComponent::HANDLE_SET: return "HandleSet";
    default: return "Cell";
  }
}

}  // namespace

std::string emit_model_state(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << R"(#pragma once

#include <string>

#include "reference/state/cell.h"
#include "reference/state/handle_set.h"
#include "reference/state/region_set.h"
#include "reference/value.h"

namespace xabi::ref {

// The abstract state of one picoprocess, as the spec's rules see it.
struct State {
)";
  for (const auto& c : abi.spec.state()) {
    o << "  // " << c.doc() << "\n  " << kind_type(c.kind()) << " " << c.name();
    if (c.kind() == spec::StateComponent::CELL) o << "{" << c.initial() << "}";
    if (c.kind() == spec::StateComponent::HANDLE_SET && c.initial_members_size()) {
      o << "{";  // list-initialisation picks HandleSet's initializer_list constructor
      for (int i = 0; i < c.initial_members_size(); ++i) o << (i ? ", " : "") << "Int(" << c.initial_members(i) << ")";
      o << "}";
    }
    o << ";\n";
  }
  o << "};\n\n// What the host declares it offers.\nstruct Caps {\n";
  for (const auto& c : abi.spec.capabilities()) o << "  bool " << c.name() << " = false;  // " << c.doc() << "\n";
  o << R"(};

// The context a call is checked in.
struct RuleEnv {
  Caps caps;
  std::string origin;  // scheme://host:port of the picoprocess, for same_origin()
  Int caller = 0;      // the calling thread: 0 is the initial thread
};

// What checking one call found. Messages are made from this by the model.
struct RuleResult {
  enum class Kind {
    kAccepted,  // `outcome` of `rule` allowed the result; its effects are applied
    kRejected,  // no outcome of `rule` allows the result; see failed_conjunct
    kGuards,    // not exactly one guard held: the spec is wrong (see guards_true)
    kEffect,    // an effect's precondition failed: the spec is wrong
  };
  Kind kind = Kind::kRejected;
  int rule = -1;
  int outcome = -1;  // kAccepted, kEffect
  int effect = -1;   // kEffect
  int failed_conjunct[8] = {-1, -1, -1, -1, -1, -1, -1, -1};  // kRejected, per outcome
  unsigned guards_true = 0;  // bit i: guard of rule i held
};

namespace gen {
// Checks a completed call: `result` is what the host answered (the reported
// status for calls that do not return). Applies effects when accepted.
RuleResult check_call(uint32_t id, State& st, const RuleEnv& env, const Args& a, Int result);
// Applies a blocking call's on_begin effects. Returns the failing effect's index or -1.
int begin_call(uint32_t id, State& st, const RuleEnv& env, const Args& a);
// Applies a blocking call's on_end effects once it returned, whatever the
// verdict on its result. Returns the failing effect's index or -1.
int end_call(uint32_t id, State& st, const RuleEnv& env, const Args& a);
// Whether a call has on_begin effects (so the model tracks that it began).
bool has_begin(uint32_t id);
}  // namespace gen

}  // namespace xabi::ref
)";
  return o.str();
}

std::string emit_model_rules(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << R"(#include <algorithm>

#include "reference/prims.h"
#include "xabi/model_state.hpp"

namespace xabi::ref::gen {
namespace {

)";
  for (const auto& c : abi.spec.constants()) o << "[[maybe_unused]] constexpr Int K_" << c.name() << " = Int(" << c.value() << "ull);\n";
  for (const auto& e : abi.spec.errors()) o << "[[maybe_unused]] constexpr Int K_" << e.name() << " = Int(" << e.value() << ");\n";
  o << "\n";

  auto params = [&](const CallIR& ci) {
    std::ostringstream p;
    const spec::Call& c = *ci.proto;
    for (int i = 0; i < c.params_size(); ++i) {
      if (c.params(i).type() == spec::CSTR)
        p << "  const std::string& p_" << c.params(i).name() << " = a[" << i << "].s;\n";
      else
        p << "  const Int p_" << c.params(i).name() << " = a[" << i << "].i;\n";
      p << "  (void)p_" << c.params(i).name() << ";\n";
    }
    return p.str();
  };

  for (const CallIR* ci : abi.by_id()) {
    const spec::Call& c = *ci->proto;
    const std::string n = c.name();
    if (!ci->on_end.empty()) {
      o << "int end_" << n << "(State& st, const RuleEnv& env, const Args& a) {\n  (void)env;\n" << params(*ci);
      for (size_t k = 0; k < ci->on_end.size(); ++k) o << "  if (!" << cxx(*ci->on_end[k]) << ") return " << k << ";\n";
      o << "  return -1;\n}\n\n";
    }
    if (!ci->on_begin.empty()) {
      o << "int begin_" << n << "(State& st, const RuleEnv& env, const Args& a) {\n  (void)env;\n" << params(*ci);
      for (size_t k = 0; k < ci->on_begin.size(); ++k) o << "  if (!" << cxx(*ci->on_begin[k]) << ") return " << k << ";\n";
      o << "  return -1;\n}\n\n";
    }
    o << "RuleResult check_" << n << "(State& st, const RuleEnv& env, const Args& a, Int result) {\n";
    o << "  (void)st;\n  (void)env;\n  (void)result;\n  (void)a;\n" << params(*ci);
    o << "  RuleResult out;\n";
    std::string any;
    for (size_t r = 0; r < ci->rules.size(); ++r) {
      const RuleIR& rule = ci->rules[r];
      std::string g = "g_" + rule.proto->name();
      if (rule.otherwise) o << "  const bool " << g << " = !(" << (any.empty() ? "false" : any) << ");\n";
      else o << "  const bool " << g << " = " << cxx(*rule.guard) << ";\n";
      o << "  out.guards_true |= " << g << " ? " << (1u << r) << "u : 0u;\n";
      any += (any.empty() ? "" : " || ") + g;
    }
    o << "  if (__builtin_popcount(out.guards_true) != 1) {\n    out.kind = RuleResult::Kind::kGuards;\n    return out;\n  }\n";
    for (size_t r = 0; r < ci->rules.size(); ++r) {
      const RuleIR& rule = ci->rules[r];
      o << "  if (g_" << rule.proto->name() << ") {  // rule " << rule.proto->name() << "\n";
      o << "    out.rule = " << r << ";\n";
      for (size_t k = 0; k < rule.outcomes.size(); ++k) {
        const OutcomeIR& oc = rule.outcomes[k];
        o << "    do {  // outcome " << oc.proto->name() << "\n";
        auto cs = conjuncts(*oc.result);
        for (size_t j = 0; j < cs.size(); ++j)
          o << "      if (!" << cxx(*cs[j]) << ") {\n        out.failed_conjunct[" << k << "] = " << j << ";\n        break;\n      }\n";
        o << "      out.kind = RuleResult::Kind::kAccepted;\n      out.outcome = " << k << ";\n";
        for (size_t j = 0; j < oc.effects.size(); ++j)
          o << "      if (!" << cxx(*oc.effects[j]) << ") {\n        out.kind = RuleResult::Kind::kEffect;\n        out.effect = " << j
            << ";\n        return out;\n      }\n";
        o << "      return out;\n    } while (false);\n";
      }
      o << "    out.kind = RuleResult::Kind::kRejected;\n    return out;\n  }\n";
    }
    o << "  return out;  // unreachable: exactly one guard held\n}\n\n";
  }
  o << "}  // namespace\n\n";
  o << "RuleResult check_call(uint32_t id, State& st, const RuleEnv& env, const Args& a, Int result) {\n  switch (id) {\n";
  for (const CallIR* ci : abi.by_id())
    o << "    case " << ci->proto->id() << ": return check_" << ci->proto->name() << "(st, env, a, result);\n";
  o << "    default: return RuleResult{};\n  }\n}\n\n";
  o << "int begin_call(uint32_t id, State& st, const RuleEnv& env, const Args& a) {\n  switch (id) {\n";
  for (const CallIR* ci : abi.by_id())
    if (!ci->on_begin.empty()) o << "    case " << ci->proto->id() << ": return begin_" << ci->proto->name() << "(st, env, a);\n";
  o << "    default: return -1;\n  }\n}\n\n";
  o << "int end_call(uint32_t id, State& st, const RuleEnv& env, const Args& a) {\n  switch (id) {\n";
  for (const CallIR* ci : abi.by_id())
    if (!ci->on_end.empty()) o << "    case " << ci->proto->id() << ": return end_" << ci->proto->name() << "(st, env, a);\n";
  o << "    default: return -1;\n  }\n}\n\n";
  o << "bool has_begin(uint32_t id) {\n  switch (id) {\n";
  for (const CallIR* ci : abi.by_id())
    if (!ci->on_begin.empty()) o << "    case " << ci->proto->id() << ":\n";
  o << "      return true;\n    default:\n      return false;\n  }\n}\n\n";
  o << "}  // namespace xabi::ref::gen\n";
  return o.str();
}

// xabi/model_calls.hpp: one typed observation per call for hosts that check
// their own answers against the model (the reference host). The parameters are
// the call's, in spec order; integers and guest addresses are Int, strings an
// Arg (Arg::str with the bytes read, or Arg::str_at when unreadable). A
// misspelt call or a missing, extra or reordered argument fails to compile;
// the call's name is written here only.
std::string emit_model_calls(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << "#pragma once\n\n#include <cstdint>\n\n#include \"reference/model.h\"\n\nnamespace xabi::ref {\n";
  for (const CallIR* ir : abi.by_id()) {
    const spec::Call& c = *ir->proto;
    o << "\n// xabi_" << c.name() << "\ninline Verdict check_" << c.name() << "(Model& model";
    std::string args;
    for (const auto& p : c.params()) {
      const bool str = p.type() == spec::CSTR;
      o << ", " << (str ? "const Arg& " : "Int ") << p.name();
      args += (args.empty() ? "" : ", ") + (str ? p.name() : "Arg::num(" + p.name() + ")");
    }
    o << ", uint64_t result, Int caller = 0) {\n  return model.check(" << quote(c.name()) << ", {" << args
      << "}, result, caller);\n}\n";
  }
  o << "\n}  // namespace xabi::ref\n";
  return o.str();
}

}  // namespace xabi::gen
