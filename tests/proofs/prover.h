// A thin wrapper over a Z3 solver for proofs: prove(claim) returns nothing
// when the claim holds for every assignment, or a counterexample naming the
// values of the variables that matter.
#pragma once

#include <z3++.h>

#include <optional>
#include <string>
#include <vector>

#include "xabi/z3_rules.hpp"

namespace xabi::proof {

struct Invariants {
  // Regions disjoint, page-aligned, non-empty, inside (0, ADDR_LIMIT], total within the quota.
  static z3::expr memory(const Z3State& s);
  // Ids unique and non-negative, count within `limit`.
  static z3::expr handles(const Z3Handles& h, int64_t limit);
  // Everything the proofs carry from step to step.
  static z3::expr all(const Z3State& s);
  // The same, as separate named claims: Z3 proves many small claims far faster
  // than their conjunction (one per region slot, disjointness, total, tables).
  // Claims about a component `post` shares with `pre` term for term follow
  // from the assumptions about `pre` and are left out.
  static std::vector<std::pair<std::string, z3::expr>> claims(const Z3State& post, const Z3State& pre);
  // Symmetry breaking for a pre-state: occupied slots first, in increasing
  // order. Every operation treats slots alike, so this loses no generality.
  static z3::expr ordered(const Z3State& s);
  // What a proof assumes of the state before a call: the invariants, stated
  // through `ordered` (which implies unique ids, so `distinct` is not needed).
  static z3::expr pre(const Z3State& s);
};

class Prover {
 public:
  explicit Prover(z3::context& c) : c_(c) {}
  // std::nullopt when `claim` is valid under `assumptions`; otherwise the
  // values that refute it (inputs, result, and the state `show`).
  std::optional<std::string> prove(const z3::expr& assumptions, const z3::expr& claim, const CallEnc* call = nullptr,
                                    const Z3State* show = nullptr);
  // A satisfying assignment of `e` exists (reachability).
  bool satisfiable(const z3::expr& e);

 private:
  z3::context& c_;
};

}  // namespace xabi::proof
