// What more than one writer needs besides escaping (internal: callers use
// report_writers.h): how outcomes rank and are named in markup, and how
// numbers are formatted, so every format says the same thing the same way.
#pragma once

#include <cstdint>
#include <string>

#include "report.pb.h"

namespace xabi::conform::detail {

// printf-style formatting of one double.
std::string fmt(const char* format, double value);
std::string seconds(double s);  // "%.3f"
// "P %" with P truncated to one decimal (so only a full score prints 100) and
// a trailing ".0" dropped.
std::string percent_text(double pct);

bool is_failing(Outcome o);  // FAIL or XPASS
// Higher is worse: what a matrix cell is coloured by. kNoOutcome: no outcome
// recorded (a bug of the suite).
constexpr int kNoOutcome = 6;
int severity(Outcome o);
std::string outcome_class(Outcome o);  // "pass", ..., "unspecified": the CSS classes
uint32_t unspecified_count(const HostRun& host);
// "<spec>:<line>", the spec being the report's or the one built in.
std::string spec_location(const Report& report, int line);

}  // namespace xabi::conform::detail
