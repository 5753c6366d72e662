#include "diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "report_writers.h"

namespace xabi::conform {
namespace {

bool failing(Outcome o) { return o == FAIL || o == XPASS || o == OUTCOME_UNSPECIFIED; }

const HostRun* find_host(const Report& r, const std::string& name) {
  for (const auto& h : r.hosts())
    if (h.name() == name) return &h;
  return nullptr;
}

void diff_host(const std::string& name, const HostRun* before, const HostRun* after, std::vector<CaseChange>& out) {
  static const HostRun kNone;
  if (!before) before = &kNone;
  if (!after) after = &kNone;
  std::map<std::string, const CaseResult*> old_cases;
  for (const auto& c : before->cases()) old_cases.emplace(c.id(), &c);
  std::set<std::string> still;
  for (const auto& c : after->cases()) {
    CaseChange ch{CaseChange::Kind::kNew, name, c.id(), OUTCOME_UNSPECIFIED, c.outcome(), {}};
    if (auto it = old_cases.find(c.id()); it != old_cases.end()) {
      still.insert(c.id());
      ch.before = it->second->outcome();
      if (ch.before == ch.after) continue;
      if (!failing(ch.before) && failing(ch.after)) {
        ch.kind = CaseChange::Kind::kRegression;
        ch.summary = c.failure().summary();
      } else if (failing(ch.before) && !failing(ch.after)) {
        ch.kind = CaseChange::Kind::kFix;
      } else {
        ch.kind = CaseChange::Kind::kChanged;
      }
    }
    out.push_back(std::move(ch));
  }
  for (const auto& c : before->cases())
    if (!still.count(c.id())) out.push_back({CaseChange::Kind::kRemoved, name, c.id(), c.outcome(), OUTCOME_UNSPECIFIED, {}});
}

}  // namespace

size_t ReportDiff::count(CaseChange::Kind kind) const {
  return static_cast<size_t>(
      std::count_if(changes.begin(), changes.end(), [&](const CaseChange& c) { return c.kind == kind; }));
}

ReportDiff diff_reports(const Report& before, const Report& after) {
  ReportDiff d;
  for (const auto& h : after.hosts()) diff_host(h.name(), find_host(before, h.name()), &h, d.changes);
  for (const auto& h : before.hosts())
    if (!find_host(after, h.name())) diff_host(h.name(), &h, nullptr, d.changes);
  return d;
}

std::string diff_text(const ReportDiff& diff) {
  std::string out;
  for (const auto& c : diff.changes) {
    const std::string where = c.host + " " + c.id;
    const std::string was = std::string(outcome_name(c.before)), now = std::string(outcome_name(c.after));
    switch (c.kind) {
      case CaseChange::Kind::kRegression:
        out += "regression " + where + ": " + was + " -> " + now + (c.summary.empty() ? "" : ": " + c.summary);
        break;
      case CaseChange::Kind::kFix: out += "fix        " + where + ": " + was + " -> " + now; break;
      case CaseChange::Kind::kNew: out += "new        " + where + ": " + now; break;
      case CaseChange::Kind::kRemoved: out += "removed    " + where + ": was " + was; break;
      case CaseChange::Kind::kChanged: out += "changed    " + where + ": " + was + " -> " + now; break;
    }
    out += "\n";
  }
  auto n = [&](CaseChange::Kind k, const char* one, const char* many) {
    const size_t v = diff.count(k);
    return std::to_string(v) + " " + (v == 1 ? one : many);
  };
  out += n(CaseChange::Kind::kRegression, "regression", "regressions") + ", " + n(CaseChange::Kind::kFix, "fix", "fixes") +
         ", " + n(CaseChange::Kind::kNew, "new", "new") + ", " + n(CaseChange::Kind::kRemoved, "removed", "removed") + ", " +
         n(CaseChange::Kind::kChanged, "changed", "changed") + "\n";
  return out;
}

}  // namespace xabi::conform
