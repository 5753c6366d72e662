// Runs tests/model/rules.cases through the reference model, then demands that
// the cases reached every rule of every call: every outcome taken at least
// once, and every rule that can refuse a result seen refusing one.
#include <gtest/gtest.h>

#include "model_case_file.h"

namespace {

using xabi::ref::Verdict;
using xabi::test::Case;
using xabi::test::Step;

std::vector<Case> load() {
  std::vector<Case> cases;
  std::string error;
  EXPECT_TRUE(xabi::test::read_cases(XABI_MODEL_CASES, &cases, &error)) << error;
  return cases;
}

std::string where(const Step& s) { return std::string(XABI_MODEL_CASES) + ":" + std::to_string(s.line); }

// Runs one case; returns the model so coverage can be added up.
xabi::ref::Model run(const Case& c) {
  xabi::ref::Model m(c.config);
  for (const Step& s : c.steps) {
    if (s.begin) {
      Verdict v = m.begin(s.call, s.args, s.thread);
      EXPECT_TRUE(v.ok()) << where(s) << ": " << v.message;
      continue;
    }
    Verdict v = m.check(s.call, s.args, s.result, s.thread);
    switch (s.expect) {
      case Step::Expect::kOk:
        EXPECT_EQ(v.kind, Verdict::Kind::kOk) << where(s) << ": " << v.message;
        EXPECT_EQ(v.rule + "." + v.outcome, s.rule + "." + s.outcome) << where(s);
        break;
      case Step::Expect::kViolation:
        EXPECT_EQ(v.kind, Verdict::Kind::kViolation) << where(s) << ": accepted by " << v.rule << "." << v.outcome << v.message;
        EXPECT_EQ(v.rule, s.rule) << where(s) << ": " << v.message;
        // A violation explains itself: the rule, its place in the spec, the outcomes.
        EXPECT_NE(v.message.find("rule '" + s.rule + "'"), std::string::npos) << v.message;
        EXPECT_NE(v.message.find("spec/xabi.textproto:"), std::string::npos) << v.message;
        break;
      case Step::Expect::kBadCall:
        EXPECT_EQ(v.kind, Verdict::Kind::kBadCall) << where(s) << ": " << v.message;
        break;
    }
  }
  return m;
}

TEST(ModelCases, EachCaseBehavesAsWritten) {
  for (const Case& c : load()) {
    SCOPED_TRACE("case " + c.name);
    run(c);
  }
}

TEST(ModelCases, ReachEveryRuleOfEveryCall) {
  xabi::ref::Coverage total;
  for (const Case& c : load()) {
    xabi::ref::Model m = run(c);
    if (total.empty()) {
      total = m.coverage();
      continue;
    }
    for (size_t i = 0; i < total.size(); ++i) {
      for (size_t r = 0; r < total[i].size(); ++r) {
        total[i][r].rejected += m.coverage()[i][r].rejected;
        for (size_t k = 0; k < total[i][r].accepted.size(); ++k) {
          total[i][r].accepted[k] += m.coverage()[i][r].accepted[k];
        }
      }
    }
  }
  ASSERT_EQ(total.size(), std::size(xabi::meta::kCalls));
  size_t outcomes = 0, rules = 0;
  for (size_t i = 0; i < total.size(); ++i) {
    const auto& call = xabi::meta::kCalls[i];
    for (size_t r = 0; r < call.rules.size(); ++r) {
      const auto& rule = call.rules[r];
      ++rules;
      bool can_refuse = true;
      for (size_t k = 0; k < rule.outcomes.size(); ++k) {
        ++outcomes;
        EXPECT_GT(total[i][r].accepted[k], 0u) << call.name << " rule " << rule.name << " outcome " << rule.outcomes[k].name
                                               << " is never reached (spec line " << rule.outcomes[k].line << ")";
        if (rule.outcomes[k].result == "true") can_refuse = false;
      }
      if (can_refuse) {
        EXPECT_GT(total[i][r].rejected, 0u) << call.name << " rule " << rule.name << " never refuses a result (spec line " << rule.line
                                            << ")";
      }
    }
  }
  std::cout << "[ coverage ] " << total.size() << " calls, " << rules << " rules, " << outcomes << " outcomes reached\n";
}

}  // namespace
