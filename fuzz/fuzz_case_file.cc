// The conformance case-file parser (conformance/runner/case.h,
// parse_case_text) on arbitrary text. It must never crash; a refusal must
// come with errors, each "fuzz.cases:LINE: ..."; what it accepts must be
// whole cases (an id, a group, at least one step, the file they came from).
//
// Input: the case file text.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "case.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_case_file: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<xabi::conform::Case> cases;
  std::vector<std::string> errors;
  const bool ok = xabi::conform::parse_case_text(text, "fuzz.cases", cases, errors);
  if (!ok) {
    if (errors.empty()) fail("refused without an error");
    for (const std::string& e : errors)
      if (e.rfind("fuzz.cases:", 0) != 0) fail("error does not start with \"fuzz.cases:\": " + e);
    return 0;
  }
  if (!errors.empty()) fail("accepted with errors: " + errors.front());
  for (const auto& c : cases) {
    if (c.id.empty()) fail("accepted a case without an id");
    if (c.group.empty()) fail("accepted case " + c.id + " without a group");
    if (c.steps.empty()) fail("accepted case " + c.id + " without steps");
    if (c.file != "fuzz.cases") fail("case " + c.id + " forgot its file");
    for (const auto& s : c.steps)
      if (s.line < c.line) fail("case " + c.id + " has a step before its own line");
  }
  return 0;
}
