// Reads model case files (tests/model/rules.cases): calls with the result a
// host gave and what the model must say about it. The format is described at
// the top of rules.cases; conformance traces will reuse it.
#pragma once

#include <string>
#include <vector>

#include "reference/model.h"

namespace xabi::test {

struct Step {
  int line = 0;
  bool begin = false;  // a blocking call starts (no result)
  ref::Int thread = 0;
  std::string call;
  ref::Args args;
  uint64_t result = 0;
  enum class Expect { kOk, kViolation, kBadCall } expect = Expect::kOk;
  std::string rule, outcome;  // kOk: rule.outcome; kViolation: rule
};

struct Case {
  std::string name;
  int line = 0;
  ref::ModelConfig config;
  std::vector<Step> steps;
};

// Parses `path`; on a syntax error returns false and sets *error to "file:line: what".
bool read_cases(const std::string& path, std::vector<Case>* cases, std::string* error);

}  // namespace xabi::test
