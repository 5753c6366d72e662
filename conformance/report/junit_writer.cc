// junit.xml, one per host. See report_writers.h.
#include "conformance/report/report_writers.h"
#include "conformance/report/text_escape.h"
#include "conformance/report/writer_common.h"

namespace xabi::conform {

using namespace detail;

namespace {

std::string trace_line(const TraceStep& step) {
  std::string s = "[thread " + std::to_string(step.thread()) + "] " + step.action();
  if (!step.result().empty()) s += " -> " + step.result();
  if (!step.verdict().empty()) s += "  (" + step.verdict() + ")";
  return s;
}

// The failure's details as plain text (unescaped: callers escape it).
std::string failure_text(const CaseResult& c, const Report& report) {
  std::string s;
  const Failure& f = c.failure();
  if (!f.expected().empty()) s += "expected: " + f.expected() + "\n";
  if (!f.observed().empty()) s += "observed: " + f.observed() + "\n";
  if (!f.rule().empty()) {
    s += "rule: " + f.rule();
    if (f.spec_line() > 0) s += " (" + spec_location(report, f.spec_line()) + ")";
    s += "\n";
  } else if (f.spec_line() > 0) {
    s += "spec: " + spec_location(report, f.spec_line()) + "\n";
  }
  if (f.trace_size() > 0) {
    s += "trace:\n";
    for (const auto& step : f.trace()) s += "  " + trace_line(step) + "\n";
  }
  if (!c.repro().empty()) s += "repro: " + c.repro() + "\n";
  if (!f.host_stderr().empty()) {
    s += "host stderr (tail):\n" + f.host_stderr();
    if (s.back() != '\n') s += "\n";
  }
  return s;
}

}  // namespace

// The subset of the JUnit format that Jenkins, GitLab and junit2html agree on.
// JUnit has no "expected failure": an XFAIL case is reported as passed (it is
// what the expectations file promised, and it must not fail the pipeline) with
// a <system-out> saying that it failed as expected, why, and how. An XPASS is a
// <failure>: the host now does something the expectations file says it does
// not, so the run fails until the expectation is removed.

std::string to_junit(const HostRun& host, const Report& report) {
  const Totals t = count_outcomes(host);
  const uint32_t errors = unspecified_count(host);
  const uint32_t tests = static_cast<uint32_t>(host.cases_size());
  const uint32_t failures = t.fail() + t.xpass();
  double time = host.duration_s();
  if (time <= 0) {
    for (const auto& c : host.cases()) time += c.duration_ms() / 1000.0;
  }
  const std::string counts = " tests=\"" + std::to_string(tests) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                             "\" skipped=\"" + std::to_string(t.skip()) + "\" time=\"" +
                             seconds(time) + "\"";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites name=\"xabi-conform\"" + counts + ">\n";
  x += "  <testsuite name=\"" + xml_attr("xabi-conform." + host.name()) + "\"" + counts + ">\n";
  x += "    <properties>\n";
  const auto property = [&](std::string_view name, const std::string& value) {
    x += "      <property name=\"" + xml_attr(name) + "\" value=\"" + xml_attr(value) + "\"/>\n";
  };
  property("abi_version", std::to_string(report.abi_version()));
  property("spec", report.spec());
  property("started_at", report.started_at());
  property("seed", std::to_string(report.seed()));
  property("command", report.command());
  property("mode", report.quick() ? "quick" : "full");
  property("adapter", host.adapter());
  std::string caps;
  for (const auto& c : host.capabilities()) caps += (caps.empty() ? "" : " ") + c;
  property("capabilities", caps);
  x += "    </properties>\n";

  for (const auto& c : host.cases()) {
    const std::string group = c.group().empty() ? "other" : c.group();
    x += "    <testcase classname=\"" + xml_attr(host.name() + "." + group) + "\" name=\"" +
         xml_attr(c.id()) + "\" time=\"" + seconds(c.duration_ms() / 1000.0) + "\"";
    switch (c.outcome()) {
      case PASS: {
        if (c.measurements().empty()) {
          x += "/>\n";
          continue;
        }
        std::string out;
        for (const auto& m : c.measurements()) out += m + "\n";
        x += ">\n      <system-out>" + xml_text(out) + "</system-out>\n";
        break;
      }
      case FAIL: {
        const Failure& f = c.failure();
        const std::string type = f.rule().empty() ? "FAIL" : f.rule();
        x += ">\n      <failure message=\"" + xml_attr(f.summary()) + "\" type=\"" +
             xml_attr(type) + "\">" + xml_text(failure_text(c, report)) + "</failure>\n";
        break;
      }
      case SKIP:
        x += ">\n      <skipped message=\"" + xml_attr(c.reason()) + "\"/>\n";
        break;
      case XFAIL: {
        std::string out = "XFAIL: failed as expected";
        if (!c.reason().empty()) out += " (" + c.reason() + ")";
        out += "\n";
        if (!c.failure().summary().empty()) out += "summary: " + c.failure().summary() + "\n";
        out += failure_text(c, report);
        x += ">\n      <system-out>" + xml_text(out) + "</system-out>\n";
        break;
      }
      case XPASS: {
        std::string message = "unexpected pass: the expectations file says this case fails";
        if (!c.reason().empty()) message += " (" + c.reason() + ")";
        std::string body = message + "\n";
        if (!c.repro().empty()) body += "repro: " + c.repro() + "\n";
        x += ">\n      <failure message=\"" + xml_attr(message) + "\" type=\"XPASS\">" +
             xml_text(body) + "</failure>\n";
        break;
      }
      default:
        x += ">\n      <error message=\"no outcome recorded for this case\" type=\"UNSPECIFIED\"/>\n";
        break;
    }
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

Status write_junit(const HostRun& host, const Report& report, const std::string& path) {
  return write_file_atomically(path, to_junit(host, report));
}

}  // namespace xabi::conform
