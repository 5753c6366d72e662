// The plain-text summary printed at the end of a run. See report_writers.h.
#include <algorithm>
#include <vector>

#include "conformance/report/report_writers.h"
#include "conformance/report/text_escape.h"
#include "conformance/report/writer_common.h"

namespace xabi::conform {

using namespace detail;

std::string summary_table(const Report& r) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"host", "pass", "fail", "skip", "xfail", "xpass", "verdict"});
  for (const auto& host : r.hosts()) {
    const Totals t = count_outcomes(host);
    rows.push_back({plain(host.name()), std::to_string(t.pass()), std::to_string(t.fail()),
                    std::to_string(t.skip()), std::to_string(t.xfail()), std::to_string(t.xpass()),
                    host_passed(host) ? "PASS" : "FAIL"});
  }
  // Column widths in code points (host names may be UTF-8).
  const auto width = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  std::vector<size_t> w(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], width(row[i]));
  std::string out;
  const auto line = [&](const std::vector<std::string>& row) {
    std::string l;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) l += " | ";
      const std::string pad(w[i] - width(row[i]), ' ');
      // Names left-aligned, numbers right-aligned.
      l += (i == 0 || i + 1 == row.size()) ? row[i] + pad : pad + row[i];
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(rows[0]);
  {
    std::string sep;
    for (size_t i = 0; i < w.size(); ++i) sep += (i ? "-+-" : "") + std::string(w[i], '-');
    out += sep + "\n";
  }
  for (size_t i = 1; i < rows.size(); ++i) line(rows[i]);
  if (r.has_mutation()) out += "mutation score: " + mutation_score_text(r.mutation()) + "\n";
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases()) {
      if (c.outcome() == FAIL) {
        out += "FAIL " + plain(host.name()) + " " + plain(c.id()) + ": " + plain(c.failure().summary()) + "\n";
      } else if (c.outcome() == XPASS) {
        out += "XPASS " + plain(host.name()) + " " + plain(c.id()) +
               ": unexpected pass (" + plain(c.reason()) + ")\n";
      } else if (severity(c.outcome()) == kNoOutcome) {
        out += "ERROR " + plain(host.name()) + " " + plain(c.id()) + ": no outcome recorded\n";
      }
    }
  return out;
}

}  // namespace xabi::conform
