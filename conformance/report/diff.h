// What changed between two reports (xabi-conform diff OLD NEW), per host and
// case: regressions (a case that did not fail now fails), fixes (a failing
// case no longer fails), cases new in NEW or gone from it, and other changes
// of outcome (PASS -> SKIP). Failing is FAIL, XPASS or no outcome, as for
// host_passed. A case new in NEW is listed as new whatever its outcome.
#pragma once

#include <string>
#include <vector>

#include "report.pb.h"

namespace xabi::conform {

struct CaseChange {
  enum class Kind { kRegression, kFix, kNew, kRemoved, kChanged };
  Kind kind;
  std::string host, id;
  Outcome before = OUTCOME_UNSPECIFIED;  // kNew: none
  Outcome after = OUTCOME_UNSPECIFIED;   // kRemoved: none
  std::string summary;                   // kRegression: the failure's summary
};

struct ReportDiff {
  std::vector<CaseChange> changes;  // hosts in NEW's order (then those only in OLD), cases in run order
  size_t count(CaseChange::Kind kind) const;
};

ReportDiff diff_reports(const Report& before, const Report& after);
// One line per change ("regression xabi-host calls/free/double_free: PASS -> FAIL: ..."),
// then "N regressions, N fixes, N new, N removed, N changed".
std::string diff_text(const ReportDiff& diff);

}  // namespace xabi::conform
