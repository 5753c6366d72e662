// Adapter and case files come from outside (third-party hosts, case authors):
// every malformed one must be refused with a message naming the problem.
#include <gtest/gtest.h>

#include "adapter.h"
#include "case.h"
#include "spec_cases.h"
#include "xabi/meta.hpp"

using namespace xabi::conform;

namespace {

const char* kGood = R"({"name": "h", "command": ["/bin/h", "run", "--listen", "unix:{listen}",
  {"if": "origin", "then": ["--origin", "{origin}"]}, "--memory", "{memory}", "{image}", "--", "{args}"],
  "capabilities": ["listen", "origin"]})";

TEST(Adapter, GoodOneExpands) {
  auto a = parse_adapter(kGood, "good.json");
  ASSERT_TRUE(a) << a.error().detail;
  LaunchVars v{"img", "/tmp/s", 4096, "", {"a", "b"}, ""};
  EXPECT_EQ(a.value().expand(v), (std::vector<std::string>{"/bin/h", "run", "--listen", "unix:/tmp/s", "--memory", "4096", "img", "--", "a", "b"}));
  v.origin = "http://127.0.0.1:9";
  v.args.clear();
  EXPECT_EQ(a.value().expand(v), (std::vector<std::string>{"/bin/h", "run", "--listen", "unix:/tmp/s", "--origin", "http://127.0.0.1:9",
                                                            "--memory", "4096", "img", "--"}));
}

struct BadAdapter {
  const char* json;
  const char* message;
};

TEST(Adapter, BadOnesNameTheProblem) {
  const BadAdapter cases[] = {
      {"{", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"command": ["{image} {listen}"], "capabilities": ["listen"]})", "key \"name\""},
      {R"({"name": "a b", "command": ["{image}{listen}"], "capabilities": ["listen"]})", "only letters"},
      {R"({"name": "h", "capabilities": ["listen"]})", "key \"command\""},
      {R"({"name": "h", "command": ["{listen}"], "capabilities": ["listen"]})", "must contain {image}"},
      {R"({"name": "h", "command": ["{image}"], "capabilities": ["listen"]})", "must contain {listen}"},
      {R"({"name": "h", "command": ["{image}{listen}{imag}"], "capabilities": ["listen"]})", "unknown placeholder {imag}"},
      {R"({"name": "h", "command": ["{image}{listen}", "x{args}"], "capabilities": ["listen"]})", "whole element"},
      {R"({"name": "h", "command": ["{image}{listen}"], "capabilities": ["listen", "teleport"]})", "unknown capability \"teleport\""},
      {R"({"name": "h", "command": ["{image}{listen}"], "capabilities": []})", "needs \"listen\""},
      {R"({"name": "h", "command": ["{image}{listen}"], "capabilities": ["listen", "isolation"]})", "violation_exit_status"},
      {R"({"name": "h", "command": ["{image}{listen}"], "capabilities": ["listen"], "timeouts": {"case_seconds": -1}})", "timeouts"},
      {R"({"name": "h", "command": ["{image}{listen}", {"if": "moon", "then": []}], "capabilities": ["listen"]})", "\"if\" must name"},
      {R"({"name": "h", "command": ["{image}{listen}"], "capabilities": ["listen"], "extra": 1})", "unknown key \"extra\""},
  };
  for (const auto& c : cases) {
    auto a = parse_adapter(c.json, "x.json");
    ASSERT_FALSE(a) << c.json;
    EXPECT_EQ(a.error().code, ConformError::kAdapter) << c.json;
    const std::string& error = a.error().detail;
    EXPECT_NE(error.find(c.message), std::string::npos) << "for " << c.json << "\n got: " << error;
    EXPECT_EQ(error.rfind("x.json: ", 0), 0u) << error;
  }
}

TEST(Adapter, MissingFile) {
  auto a = load_adapter("/nonexistent/adapter.json");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ConformError::kAdapter);
  EXPECT_NE(a.error().detail.find("cannot read"), std::string::npos);
}

struct BadCase {
  const char* text;
  const char* message;
};

TEST(CaseFile, BadOnesNameLineAndProblem) {
  const BadCase cases[] = {
      {"case a\n group memory\n call allok 1\nend\n", ":3: no call named allok"},
      {"case a\n group memory\n call alloc\nend\n", "len is missing"},
      {"case a\n group memory\n call alloc PAGEZ\nend\n", "\"PAGEZ\" is not a number"},
      {"case a\n group memory\n call free $x 4096\nend\n", "$x is used before"},
      {"case a\n group memory\n call alloc 1 expect ~ 2\nend\n", "expect OP EXPR"},
      {"case a\n group nowhere\n call alloc 1\nend\n", "unknown group nowhere"},
      {"case a\n call alloc 1\nend\n", "has no group"},
      {"case a\n group memory\n call alloc 1\n", "not closed with end"},
      {"case a\n group memory\n on 0 async call time_now\n await 0\nend\n", "async call must go to a worker 1..64"},
      {"case a\n group memory\n on 1 async call time_now\nend\n", "not awaited"},
      {"case a\n group sync\n call zutex_wait struct:pollfd{channel=1} 1\nend\n", "takes struct zutex_spec"},
      {"case a\n group sync\n call zutex_wait struct:zutex_spec{wrd=1} 1\nend\n", "has no field wrd"},
      {"case a\n group channels\n call write 0 zero:4 4\nend\n", ""},  // zero: on an IN buffer is allowed
      {"case a\n group memory\n call alloc \"x\"\nend\n", "takes no string"},
      {"case a\n group memory\n call alloc 1\nend\ncase a\n group memory\n call alloc 1\nend\n", "defined twice"},
      {"case a\n group memory\n peer wave p\nend\n", "peer connect|send"},
      {"case a\n group memory\n call alloc \"unterminated\nend\n", "unterminated string"},
  };
  for (const auto& c : cases) {
    std::vector<Case> out;
    std::vector<std::string> errors;
    bool ok = parse_case_text(c.text, "t.cases", out, errors);
    if (std::string(c.message).empty()) {
      EXPECT_TRUE(ok) << c.text << (errors.empty() ? "" : errors[0]);
      continue;
    }
    ASSERT_FALSE(ok) << c.text;
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    EXPECT_NE(all.find(c.message), std::string::npos) << "for:\n" << c.text << "got:\n" << all;
    EXPECT_EQ(all.rfind("t.cases:", 0), 0u) << all;
  }
}

// Numbers are read as C writes them; anything else, or too large for 64
// bits, is an error of the step.
TEST(CaseFile, NumbersAsCWritesThem) {
  const std::pair<const char*, int64_t> good[] = {{"sleep 16", 16},   {"sleep 0x10", 16}, {"sleep 0X1f", 31},
                                                  {"sleep 010", 8},   {"sleep 0", 0},     {"sleep 00", 0},
                                                  {"sleep -3", -3},   {"sleep 0xffffffffffffffff", -1}};
  for (const auto& [line, value] : good) {
    auto s = parse_step(line);
    ASSERT_TRUE(s) << line << ": " << s.error().detail;
    ASSERT_EQ(s.value().exprs.size(), 1u) << line;
    const auto& terms = s.value().exprs[0].terms;
    ASSERT_EQ(terms.size(), 1u) << line;
    ASSERT_EQ(terms[0].factors.size(), 1u) << line;
    EXPECT_EQ(terms[0].sign * terms[0].factors[0].value, value) << line;
  }
  for (const char* line : {"sleep 08", "sleep 0x", "sleep 0x-1", "sleep 1x", "sleep 18446744073709551616", "sleep +1"}) {
    auto s = parse_step(line);
    ASSERT_FALSE(s) << line;
    EXPECT_EQ(s.error().code, ConformError::kCaseSyntax) << line;
    EXPECT_NE(s.error().detail.find("is not a number"), std::string::npos) << line << ": " << s.error().detail;
  }
}

// The bundled case files and the generated cases all parse, and every call
// of the spec but exit and thread_exit is driven by at least one case.
TEST(CaseFile, BundledCasesParseAndCoverEveryCall) {
  std::vector<Case> out;
  std::vector<std::string> errors;
  for (const char* f : {"memory", "process", "threads", "sync", "time", "channels", "origin"})
    parse_case_file(std::string(XABI_CASES_DIR) + "/" + f + ".cases", out, errors);
  spec_cases(std::string(XABI_CASES_DIR) + "/fixtures.txt", out, errors);
  for (const auto& e : errors) ADD_FAILURE() << e;
  std::set<std::string> called;
  for (const auto& c : out)
    for (const auto& s : c.steps) {
      if (s.kind == Step::Kind::kCall) called.insert(s.call);
      if (s.kind == Step::Kind::kSpawn) called.insert("thread_create");
      if (s.kind == Step::Kind::kExit) called.insert("exit");
      if (s.kind == Step::Kind::kThreadExit) called.insert("thread_exit");
    }
  for (const auto& c : xabi::meta::kCalls) EXPECT_TRUE(called.count(std::string(c.name))) << c.name << " is never called";
  EXPECT_GT(out.size(), 100u);
}

}  // namespace
