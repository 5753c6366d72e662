// xabi/z3_rules.{hpp,cc}: the spec's rules as Z3 formulas, transcribed from
// the same checked expressions the reference model's code is generated from.
// For each call: symbolic inputs with their type ranges, each rule's guard,
// each outcome's result constraint, and the post-state its effects produce
// (with the effects' preconditions). tests/proofs states and proves the
// properties (guards cover every input once, invariants are preserved).
#include <sstream>

#include "emit.h"

namespace xabi::gen {
namespace {

const char* z3_kind(spec::StateComponent::Kind k) {
  switch (k) {
    case spec::StateComponent::REGION_SET: return "Z3Regions";
    case spec::StateComponent::HANDLE_SET: return "Z3Handles";
    default: return "Z3Cell";
  }
}

std::string big(__int128 v) {
  Expr e;
  e.kind = Expr::Kind::kInt;
  e.value = v;
  return to_string(e);
}

// `state` names the state queries read: "pre" in guards and results, "post"
// inside effects (effects apply in order, as in the model).
std::string z3x(const Abi& abi, const CallIR& call, const Expr& e, const std::string& state) {
  auto a = [&](size_t i) { return z3x(abi, call, *e.args[i], state); };
  switch (e.kind) {
    case Expr::Kind::kInt: return "c.int_val(\"" + big(e.value) + "\")";
    case Expr::Kind::kBool: return e.value ? "c.bool_val(true)" : "c.bool_val(false)";
    case Expr::Kind::kName:
      switch (e.name_kind) {
        case Expr::NameKind::kParam: return "p_" + e.name;
        case Expr::NameKind::kConstant: return "c.int_val(\"" + std::to_string(abi.constant(e.name)->value()) + "\")";
        case Expr::NameKind::kError: return "c.int_val(" + std::to_string(abi.error(e.name)->value()) + ")";
        case Expr::NameKind::kResult: return "result";
        case Expr::NameKind::kCaller: return "caller";
        case Expr::NameKind::kRuleGuard: return "g_" + e.name;
        default: return "/*unresolved*/";
      }
    case Expr::Kind::kUnary: return "(" + e.op + a(0) + ")";
    case Expr::Kind::kBinary:
      if (e.op == "/") return "ediv(" + a(0) + ", " + a(1) + ")";
      if (e.op == "%") return "emod(" + a(0) + ", " + a(1) + ")";
      return "(" + a(0) + " " + e.op + " " + a(1) + ")";
    case Expr::Kind::kCall:
      if (e.name == "cap") return "c.bool_const(\"cap." + e.args[0]->name + "\")";
      if (e.name == "round_up") return "round_up(" + a(0) + ", " + a(1) + ")";
      if (e.name == "min") return "zmin(" + a(0) + ", " + a(1) + ")";
      if (e.name == "max") return "zmax(" + a(0) + ", " + a(1) + ")";
      if (e.name == "strlen") return "len_" + e.args[0]->name;
      // String predicates: free boolean variables, one per predicate and string.
      return "c.bool_const(\"" + e.name + "(" + e.args[0]->name + ")\")";
    case Expr::Kind::kMethod: {
      std::string s = state + "." + e.name + "." + e.method + "(";
      for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + a(i);
      return s + ")";
    }
  }
  return "";
}

std::string type_range(spec::Type t, const std::string& v) {
  switch (t) {
    case spec::U32: return "(" + v + " >= 0 && " + v + " <= c.int_val(\"4294967295\"))";
    case spec::I32:
    case spec::CHANNEL: return "(" + v + " >= c.int_val(\"-2147483648\") && " + v + " <= c.int_val(\"2147483647\"))";
    case spec::U64:
    case spec::PTR: return "(" + v + " >= 0 && " + v + " <= c.int_val(\"18446744073709551615\"))";
    default: return "(" + v + " >= c.int_val(\"-9223372036854775808\") && " + v + " <= c.int_val(\"9223372036854775807\"))";
  }
}

}  // namespace

std::string emit_z3_header(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << R"(#pragma once

#include <z3++.h>

#include <cstdint>
#include <string>
#include <vector>

#include "reference/z3/z3_prims.h"

namespace xabi::proof {

// Slots per REGION_SET / HANDLE_SET component in a fresh symbolic state.
struct Bounds {
  int regions = 8;
  int handles = 8;
};

// The abstract state, symbolically: one member per spec state component.
struct Z3State {
)";
  for (const auto& c : abi.spec.state()) o << "  " << z3_kind(c.kind()) << " " << c.name() << ";\n";
  o << R"(
  static Z3State fresh(z3::context& c, const std::string& prefix, const Bounds& b);
  // The initial state the spec declares (CELL initial values, HANDLE_SET members).
  z3::expr is_initial() const;
};

struct OutcomeEnc {
  std::string name;
  z3::expr result;      // the outcome's constraint on `result`
  Z3State post;         // the state after its effects
  z3::expr effects_ok;  // every effect's precondition held
  int line;
};

struct RuleEnc {
  std::string name;
  bool otherwise;
  z3::expr guard;  // for `otherwise`: none of the others
  std::vector<OutcomeEnc> outcomes;
  int line;
};

struct ParamEnc {
  std::string name;
  z3::expr value;    // for strings: their length as the rules see it
  z3::expr in_type;  // the value is one its type can hold
  bool is_channel;
  bool is_string;
};

struct CallEnc {
  uint32_t id;
  std::string name;
  std::vector<ParamEnc> params;
  z3::expr result;
  z3::expr result_in_type;
  z3::expr caller;
  std::vector<RuleEnc> rules;
};

// The rules of call `id` over the symbolic state `pre`.
CallEnc encode_call(z3::context& c, uint32_t id, const Z3State& pre);
// Every call id, in spec order.
std::vector<uint32_t> call_ids();

}  // namespace xabi::proof
)";
  return o.str();
}

std::string emit_z3_rules(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << "#include \"xabi/z3_rules.hpp\"\n\nnamespace xabi::proof {\n\n";
  o << "Z3State Z3State::fresh(z3::context& c, const std::string& p, const Bounds& b) {\n  (void)b;\n  return Z3State{\n";
  for (const auto& c : abi.spec.state()) {
    switch (c.kind()) {
      case spec::StateComponent::REGION_SET: o << "      Z3Regions::fresh(c, p + \"" << c.name() << "\", b.regions),\n"; break;
      case spec::StateComponent::HANDLE_SET: o << "      Z3Handles::fresh(c, p + \"" << c.name() << "\", b.handles),\n"; break;
      default: o << "      Z3Cell::fresh(c, p + \"" << c.name() << "\"),\n"; break;
    }
  }
  o << "  };\n}\n\n";
  o << "z3::expr Z3State::is_initial() const {\n  z3::context& c = " << abi.spec.state(0).name()
    << (abi.spec.state(0).kind() == spec::StateComponent::CELL ? ".v" : ".valid.front()") << ".ctx();\n  z3::expr all = c.bool_val(true);\n";
  for (const auto& c : abi.spec.state()) {
    switch (c.kind()) {
      case spec::StateComponent::REGION_SET: o << "  for (const auto& v : " << c.name() << ".valid) all = all && !v;\n"; break;
      case spec::StateComponent::HANDLE_SET: {
        // Exactly the declared members: the first slots hold them, the rest are empty.
        o << "  for (size_t i = 0; i < " << c.name() << ".valid.size(); ++i) {\n";
        o << "    switch (i) {\n";
        for (int k = 0; k < c.initial_members_size(); ++k)
          o << "      case " << k << ": all = all && " << c.name() << ".valid[i] && " << c.name() << ".id[i] == c.int_val(" << c.initial_members(k)
            << "); break;\n";
        o << "      default: all = all && !" << c.name() << ".valid[i];\n    }\n  }\n";
        break;
      }
      default: o << "  all = all && " << c.name() << ".v == c.int_val(" << c.initial() << ");\n";
    }
  }
  o << "  return all;\n}\n\n";

  for (const CallIR* ci : abi.by_id()) {
    const spec::Call& call = *ci->proto;
    o << "static CallEnc encode_" << call.name() << "(z3::context& c, const Z3State& pre) {\n";
    o << "  z3::expr result = c.int_const(\"result\");\n  z3::expr caller = c.int_const(\"caller\");\n";
    o << "  CallEnc e{" << call.id() << ", \"" << call.name() << "\", {}, result, " << type_range(call.result() == spec::PTR || call.result() == spec::U64 ? spec::U64 : spec::I64, "result")
      << ", caller, {}};\n";
    for (const auto& p : call.params()) {
      if (p.type() == spec::CSTR) {
        o << "  z3::expr len_" << p.name() << " = c.int_const(\"strlen(" << p.name() << ")\");\n";
        o << "  e.params.push_back({\"" << p.name() << "\", len_" << p.name() << ", len_" << p.name() << " >= 0, false, true});\n";
      } else {
        o << "  z3::expr p_" << p.name() << " = c.int_const(\"" << p.name() << "\");\n";
        o << "  e.params.push_back({\"" << p.name() << "\", p_" << p.name() << ", " << type_range(p.type(), "p_" + p.name()) << ", "
          << (p.type() == spec::CHANNEL ? "true" : "false") << ", false});\n";
      }
    }
    std::string any;
    for (const RuleIR& r : ci->rules) {
      std::string g = "g_" + r.proto->name();
      if (r.otherwise) o << "  z3::expr " << g << " = !(" << (any.empty() ? "c.bool_val(false)" : any) << ");\n";
      else o << "  z3::expr " << g << " = " << z3x(abi, *ci, *r.guard, "pre") << ";\n";
      any += (any.empty() ? "" : " || ") + g;
    }
    for (const RuleIR& r : ci->rules) {
      o << "  {\n    RuleEnc r{\"" << r.proto->name() << "\", " << (r.otherwise ? "true" : "false") << ", g_" << r.proto->name() << ", {}, "
        << r.loc.line << "};\n";
      for (const OutcomeIR& out : r.outcomes) {
        o << "    {\n      Z3State post = pre;\n      z3::expr ok = c.bool_val(true);\n";
        for (const auto& eff : out.effects) {
          // component.op(args): evaluate args on the current post-state, then apply.
          std::string args;
          for (size_t i = 0; i < eff->args.size(); ++i) args += (i ? ", " : "") + z3x(abi, *ci, *eff->args[i], "post");
          o << "      {\n        auto eff = post." << eff->name << "." << eff->method << "(" << args << ");\n";
          o << "        ok = ok && eff.pre;\n        post." << eff->name << " = eff.post;\n      }\n";
        }
        o << "      r.outcomes.push_back({\"" << out.proto->name() << "\", " << z3x(abi, *ci, *out.result, "pre") << ", post, ok, " << out.loc.line
          << "});\n    }\n";
      }
      o << "    e.rules.push_back(r);\n  }\n";
    }
    o << "  return e;\n}\n\n";
  }
  o << "CallEnc encode_call(z3::context& c, uint32_t id, const Z3State& pre) {\n  switch (id) {\n";
  for (const CallIR* ci : abi.by_id())
    o << "    case " << ci->proto->id() << ": return encode_" << ci->proto->name() << "(c, pre);\n";
  o << "    default: return CallEnc{0, \"\", {}, c.int_val(0), c.bool_val(false), c.int_val(0), {}};\n  }\n}\n\n";
  o << "std::vector<uint32_t> call_ids() { return {";
  for (const CallIR* ci : abi.by_id()) o << ci->proto->id() << ", ";
  o << "}; }\n\n}  // namespace xabi::proof\n";
  return o.str();
}

}  // namespace xabi::gen
