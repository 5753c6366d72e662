// Cases generated from the spec: for every call (except exit, thread_exit and
// thread_create, which scenarios drive), one case with valid arguments and
// one per boundary value of each parameter's constraints, each result checked
// by the reference model. Valid arguments come from a fixtures file
// (conformance/cases/fixtures.txt); a call without a fixture is an error, so
// a call added to the spec cannot go untested.
#pragma once

#include <string>
#include <vector>

#include "case.h"

namespace xabi::conform {

bool spec_cases(const std::string& fixtures_path, std::vector<Case>& out, std::vector<std::string>& errors);

}  // namespace xabi::conform
