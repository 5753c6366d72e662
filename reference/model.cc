#include "reference/model.h"

namespace xabi::ref {
namespace {

using meta::Type;

// An integer argument as the parameter's type reads the low 64 bits.
Int normalise(Type t, Int v) {
  const uint64_t raw = static_cast<uint64_t>(static_cast<unsigned __int128>(v));
  switch (t) {
    case Type::kU32: return static_cast<uint32_t>(raw);
    case Type::kI32:
    case Type::kChannel: return static_cast<int32_t>(static_cast<uint32_t>(raw));
    case Type::kI64: return static_cast<int64_t>(raw);
    default: return raw;  // U64, PTR
  }
}

std::string spec_place(int line) { return std::string(meta::kSpecPath) + ":" + std::to_string(line); }

size_t call_index(const meta::CallInfo* c) { return static_cast<size_t>(c - meta::kCalls); }

}  // namespace

Model::Model(const ModelConfig& config) {
  st_.quota.set(config.quota);
  env_.caps = config.caps;
  env_.origin = config.origin;
  for (const auto& c : meta::kCalls) {
    std::vector<RuleCoverage> rules;
    for (const auto& r : c.rules) rules.push_back({std::vector<uint64_t>(r.outcomes.size(), 0), 0});
    coverage_.push_back(std::move(rules));
  }
}

Int Model::result_value(const meta::CallInfo& call, uint64_t raw) {
  switch (call.result) {
    case Type::kPtr:
    case Type::kU64: return raw;
    case Type::kVoid: return 0;
    default: return static_cast<int64_t>(raw);
  }
}

std::string Model::describe(const meta::CallInfo& call, const Args& args, Int result) {
  std::string s = std::string(call.name) + "(";
  for (size_t i = 0; i < call.params.size() && i < args.size(); ++i) {
    const auto& p = call.params[i];
    s += (i ? ", " : "") + std::string(p.name) + "=";
    if (p.type == Type::kCstr) {
      std::string shown = args[i].s.size() > 60 ? args[i].s.substr(0, 60) + "..." : args[i].s;
      s += "\"" + shown + "\"";
    } else if (p.type == Type::kPtr) {
      s += to_hex(args[i].i);
    } else {
      s += to_string(args[i].i);
    }
  }
  s += ") -> ";
  s += call.result == Type::kPtr ? to_hex(result) : to_string(result);
  if (result < 0 && call.result != Type::kPtr) {
    auto name = meta::error_name(static_cast<int64_t>(result));
    if (!name.empty()) s += " (" + std::string(name) + ")";
  }
  return s;
}

Verdict Model::prepare(std::string_view name, const Args& in, Args& out, const meta::CallInfo*& call, Int caller) const {
  Verdict v;
  v.call = std::string(name);
  call = meta::find_call(name);
  if (!call) {
    v.kind = Verdict::Kind::kBadCall;
    v.message = "unknown call '" + std::string(name) + "'";
    return v;
  }
  if (in.size() != call->params.size()) {
    v.kind = Verdict::Kind::kBadCall;
    v.message = std::string(name) + " takes " + std::to_string(call->params.size()) + " arguments, got " + std::to_string(in.size());
    return v;
  }
  if (st_.exited.get() != 0) {
    v.kind = Verdict::Kind::kBadCall;
    v.message = std::string(name) + " observed after the picoprocess ended";
    return v;
  }
  // Only live threads make calls: the rules (and the Z3 proofs) assume it.
  // Found by fuzz_model: thread_exit from a dead caller was a kSpecError.
  if (!st_.threads.contains(caller)) {
    v.kind = Verdict::Kind::kBadCall;
    v.message = std::string(name) + " observed from thread " + to_string(caller) + ", which is not alive";
    return v;
  }
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const bool want_str = call->params[i].type == Type::kCstr;
    if (in[i].is_str != want_str) {
      v.kind = Verdict::Kind::kBadCall;
      v.message = std::string(name) + " argument " + std::string(call->params[i].name) + " must be " + (want_str ? "a string" : "an integer");
      return v;
    }
    out.push_back(want_str ? in[i] : Arg::num(normalise(call->params[i].type, in[i].i)));
  }
  return v;
}

Verdict Model::begin(std::string_view name, const Args& args, Int caller) {
  Args a;
  const meta::CallInfo* call = nullptr;
  Verdict v = prepare(name, args, a, call, caller);
  if (!v.ok()) return v;
  if (!gen::has_begin(call->id)) return v;
  if (blocked_.count(caller)) {
    v.kind = Verdict::Kind::kBadCall;
    v.message = "thread " + to_string(caller) + " began " + std::string(name) + " while already blocked";
    return v;
  }
  env_.caller = caller;
  if (int e = gen::begin_call(call->id, st_, env_, a); e >= 0) {
    v.kind = Verdict::Kind::kSpecError;
    v.message = std::string(name) + ": on_begin effect " + std::to_string(e) + " failed for thread " + to_string(caller);
    return v;
  }
  blocked_[caller] = call->id;
  return v;
}

Verdict Model::check(std::string_view name, const Args& args, uint64_t raw, Int caller) {
  Args a;
  const meta::CallInfo* call = nullptr;
  Verdict v = prepare(name, args, a, call, caller);
  if (!v.ok()) return v;
  if (gen::has_begin(call->id)) {
    auto it = blocked_.find(caller);
    if (it == blocked_.end()) {
      if (Verdict b = begin(name, args, caller); !b.ok()) return b;
      it = blocked_.find(caller);
    }
    blocked_.erase(it);
  }
  env_.caller = caller;
  const Int result = result_value(*call, raw);
  const RuleResult r = gen::check_call(call->id, st_, env_, a, result);
  const std::string what = describe(*call, a, result);
  // The call returned, rightly or wrongly: the caller is no longer blocked.
  if (gen::has_begin(call->id)) {
    if (int e = gen::end_call(call->id, st_, env_, a); e >= 0) {
      v.kind = Verdict::Kind::kSpecError;
      v.message = what + ": on_end effect " + std::to_string(e) + " cannot apply";
      return v;
    }
  }
  auto& cov = coverage_[call_index(call)];

  switch (r.kind) {
    case RuleResult::Kind::kAccepted: {
      const auto& rule = call->rules[static_cast<size_t>(r.rule)];
      v.rule = std::string(rule.name);
      v.outcome = std::string(rule.outcomes[static_cast<size_t>(r.outcome)].name);
      cov[static_cast<size_t>(r.rule)].accepted[static_cast<size_t>(r.outcome)]++;
      return v;
    }
    case RuleResult::Kind::kRejected: {
      const auto& rule = call->rules[static_cast<size_t>(r.rule)];
      cov[static_cast<size_t>(r.rule)].rejected++;
      v.kind = Verdict::Kind::kViolation;
      v.rule = std::string(rule.name);
      v.message = what + " breaks rule '" + std::string(rule.name) + "' (" + spec_place(rule.line) + ", when " +
                  std::string(rule.guard) + "): no outcome allows it";
      for (size_t k = 0; k < rule.outcomes.size(); ++k) {
        const auto& o = rule.outcomes[k];
        int j = r.failed_conjunct[k];
        v.message += "\n  " + std::string(o.name) + ": needs `" + std::string(o.result) + "`";
        if (j >= 0 && static_cast<size_t>(j) < o.conjuncts.size() && o.conjuncts.size() > 1)
          v.message += ", but `" + std::string(o.conjuncts[static_cast<size_t>(j)]) + "` is false";
      }
      return v;
    }
    case RuleResult::Kind::kGuards: {
      v.kind = Verdict::Kind::kSpecError;
      v.message = what + ": " + std::to_string(__builtin_popcount(r.guards_true)) + " guards hold, exactly one must:";
      for (size_t i = 0; i < call->rules.size(); ++i)
        if (r.guards_true & (1u << i)) v.message += " " + std::string(call->rules[i].name);
      return v;
    }
    case RuleResult::Kind::kEffect: {
      const auto& rule = call->rules[static_cast<size_t>(r.rule)];
      v.kind = Verdict::Kind::kSpecError;
      v.rule = std::string(rule.name);
      const auto& o = rule.outcomes[static_cast<size_t>(r.outcome)];
      v.outcome = std::string(o.name);
      v.message = what + ": effect `" + std::string(o.effects[static_cast<size_t>(r.effect)]) + "` of outcome '" + std::string(o.name) +
                  "' (" + spec_place(o.line) + ") cannot apply: its outcome does not guarantee its precondition";
      return v;
    }
  }
  return v;
}

}  // namespace xabi::ref
