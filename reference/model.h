// The reference model: an executable, deterministic reading of the spec's
// rules, used as a checker. Given a call, its arguments and the result a host
// produced, it says whether the spec allows that result and, if so, advances
// its abstract state. Any result the spec allows is accepted: hosts choose
// addresses and ids freely within the rules' constraints.
//
//   xabi::ref::Model m({.quota = 1 << 20});
//   auto v = m.check("alloc", {Arg::num(4096)}, 0x10000000);   // ok: placed
//   v = m.check("free", {Arg::num(0x10000000), Arg::num(4096)}, 0);  // ok: freed
//   v = m.check("free", {Arg::num(0x10000000), Arg::num(4096)}, 0);  // violation:
//       // rule not_mapped allows only result == E_NOT_MAPPED
//
// The rule code is generated from the spec (xabi/model_rules.cc); this class
// only normalises arguments, tracks blocking calls and explains verdicts.
// No OS calls, no clocks, no randomness.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "xabi/meta.hpp"
#include "xabi/model_state.hpp"

namespace xabi::ref {

struct Verdict {
  enum class Kind {
    kOk,         // the spec allows this result; the state advanced
    kViolation,  // the spec does not allow this result (the host is wrong)
    kSpecError,  // the spec's rules are broken for this input (guards, effects)
    kBadCall,    // the observation is malformed: unknown call, wrong arguments, after exit, dead caller
  };
  Kind kind = Kind::kOk;
  std::string call;
  std::string rule;     // the rule that applied, when known
  std::string outcome;  // the outcome taken (kOk)
  std::string message;  // for people: what was observed and which constraint it broke

  bool ok() const { return kind == Kind::kOk; }
};

struct ModelConfig {
  uint64_t quota = 0;  // the host's memory quota for xabi_alloc (bytes)
  Caps caps;           // what the host offers
  std::string origin;  // the picoprocess's origin, "http://host:port"
};

// How often each rule and outcome was reached, for tests that demand full coverage.
struct RuleCoverage {
  std::vector<uint64_t> accepted;  // per outcome
  uint64_t rejected = 0;           // observed results this rule refused
};
using Coverage = std::vector<std::vector<RuleCoverage>>;  // [index in meta::kCalls][rule]

class Model {
 public:
  explicit Model(const ModelConfig& config = {});

  // A blocking call began (applies its on_begin effects). Optional: check()
  // begins a blocking call itself if this was not called.
  Verdict begin(std::string_view call, const Args& args, Int caller = 0);
  // A call completed with `result`, the 64-bit value the host answered (for
  // calls that do not return: the exit status the host reported).
  Verdict check(std::string_view call, const Args& args, uint64_t result, Int caller = 0);

  const State& state() const { return st_; }
  const Coverage& coverage() const { return coverage_; }

  // "free(base=0x1000, len=4096) -> -2 (E_NOT_MAPPED)"
  static std::string describe(const meta::CallInfo& call, const Args& args, Int result);
  // The result as the call's result type reads the raw 64 bits.
  static Int result_value(const meta::CallInfo& call, uint64_t raw);

 private:
  Verdict prepare(std::string_view name, const Args& in, Args& out, const meta::CallInfo*& call, Int caller) const;

  State st_;
  RuleEnv env_;
  Coverage coverage_;
  std::map<Int, uint32_t> blocked_;  // caller -> blocking call it began
};

}  // namespace xabi::ref
