// The outcome helpers of report_writers.h and writer_common.h: counting,
// ranking and naming outcomes, and the number formats the writers share.
#include "conformance/report/writer_common.h"

#include <cmath>
#include <cstdio>

#include "conformance/report/report_writers.h"
#include "xabi/meta.hpp"

namespace xabi::conform {
namespace {

void add(Totals* t, Outcome o) {
  switch (o) {
    case PASS: t->set_pass(t->pass() + 1); break;
    case FAIL: t->set_fail(t->fail() + 1); break;
    case SKIP: t->set_skip(t->skip() + 1); break;
    case XFAIL: t->set_xfail(t->xfail() + 1); break;
    case XPASS: t->set_xpass(t->xpass() + 1); break;
    default: break;
  }
}

}  // namespace

namespace detail {

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string seconds(double s) { return fmt("%.3f", s); }

std::string percent_text(double pct) {
  pct = std::floor(pct * 10.0 + 1e-9) / 10.0;
  std::string p = fmt("%.1f", pct);
  if (p.size() > 2 && p.compare(p.size() - 2, 2, ".0") == 0) p.resize(p.size() - 2);
  return p + " %";
}

bool is_failing(Outcome o) { return o == FAIL || o == XPASS; }

int severity(Outcome o) {
  switch (o) {
    case PASS: return 1;
    case SKIP: return 2;
    case XFAIL: return 3;
    case XPASS: return 4;
    case FAIL: return 5;
    default: return kNoOutcome;
  }
}

std::string outcome_class(Outcome o) {
  switch (o) {
    case PASS: return "pass";
    case FAIL: return "fail";
    case SKIP: return "skip";
    case XFAIL: return "xfail";
    case XPASS: return "xpass";
    default: return "unspecified";
  }
}

uint32_t unspecified_count(const HostRun& host) {
  uint32_t n = 0;
  for (const auto& c : host.cases())
    if (severity(c.outcome()) == kNoOutcome) ++n;
  return n;
}

std::string spec_location(const Report& report, int line) {
  const std::string spec = report.spec().empty() ? std::string(meta::kSpecPath) : report.spec();
  return spec + ":" + std::to_string(line);
}

}  // namespace detail

using namespace detail;

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case PASS: return "PASS";
    case FAIL: return "FAIL";
    case SKIP: return "SKIP";
    case XFAIL: return "XFAIL";
    case XPASS: return "XPASS";
    default: return "UNSPECIFIED";
  }
}

Totals count_outcomes(const HostRun& host) {
  Totals t;
  for (const auto& c : host.cases()) add(&t, c.outcome());
  return t;
}

bool host_passed(const HostRun& host) {
  const Totals t = count_outcomes(host);
  return t.fail() == 0 && t.xpass() == 0 && unspecified_count(host) == 0;
}

std::string mutation_score_text(const MutationRun& m) {
  const double pct = m.total() > 0 ? 100.0 * m.killed() / m.total() : 100.0 * m.score();
  return std::to_string(m.killed()) + "/" + std::to_string(m.total()) + " (" + percent_text(pct) + ")";
}

}  // namespace xabi::conform
