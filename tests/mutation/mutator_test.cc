// The mutator against small fixtures whose sites were read off by hand: what
// it must leave alone (comments, literals, directives, the hand-written
// mutants' lines), one fixture per operator, the applied text, and the
// xabi-mutate command's list and apply.
#include "mutator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace xabi::mutation {
namespace {

// "op line:column original -> replacement", one per site in id order.
std::vector<std::string> describe(std::string_view text, Lang lang = Lang::cxx) {
  std::vector<std::string> out;
  int expected_id = 0;
  for (const Site& s : find_sites(text, lang)) {
    EXPECT_EQ(s.id, expected_id++);
    out.push_back(std::string(op_name(s.op)) + " " + std::to_string(s.line) + ":" + std::to_string(s.column) + " " +
                  s.original + " -> " + s.replacement);
  }
  return out;
}

using Lines = std::vector<std::string>;

TEST(Mutator, LeavesCommentsLiteralsDirectivesAndMutantLinesAlone) {
  const char* text = R"src(#include <vector>
#define LIMIT(x) ((x) < 3 && \
                  (x) > 1)
// if (a < b) return true;
/* x == 1 || y != 0
   while (true) */
const char* s = "a < b && 1 + 2";
char c = '<';
const char* raw = R"x(if (a == b) ")" 0 )x";
static_assert(sizeof(int) ==
              4, "int is 4 bytes");
if (XABI_MUTANT(serve_slot0_only)) todo &= 1;
assert(n > 0);
int z = y + 2;
)src";
  EXPECT_EQ(describe(text), (Lines{"arithmetic 14:11 + -> -", "constant 14:13 2 -> 3"}));
}

TEST(Mutator, Relational) {
  EXPECT_EQ(describe("a < b; a <= b; a > b; a >= b; a == b; a != b;"),
            (Lines{"relational 1:3 < -> <=", "relational 1:10 <= -> <", "relational 1:18 > -> >=",
                   "relational 1:25 >= -> >", "relational 1:33 == -> !=", "relational 1:41 != -> =="}));
}

TEST(Mutator, TemplateBracketsAndShiftsOfStreamsAreNotRelational) {
  const char* text = "std::vector<std::pair<int, int>> v;\n"
                     "auto n = static_cast<unsigned>(x) < y;\n"
                     "bool operator<(const A&) const;\n";
  EXPECT_EQ(describe(text), (Lines{"relational 2:35 < -> <="}));
}

TEST(Mutator, Arithmetic) {
  const char* text = "x = a + b - c;\n"
                     "x += 2;\n"
                     "x -= k;\n"
                     "y = n * kPage / m;\n"
                     "z = 1u << s;\n"
                     "w = -a + (+b);\n";
  EXPECT_EQ(describe(text),
            (Lines{"arithmetic 1:7 + -> -", "arithmetic 1:11 - -> +", "arithmetic 2:3 += -> -=", "constant 2:6 2 -> 3",
                   "arithmetic 3:3 -= -> +=", "arithmetic 4:7 * -> /", "arithmetic 4:15 / -> *",
                   "constant 5:5 1u -> 0u", "arithmetic 5:8 << -> >>", "arithmetic 6:8 + -> -"}));
}

TEST(Mutator, PointersAndReferencesAreNotProductsOrConjunctions) {
  const char* text = "char* p = (char*)q;\n"
                     "Foo* f;\n"
                     "void g(Bar&& b, auto&& c);\n"
                     "int v = *p;\n";
  EXPECT_TRUE(describe(text).empty());
}

TEST(Mutator, Logical) {
  EXPECT_EQ(describe("ok = a && b || !c;"),
            (Lines{"logical 1:8 && -> ||", "logical 1:13 || -> &&", "logical 1:16 ! -> "}));
}

TEST(Mutator, Boolean) {
  EXPECT_EQ(describe("f(true, false);"),
            (Lines{"call_deletion 1:1 f(true, false) -> ", "boolean 1:3 true -> false", "boolean 1:9 false -> true"}));
}

TEST(Mutator, IntegerConstantsKeepBaseAndSuffix) {
  const char* text = "a = 0; b = 1; c = 41; d = 0x1f; e = 0XFF; f = 10UL; g = 0755; h = 1'000; i = 0b101;\n"
                     "j = 1.5; k = 2e3; l = 0x1p3; m = 18446744073709551615u;\n";
  EXPECT_EQ(describe(text),
            (Lines{"constant 1:5 0 -> 1", "constant 1:12 1 -> 0", "constant 1:19 41 -> 42", "constant 1:27 0x1f -> 0x20",
                   "constant 1:37 0XFF -> 0X100", "constant 1:47 10UL -> 11UL", "constant 1:57 0755 -> 0756",
                   "constant 1:67 1'000 -> 1001", "constant 1:78 0b101 -> 0b110"}));
}

TEST(Mutator, ConditionNegation) {
  const char* text = "if (a == '[') x();\n"
                     "while (n)\n  n = n;\n"
                     "if constexpr (K) y();\n"
                     "if (auto p = get()) z();\n"
                     "if (int i = 0; i) w();\n"
                     "do { } while (m);\n";
  const std::vector<Site> sites = find_sites(text, Lang::cxx);
  std::vector<std::string> conditions;
  for (const Site& s : sites)
    if (s.op == Op::condition) conditions.push_back(s.original + " -> " + s.replacement);
  EXPECT_EQ(conditions, (Lines{"(a == '[') -> (!(a == '['))", "(n) -> (!(n))"}));
}

TEST(Mutator, ReturnValueIsValueInitialisedInCxxAndZeroInC) {
  const char* text = "int f() { return g(x) + 1; }\n"
                     "int h() { return 3; }\n"
                     "bool k() { return false; }\n"
                     "void v() { return; }\n"
                     "T t() { return {}; }\n"
                     "S s() { return \"x\"; }\n";
  Lines cxx, c;
  for (const Site& s : find_sites(text, Lang::cxx))
    if (s.op == Op::return_value) cxx.push_back(s.original + " -> " + s.replacement);
  for (const Site& s : find_sites(text, Lang::c))
    if (s.op == Op::return_value) c.push_back(s.original + " -> " + s.replacement);
  EXPECT_EQ(cxx, (Lines{"g(x) + 1 -> {}", "\"x\" -> {}"}));
  EXPECT_EQ(c, (Lines{"g(x) + 1 -> 0", "\"x\" -> 0"}));
}

TEST(Mutator, CallStatementsAreDeletedKeepingTheSemicolon) {
  const char* text = "{ close(fd); a.b->c(1); ns::f(); }\n"
                     "if (x) g();\n"
                     "int y = h();\n"
                     "Foo(int);\n"
                     "return k();\n";
  Lines calls;
  for (const Site& s : find_sites(text, Lang::cxx))
    if (s.op == Op::call_deletion) calls.push_back(std::to_string(s.line) + ":" + std::to_string(s.column) + " " + s.original);
  EXPECT_EQ(calls, (Lines{"1:3 close(fd)", "1:14 a.b->c(1)", "1:25 ns::f()", "2:8 g()"}));
  const std::vector<Site> sites = find_sites(text, Lang::cxx);
  EXPECT_EQ(apply(text, sites[0]), "{ ; a.b->c(1); ns::f(); }\n"
                                   "if (x) g();\n"
                                   "int y = h();\n"
                                   "Foo(int);\n"
                                   "return k();\n");
}

TEST(Mutator, ApplyReplacesExactlyTheSite) {
  const char* text = "if (n < 4) {\n  return n + 1;\n}\n";
  const std::vector<Site> sites = find_sites(text, Lang::cxx);
  ASSERT_EQ(describe(text), (Lines{"condition 1:4 (n < 4) -> (!(n < 4))", "relational 1:7 < -> <=", "constant 1:9 4 -> 5",
                                   "return_value 2:10 n + 1 -> {}", "arithmetic 2:12 + -> -", "constant 2:14 1 -> 0"}));
  EXPECT_EQ(apply(text, sites[0]), "if (!(n < 4)) {\n  return n + 1;\n}\n");
  EXPECT_EQ(apply(text, sites[3]), "if (n < 4) {\n  return {};\n}\n");
  EXPECT_EQ(apply(text, sites[5]), "if (n < 4) {\n  return n + 0;\n}\n");
}

TEST(Mutator, LanguageFromNameAndText) {
  EXPECT_EQ(guess_language("a/b.c", "namespace x {}"), Lang::c);
  EXPECT_EQ(guess_language("a/b.cc", "int x;"), Lang::cxx);
  EXPECT_EQ(guess_language("a/b.h", "int f(void);"), Lang::c);
  EXPECT_EQ(guess_language("a/b.h", "namespace x { int f(); }"), Lang::cxx);
  EXPECT_EQ(guess_language("a/b.h", "// a class\nint f(void);"), Lang::c);
}

TEST(Mutator, SampleOrderDependsOnSeedNameAndIdOnly) {
  EXPECT_EQ(sample_key(1, "a.c", 3), sample_key(1, "a.c", 3));
  EXPECT_NE(sample_key(1, "a.c", 3), sample_key(2, "a.c", 3));
  EXPECT_NE(sample_key(1, "a.c", 3), sample_key(1, "b.c", 3));
  EXPECT_NE(sample_key(1, "a.c", 3), sample_key(1, "a.c", 4));
}

// The command: list's columns and apply's output file.
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(XabiMutate, ListAndApply) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "xabi_mutate_test";
  std::filesystem::create_directories(dir);
  const std::filesystem::path in = dir / "in.c", out = dir / "out.c";
  std::ofstream(in) << "int f(int a) {\n  if (a > 0) return a;\n  return 0; // done\n}\n";
  EXPECT_EQ(run(std::string(XABI_MUTATE_BIN) + " list " + in.string()),
            "0\t2\t6\tcondition\t(a > 0)\t(!(a > 0))\n"
            "1\t2\t9\trelational\t>\t>=\n"
            "2\t2\t11\tconstant\t0\t1\n"
            "3\t2\t21\treturn_value\ta\t0\n"
            "4\t3\t10\tconstant\t0\t1\n");
  ASSERT_EQ(std::system((std::string(XABI_MUTATE_BIN) + " apply " + in.string() + " 1 " + out.string()).c_str()), 0);
  std::ostringstream got;
  got << std::ifstream(out).rdbuf();
  EXPECT_EQ(got.str(), "int f(int a) {\n  if (a >= 0) return a;\n  return 0; // done\n}\n");
  EXPECT_NE(std::system((std::string(XABI_MUTATE_BIN) + " apply " + in.string() + " 5 " + out.string() + " 2>/dev/null").c_str()), 0);
}

}  // namespace
}  // namespace xabi::mutation
