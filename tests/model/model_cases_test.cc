// Runs tests/model/rules.cases through the reference model, then demands that
// the cases reached every rule of every call: every outcome taken at least
// once, and every rule that can refuse a result seen refusing one. The cases
// are model cases of the conformance case language (conformance/runner/case.h),
// read by its parser; the parser's own refusals of bad model cases are tested
// here too.
#include <gtest/gtest.h>

#include "case.h"
#include "model_inputs.h"

namespace {

using xabi::conform::Case;
using xabi::conform::CaseKind;
using xabi::conform::JudgeInputs;
using xabi::conform::Step;
using xabi::ref::Verdict;

std::vector<Case> load() {
  std::vector<Case> cases;
  std::vector<std::string> errors;
  EXPECT_TRUE(xabi::conform::parse_case_file(XABI_MODEL_CASES, cases, errors, CaseKind::kModel));
  for (const auto& e : errors) ADD_FAILURE() << e;
  return cases;
}

std::string where(const Step& s) { return std::string(XABI_MODEL_CASES) + ":" + std::to_string(s.line); }

// Runs one case; returns the model so coverage can be added up.
xabi::ref::Model run(const Case& c) {
  xabi::ref::Model m(xabi::conform::model_config(c));
  for (const Step& s : c.steps) {
    auto judged = xabi::conform::judge_inputs(s);
    if (!judged) {
      ADD_FAILURE() << where(s) << ": " << judged.error().detail;
      continue;
    }
    const JudgeInputs& in = judged.value();
    if (s.kind == Step::Kind::kJudgeBegin) {
      Verdict v = m.begin(s.call, in.args, s.worker);
      EXPECT_TRUE(v.ok()) << where(s) << ": " << v.message;
      continue;
    }
    Verdict v = m.check(s.call, in.args, in.result, s.worker);
    switch (s.verdict) {
      case Step::Verdict::kOk:
        EXPECT_EQ(v.kind, Verdict::Kind::kOk) << where(s) << ": " << v.message;
        EXPECT_EQ(v.rule + "." + v.outcome, s.rule + "." + s.outcome) << where(s);
        break;
      case Step::Verdict::kViolation:
        EXPECT_EQ(v.kind, Verdict::Kind::kViolation) << where(s) << ": accepted by " << v.rule << "." << v.outcome << v.message;
        EXPECT_EQ(v.rule, s.rule) << where(s) << ": " << v.message;
        // A violation explains itself: the rule, its place in the spec, the outcomes.
        EXPECT_NE(v.message.find("rule '" + s.rule + "'"), std::string::npos) << v.message;
        EXPECT_NE(v.message.find("spec/xabi.textproto:"), std::string::npos) << v.message;
        break;
      case Step::Verdict::kBadCall:
        EXPECT_EQ(v.kind, Verdict::Kind::kBadCall) << where(s) << ": " << v.message;
        break;
    }
  }
  return m;
}

TEST(ModelCases, EachCaseBehavesAsWritten) {
  size_t cases = 0, judged = 0, begun = 0;
  for (const Case& c : load()) {
    SCOPED_TRACE("case " + c.id);
    EXPECT_TRUE(c.model);
    ++cases;
    for (const Step& s : c.steps) ++(s.kind == Step::Kind::kJudgeBegin ? begun : judged);
    run(c);
  }
  EXPECT_GT(cases, 0u);
  std::cout << "[ cases    ] " << cases << " model cases, " << judged << " judged results, " << begun << " blocking calls begun\n";
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

std::vector<Case> parse(const std::string& text, CaseKind kind, std::vector<std::string>& errors) {
  std::vector<Case> out;
  xabi::conform::parse_case_text(text, "t.cases", out, errors, kind);
  return out;
}

// The values of judge steps, as the model is given them.
TEST(ModelCaseFile, ValuesAsTheModelReadsThem) {
  std::vector<std::string> errors;
  auto cases = parse(
      "case m\n"
      "  memory 8192\n"
      "  needs listen origin\n"
      "  origin-url http://a.test\n"
      "  judge open_url \"GE\"+\"T\"+\"\"*9223372036854775807 \"a\"*3+\"\\x41\" -> 0 ok ok.opened\n"
      "  judge open_url \"GET\" ADDR_LIMIT -> E_FAULT ok fault.fault\n"
      "  repeat 3 on 7 judge accept -> 10+2*$i ok ok.accepted\n"
      "  judge exit -1 -> 255 ok ok.exited\n"
      "  judge open_url 1 \"x\" -> 0 bad_call\n"
      "end\n",
      CaseKind::kModel, errors);
  ASSERT_TRUE(errors.empty()) << errors[0];
  ASSERT_EQ(cases.size(), 1u);
  const Case& c = cases[0];
  auto mc = xabi::conform::model_config(c);
  EXPECT_EQ(mc.quota, 8192u);
  EXPECT_TRUE(mc.caps.listen);
  EXPECT_TRUE(mc.caps.origin);
  EXPECT_FALSE(mc.caps.console);
  EXPECT_EQ(mc.origin, "http://a.test");
  ASSERT_EQ(c.steps.size(), 7u);
  std::vector<JudgeInputs> in(c.steps.size());
  for (size_t i = 0; i < c.steps.size(); ++i) {
    auto judged = xabi::conform::judge_inputs(c.steps[i]);
    ASSERT_TRUE(judged) << judged.error().detail;
    in[i] = std::move(judged).value();
  }
  EXPECT_EQ(in[0].args[0].s, "GET");
  EXPECT_EQ(in[0].args[1].s, "aaaA");
  EXPECT_FALSE(in[0].args[1].unreadable);
  EXPECT_TRUE(in[1].args[1].is_str && in[1].args[1].unreadable);
  EXPECT_TRUE(in[1].args[1].i == *xabi::meta::find_constant("ADDR_LIMIT"));
  EXPECT_EQ(in[1].result, static_cast<uint64_t>(*xabi::meta::find_error("E_FAULT")));
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(c.steps[2 + k].worker, 7);
    EXPECT_EQ(in[2 + k].result, 10 + 2 * k);
    EXPECT_EQ(c.steps[2 + k].line, 7);
  }
  EXPECT_TRUE(in[5].args[0].i == -1);
  EXPECT_EQ(in[5].result, 255u);
  // bad_call: as written, a number where the call takes a string.
  EXPECT_FALSE(in[6].args[0].is_str);
  EXPECT_TRUE(in[6].args[0].i == 1);
  EXPECT_EQ(in[6].args[1].s, "x");
}

// The string grammar is the same in host cases.
TEST(ModelCaseFile, HostCasesShareTheStringGrammar) {
  std::vector<std::string> errors;
  auto cases = parse("case a\n group channels\n call open_url \"GE\"+\"T\" \"{origin}/\"+\"x\"*2\nend\n", CaseKind::kHost, errors);
  ASSERT_TRUE(errors.empty()) << errors[0];
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].steps[0].args[0].text, "GET");
  EXPECT_EQ(cases[0].steps[0].args[1].text, "{origin}/xx");
}

struct BadCase {
  CaseKind kind;
  const char* text;
  const char* message;
};

TEST(ModelCaseFile, BadOnesNameLineAndProblem) {
  const CaseKind M = CaseKind::kModel, H = CaseKind::kHost;
  const BadCase cases[] = {
      {M, "case m\n call alloc 1\nend\n", ":2: a model case has judge steps only"},
      {M, "case m\n on 1 async call zutex_wait 0x2000 1\nend\n", ":2: a model case has judge steps only (no host runs it); \"call\" is a host step"},
      {H, "case a\n group memory\n judge alloc 1 -> 0 ok ok.placed\nend\n", ":3: judge steps are for model cases"},
      {H, "case a\n group memory\n on 1 judge begin zutex_wait 0 1\nend\n", ":3: judge steps are for model cases"},
      {H, "case a\n group memory\n origin-url http://a.test\n call alloc 1\nend\n", ":3: origin-url is for model cases"},
      {M, "case m\n quick\n judge alloc 1 -> 0 ok ok.refused\nend\n", ":2: quick is about launching a host"},
      {M, "case m\n needs teleport\n judge alloc 1 -> 0 ok ok.refused\nend\n", ":2: a model case needs only the spec's capabilities"},
      {M, "case m\n judge allok 1 -> 0 ok ok.placed\nend\n", ":2: no call named allok"},
      {M, "case m\n judge alloc -> 0 ok ok.placed\nend\n", ":2: alloc takes 1 arguments, not 0"},
      {M, "case m\n judge alloc 2 * PAGE -> 0 ok ok.placed\nend\n", ":2: alloc takes 1 arguments, not 3"},
      {M, "case m\n judge alloc PAGEZ -> 0 ok ok.placed\nend\n", ":2: alloc argument len: \"PAGEZ\" is not a number"},
      {M, "case m\n judge alloc 1 -> 0 ok okay.placed\nend\n", ":2: alloc has no rule okay"},
      {M, "case m\n judge alloc 1 -> 0 ok ok.nowhere\nend\n", ":2: rule alloc.ok has no outcome nowhere"},
      {M, "case m\n judge alloc 1 -> 0 violation nope\nend\n", ":2: alloc has no rule nope"},
      {M, "case m\n judge alloc 1 -> 0\nend\n", ":2: usage: [on T] judge"},
      {M, "case m\n judge alloc 1 -> 0 fine\nend\n", ":2: after the result: ok RULE.OUTCOME"},
      {M, "case m\n judge alloc 1 -> 0 bad_call extra\nend\n", ":2: unexpected \"extra\" after the verdict"},
      {M, "case m\n on x judge alloc 1 -> 0 ok ok.refused\nend\n", ":2: on T judge: T is the caller's thread id"},
      {M, "case m\n judge alloc $i -> 0 ok ok.refused\nend\n", ":2: a model case has no variables but $i"},
      {M, "case m\n repeat 2 judge alloc $n -> 0 ok ok.refused\nend\n", ":2: a model case has no variables but $i"},
      {M, "case m\n repeat 0 judge accept -> $i ok ok.accepted\nend\n", ":2: repeat N STEP"},
      {M, "case m\n repeat 2 call alloc 1\nend\n", ":2: a model case has judge steps only"},
      {M, "case m\n judge begin zutex_wait 0x2000 1 -> 0 ok ok.woken\nend\n", ":2: judge begin takes no result"},
      {M, "case m\n judge begin alloc 1\nend\n", ":2: alloc does not block"},
      {M, "case m\n judge open_url \"GET\" 0x10000 -> E_FAULT ok fault.fault\nend\n", ":2: url: a string argument given as an address must be outside guest memory"},
      {M, "case m\n judge write 3 \"abc\" 3 -> 3 ok ok.sent\nend\n", ":2: write argument buf: a judge step gives a buffer by its address"},
      {M, "case m\n repeat 2 judge open_url \"GET\" \"a\"*$i -> 0 ok ok.opened\nend\n", ":2: open_url argument url: a string's repeat count is a number or constant"},
      {M, "case m\n judge open_url \"GET\" \"a\"*2000000 -> 0 ok ok.opened\nend\n", ":2: open_url argument url: a string of more than 1048576 bytes"},
      {M, "case m\n judge open_url \"GET\" \"a\"*2*3 -> 0 ok ok.opened\nend\n", ":2: open_url argument url: a string's repeat count is a number or constant"},
      {M, "case m\n judge open_url \"GET\" \"a\"*-1 -> 0 ok ok.opened\nend\n", ":2: open_url argument url: a string's repeat count is a number or constant >= 0"},
      {M, "case m\n judge open_url \"GET\" \"a\" + \"b\" -> 0 ok ok.opened\nend\n", ":2: open_url takes 2 arguments, not 4"},
      {M, "case m\n judge open_url \"GET\" \"a\"+1 -> 0 ok ok.opened\nend\n", ":2: open_url argument url: expected a \"string\" in \"a\"+1"},
      {M, "case m\n judge open_url \"GET\" \"unterminated -> 0 ok ok.opened\nend\n", ":2: unterminated string"},
      {M, "case m\nend\n", ":2: case m has no steps"},
      {M, "case m\n judge alloc 1 -> 0 ok ok.refused\n", ":3: case m is not closed with end"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> errors;
    auto out = parse(c.text, c.kind, errors);
    ASSERT_FALSE(errors.empty()) << c.text;
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    EXPECT_NE(all.find(std::string("t.cases") + c.message), std::string::npos) << "for:\n" << c.text << "got:\n" << all;
  }
}

}  // namespace
