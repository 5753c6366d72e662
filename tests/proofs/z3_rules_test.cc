// Proofs about the spec's rules, from the generator's Z3 encoding of exactly
// the rules the reference model executes. Bounded: a symbolic state has
// kBounds.regions memory regions and kBounds.handles ids per handle set
// (enough to fill the channel and thread tables, so every "full" rule is
// reached). Each failure prints a concrete counterexample.
#include <gtest/gtest.h>

#include "prover.h"
#include "xabi/meta.hpp"

namespace {

using namespace xabi::proof;

const Bounds kBounds{8, 65};

// What every proof about one call assumes: inputs and result of their types,
// a live calling thread, and the invariants in the state before the call.
z3::expr assumptions(const CallEnc& e, const Z3State& pre) {
  z3::context& c = e.result.ctx();
  z3::expr a = e.result_in_type && e.caller >= 0 && pre.threads.contains(e.caller) && Invariants::pre(pre);
  for (const auto& p : e.params) a = a && p.in_type;
  (void)c;
  return a;
}

class Z3Rules : public ::testing::TestWithParam<uint32_t> {
 protected:
  z3::context c;
  Z3State pre = Z3State::fresh(c, "pre.", kBounds);
  CallEnc e = encode_call(c, GetParam(), pre);
  Prover prover{c};
};

TEST_P(Z3Rules, GuardsCoverEveryInputExactlyOnce) {
  // Over every input of the declared types and every state (no invariant).
  z3::expr inputs = c.bool_val(true);
  for (const auto& p : e.params) inputs = inputs && p.in_type;
  z3::expr any = c.bool_val(false);
  for (size_t i = 0; i < e.rules.size(); ++i) {
    any = any || e.rules[i].guard;
    for (size_t j = i + 1; j < e.rules.size(); ++j) {
      auto cex = prover.prove(inputs, !(e.rules[i].guard && e.rules[j].guard), &e, &pre);
      EXPECT_FALSE(cex) << e.name << ": rules '" << e.rules[i].name << "' and '" << e.rules[j].name << "' overlap at " << *cex;
    }
  }
  auto gap = prover.prove(inputs, any, &e, &pre);
  EXPECT_FALSE(gap) << e.name << ": no rule covers " << *gap;
}

TEST_P(Z3Rules, EveryRuleAndOutcomeIsReachable) {
  z3::expr a = assumptions(e, pre);
  for (const auto& r : e.rules) {
    EXPECT_TRUE(prover.satisfiable(a && r.guard)) << e.name << " rule '" << r.name << "' (spec line " << r.line << ") can never apply";
    for (const auto& o : r.outcomes)
      EXPECT_TRUE(prover.satisfiable(a && r.guard && o.result && o.effects_ok))
          << e.name << " rule '" << r.name << "' outcome '" << o.name << "' (spec line " << o.line << ") can never be taken";
  }
}

TEST_P(Z3Rules, EveryOutcomePreservesTheInvariants) {
  z3::expr a = assumptions(e, pre);
  for (const auto& r : e.rules)
    for (const auto& o : r.outcomes) {
      const std::string where = e.name + " " + r.name + "." + o.name + " (spec line " + std::to_string(o.line) + ")";
      auto cex = prover.prove(a && r.guard && o.result, o.effects_ok, &e, &pre);
      EXPECT_FALSE(cex) << where << ": an effect's precondition can fail: " << *cex;
      for (const auto& [what, claim] : Invariants::claims(o.post, pre)) {
        cex = prover.prove(a && r.guard && o.result && o.effects_ok, claim, &e, &pre);
        EXPECT_FALSE(cex) << where << " breaks \"" << what << "\": " << *cex;
      }
    }
}

TEST_P(Z3Rules, ChannelsAreUsableOnlyWhileOpen) {
  z3::expr a = assumptions(e, pre);
  for (const auto& p : e.params) {
    if (!p.is_channel) continue;
    for (const auto& r : e.rules)
      for (const auto& o : r.outcomes) {
        // A non-negative answer (success) on a channel that is not open.
        auto cex = prover.prove(a && r.guard && o.result && e.result >= 0, pre.chan.contains(p.value), &e, &pre);
        EXPECT_FALSE(cex) << e.name << " " << r.name << "." << o.name << " succeeds on a channel that is not open: " << *cex;
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Spec, Z3Rules, ::testing::ValuesIn(call_ids()), [](const auto& info) {
  return std::string(xabi::meta::find_call(info.param)->name);
});

TEST(Z3State, InitialStateSatisfiesTheInvariants) {
  z3::context c;
  Z3State s = Z3State::fresh(c, "init.", kBounds);
  Prover p(c);
  auto cex = p.prove(s.is_initial(), Invariants::all(s), nullptr, &s);
  EXPECT_FALSE(cex) << *cex;
}

// The proofs can fail: an alloc outcome without disjointness must be refuted
// with two overlapping regions.
TEST(Z3Negative, AllocWithoutDisjointnessIsRefuted) {
  z3::context c;
  Z3State pre = Z3State::fresh(c, "pre.", kBounds);
  CallEnc e = encode_call(c, 1, pre);  // alloc
  ASSERT_EQ(e.name, "alloc");
  z3::expr page = c.int_val(4096), len = e.params[0].value, r = e.result;
  z3::expr size = round_up(len, page);
  z3::expr weakened = r != 0 && emod(r, page) == 0 && r + size <= c.int_val("140737488355328") && pre.mem.total() + size <= pre.quota.v;
  auto eff = pre.mem.insert(r, r + size);
  Z3State post = pre;
  post.mem = eff.post;
  Prover p(c);
  auto cex = p.prove(assumptions(e, pre) && e.rules[1].guard && weakened, Invariants::memory(post), &e, &pre);
  ASSERT_TRUE(cex) << "a broken rule was proved";
  EXPECT_NE(cex->find("alloc(len="), std::string::npos) << *cex;
}

TEST(Z3Negative, OverlappingGuardsAreReportedWithAnInput) {
  z3::context c;
  z3::expr len = c.int_const("len");
  Prover p(c);
  auto cex = p.prove(len >= 0, !(len == 0 && len < 10));
  ASSERT_TRUE(cex);
}

}  // namespace
