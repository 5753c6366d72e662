// The state primitives for Z3: the same meaning as reference/state/ (the
// model's executable primitives), as formulas over a bounded number of slots.
// The generator's Z3 encoding of the spec's rules (xabi/z3_rules.cc) is built
// from these; tests/proofs proves properties of the rules with them.
//
// Bounds: a REGION_SET is `slots` intervals, a HANDLE_SET `slots` ids. Effects
// are functional: they return the new value and the effect's precondition
// (what the model checks before applying it). Regions are not merged after
// insert, and remove splits every interval in two, so a post-state may have
// more slots than its pre-state; every property is stated for any slot count.
#pragma once

#include <z3++.h>

#include <string>
#include <vector>

namespace xabi::proof {

template <typename T>
struct Effect {
  T post;
  z3::expr pre;  // the effect's precondition
};

struct Z3Regions {
  std::vector<z3::expr> valid, lo, hi;

  static Z3Regions fresh(z3::context& c, const std::string& name, int slots);
  // [a, b) lies in the union (measure argument: exact when intervals are disjoint).
  z3::expr covers(const z3::expr& a, const z3::expr& b) const;
  z3::expr disjoint(const z3::expr& a, const z3::expr& b) const;
  z3::expr total() const;
  z3::expr count() const;  // valid slots (the model counts merged ranges; no rule uses count)
  Effect<Z3Regions> insert(const z3::expr& a, const z3::expr& b) const;
  Effect<Z3Regions> remove(const z3::expr& a, const z3::expr& b) const;
};

struct Z3Handles {
  std::vector<z3::expr> valid, id;

  static Z3Handles fresh(z3::context& c, const std::string& name, int slots);
  z3::expr contains(const z3::expr& x) const;
  z3::expr count() const;
  Effect<Z3Handles> add(const z3::expr& x) const;
  Effect<Z3Handles> remove(const z3::expr& x) const;
};

struct Z3Cell {
  z3::expr v;

  static Z3Cell fresh(z3::context& c, const std::string& name);
  z3::expr get() const { return v; }
  Effect<Z3Cell> set(const z3::expr& x) const { return {Z3Cell{x}, x.ctx().bool_val(true)}; }
};

// The functions rules call, as the model defines them (reference/prims.h):
// Euclidean division, round_up; string predicates are free variables (the
// proofs hold for any strings).
z3::expr ediv(const z3::expr& a, const z3::expr& b);
z3::expr emod(const z3::expr& a, const z3::expr& b);
z3::expr round_up(const z3::expr& x, const z3::expr& a);
z3::expr zmin(const z3::expr& a, const z3::expr& b);
z3::expr zmax(const z3::expr& a, const z3::expr& b);

}  // namespace xabi::proof
