// report.html: one self-contained file, inline CSS, no scripts. See
// report_writers.h.
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "conformance/report/html_style.h"
#include "conformance/report/report_writers.h"
#include "conformance/report/text_escape.h"
#include "conformance/report/writer_common.h"
#include "xabi/meta.hpp"

namespace xabi::conform {

using namespace detail;

namespace {

struct Cell {
  std::map<Outcome, uint32_t> counts;
  int worst = 0;
  Outcome worst_outcome = OUTCOME_UNSPECIFIED;
  void add(Outcome o) {
    ++counts[o];
    if (severity(o) > worst) {
      worst = severity(o);
      worst_outcome = o;
    }
  }
};

std::string cell_html(const Cell& cell) {
  if (cell.counts.empty()) return "<td class=\"none\">&#8212;</td>";
  std::string text;
  // Worst first, so the colour and the first word agree.
  std::vector<std::pair<Outcome, uint32_t>> items(cell.counts.begin(), cell.counts.end());
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return severity(a.first) > severity(b.first); });
  for (const auto& [o, n] : items) {
    if (!text.empty()) text += ", ";
    text += std::to_string(n) + " " + outcome_class(o);
  }
  return "<td class=\"" + outcome_class(cell.worst_outcome) + "\">" + text + "</td>";
}

// The call groups of the spec, in the order the spec first names them.
std::vector<std::string_view> spec_groups() {
  std::vector<std::string_view> groups;
  for (const auto& c : meta::kCalls)
    if (std::find(groups.begin(), groups.end(), c.group) == groups.end()) groups.push_back(c.group);
  return groups;
}

bool is_spec_call(std::string_view name) { return meta::find_call(name) != nullptr; }

bool is_spec_group(std::string_view name) {
  for (const auto& c : meta::kCalls)
    if (c.group == name) return true;
  return false;
}

std::string rule_key(std::string_view call, std::string_view rule, std::string_view outcome) {
  std::string k(call);
  k += ".";
  k += rule;
  k += ".";
  k += outcome;
  return k;
}

// A horizontal stacked bar, inline SVG (the report is one file): one segment
// per non-zero count, coloured by its class, each with a tooltip. The numbers
// stay in the tables beside it; the bar is for seeing at a glance.
struct Segment {
  uint64_t count;
  std::string_view cls;
  std::string label;
};
std::string svg_bar(const std::vector<Segment>& segs, std::string_view what) {
  constexpr double kWidth = 240, kHeight = 14;
  uint64_t total = 0;
  for (const auto& s : segs) total += s.count;
  // Drawn in a 240 x 14 box and scaled by the style sheet, so it fits a narrow window.
  std::string svg = "<svg class=\"bar\" viewBox=\"0 0 " + fmt("%.0f", kWidth) + " " + fmt("%.0f", kHeight) +
                    "\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"" + html(what) + "\">";
  double x = 0;
  for (const auto& s : segs) {
    if (s.count == 0 || total == 0) continue;
    const double w = kWidth * static_cast<double>(s.count) / static_cast<double>(total);
    svg += "<rect class=\"" + std::string(s.cls) + "\" x=\"" + fmt("%.2f", x) + "\" y=\"0\" width=\"" + fmt("%.2f", w) +
           "\" height=\"" + fmt("%.0f", kHeight) + "\"><title>" + html(s.label) + "</title></rect>";
    x += w;
  }
  if (total == 0) svg += "<rect class=\"none\" x=\"0\" y=\"0\" width=\"" + fmt("%.0f", kWidth) + "\" height=\"" + fmt("%.0f", kHeight) + "\"/>";
  return svg + "</svg>";
}

// The table of contents, from the sections the report really has.
std::string toc_of(const std::string& body) {
  std::string items;
  for (size_t at = body.find("<h2 id=\""); at != std::string::npos; at = body.find("<h2 id=\"", at + 1)) {
    const size_t id0 = at + 8, id1 = body.find('"', id0);
    const size_t t0 = body.find('>', id1) + 1, t1 = body.find("</h2>", t0);
    if (id1 == std::string::npos || t1 == std::string::npos) break;
    items += "<li><a href=\"#" + body.substr(id0, id1 - id0) + "\">" + body.substr(t0, t1 - t0) + "</a></li>";
  }
  return items.empty() ? "" : "<nav class=\"toc\"><strong>Contents</strong><ol>" + items + "</ol></nav>\n";
}

void html_header(std::string& h, const Report& r) {
  bool all_passed = true;
  for (const auto& host : r.hosts()) all_passed = all_passed && host_passed(host);
  h += "<h1>xabi-conform report</h1>\n";
  h += std::string("<p>Verdict: <span class=\"") + (all_passed ? "verdict-pass\">PASS" : "verdict-fail\">FAIL") +
       "</span></p>\n";
  h += "<dl class=\"meta\">\n";
  const auto row = [&](std::string_view k, const std::string& v_html) {
    h += "<dt>" + html(k) + "</dt><dd>" + v_html + "</dd>\n";
  };
  row("ABI version", std::to_string(r.abi_version()));
  row("Spec", "<code>" + html(r.spec()) + "</code>");
  row("Started at", html(r.started_at()));
  row("Duration", fmt("%.2f", r.duration_s()) + " s");
  row("Seed", std::to_string(r.seed()));
  row("Command", "<code>" + html(r.command()) + "</code>");
  row("Mode", r.quick() ? "quick" : "full");
  h += "</dl>\n";
}

void html_summary(std::string& h, const Report& r) {
  h += "<h2 id=\"summary\">Summary</h2>\n<table>\n<tr><th>host</th><th>adapter</th>"
       "<th>capabilities</th><th>pass</th><th>fail</th><th>skip</th><th>xfail</th>"
       "<th>xpass</th><th>outcomes</th><th>duration</th><th>verdict</th></tr>\n";
  for (const auto& host : r.hosts()) {
    const Totals t = count_outcomes(host);
    std::string caps;
    for (const auto& c : host.capabilities()) caps += (caps.empty() ? "" : ", ") + html(c);
    const auto num = [](uint32_t n, std::string_view cls) {
      return std::string("<td class=\"n") + (n > 0 ? std::string(" ") + std::string(cls) : "") + "\">" +
             std::to_string(n) + "</td>";
    };
    const bool ok = host_passed(host);
    h += "<tr><td>" + html(host.name()) + "</td><td><code>" + html(host.adapter()) + "</code></td><td>" +
         caps + "</td>" + num(t.pass(), "pass") + num(t.fail(), "fail") + num(t.skip(), "skip") +
         num(t.xfail(), "xfail") + num(t.xpass(), "xpass") + "<td>" +
         svg_bar({{t.pass(), "pass", std::to_string(t.pass()) + " pass"},
                  {t.fail(), "fail", std::to_string(t.fail()) + " fail"},
                  {t.xpass(), "xpass", std::to_string(t.xpass()) + " xpass"},
                  {t.xfail(), "xfail", std::to_string(t.xfail()) + " xfail"},
                  {t.skip(), "skip", std::to_string(t.skip()) + " skip"}},
                 host.name() + ": outcomes") +
         "</td><td class=\"n\">" +
         fmt("%.2f", host.duration_s()) + " s</td><td class=\"" +
         (ok ? "verdict-pass\">PASS" : "verdict-fail\">FAIL") + "</td></tr>\n";
  }
  h += "</table>\n";
}

void html_matrix(std::string& h, const Report& r) {
  const int hosts = r.hosts_size();
  h += "<h2 id=\"matrix\">Calls &#215; hosts</h2>\n";
  h += "<p class=\"legend\">Cells: case counts, coloured by the worst outcome: "
       "<span class=\"fail\">fail</span><span class=\"xpass\">xpass</span>"
       "<span class=\"xfail\">xfail</span><span class=\"skip\">skip</span>"
       "<span class=\"pass\">pass</span></p>\n";
  h += "<table>\n<tr><th>group / call</th>";
  for (const auto& host : r.hosts()) h += "<th>" + html(host.name()) + "</th>";
  h += "</tr>\n";

  const auto row = [&](const std::string& label_html, bool group_row, auto&& selects) {
    h += group_row ? "<tr class=\"group\"><th>" : "<tr><td>&#160;&#160;";
    h += label_html;
    h += group_row ? "</th>" : "</td>";
    for (int i = 0; i < hosts; ++i) {
      Cell cell;
      for (const auto& c : r.hosts(i).cases())
        if (selects(c)) cell.add(c.outcome());
      h += cell_html(cell);
    }
    h += "</tr>\n";
  };
  for (std::string_view group : spec_groups()) {
    row(html(group), true, [&](const CaseResult& c) { return c.group() == group; });
    for (const auto& call : meta::kCalls) {
      if (call.group != group) continue;
      row("<code>" + html(call.name) + "</code>", false,
          [&](const CaseResult& c) { return c.call() == call.name; });
    }
  }
  for (std::string_view special : {"isolation", "fault"})
    row(html(special), true, [&](const CaseResult& c) { return c.group() == special; });
  // Cases whose group and call the spec does not know: shown, never hidden.
  const auto unknown = [&](const CaseResult& c) {
    return !is_spec_group(c.group()) && c.group() != "isolation" && c.group() != "fault" &&
           !is_spec_call(c.call());
  };
  bool any_unknown = false;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases()) any_unknown = any_unknown || unknown(c);
  if (any_unknown) row("other (not in the spec)", true, unknown);
  h += "</table>\n";
}

void html_coverage(std::string& h, const Report& r) {
  size_t total = 0;
  for (const auto& call : meta::kCalls)
    for (const auto& rule : call.rules) total += rule.outcomes.size();
  h += "<h2 id=\"coverage\">Rule coverage</h2>\n";
  h += "<p>Rule outcomes of the spec that the hosts' observed results reached.</p>\n";
  h += "<table>\n<tr><th>host</th><th>reached</th><th></th><th>unreached</th></tr>\n";
  for (const auto& host : r.hosts()) {
    std::set<std::string> reached;
    for (const auto& hit : host.coverage())
      if (hit.count() > 0) reached.insert(rule_key(hit.call(), hit.rule(), hit.outcome()));
    for (const auto& c : host.cases())
      for (const auto& k : c.rules_reached()) reached.insert(k);
    size_t n = 0;
    std::string unreached;
    for (const auto& call : meta::kCalls)
      for (const auto& rule : call.rules)
        for (const auto& o : rule.outcomes) {
          const std::string key = rule_key(call.name, rule.name, o.name);
          if (reached.count(key)) {
            ++n;
          } else {
            unreached += "<li><code>" + html(key) + "</code> (" +
                         html(spec_location(r, o.line)) + ")</li>";
          }
        }
    const double pct = total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 100.0;
    h += "<tr><td>" + html(host.name()) + "</td><td class=\"n\">" + std::to_string(n) + "/" +
         std::to_string(total) + " (" + percent_text(pct) + ")</td><td>" +
         svg_bar({{n, "pass", std::to_string(n) + " reached"}, {total - n, "skip", std::to_string(total - n) + " unreached"}},
                 host.name() + ": rule coverage") +
         "</td><td>";
    if (unreached.empty())
      h += "none";
    else
      h += "<details><summary>" + std::to_string(total - n) + " unreached</summary><ul>" + unreached +
           "</ul></details>";
    h += "</td></tr>\n";
  }
  h += "</table>\n";
}

void html_mutation(std::string& h, const Report& r) {
  if (!r.has_mutation()) return;
  const MutationRun& m = r.mutation();
  h += "<h2 id=\"mutation\">Mutation testing</h2>\n";
  h += "<p>Mutation score: <strong>" + html(mutation_score_text(m)) +
       "</strong> of the mutants of <strong>" + html(m.host()) +
       "</strong> killed. A surviving mutant is a fault no case detected.</p>\n";
  uint64_t killed = 0;
  for (const auto& mu : m.mutants()) killed += mu.killed() ? 1 : 0;
  const uint64_t survived = static_cast<uint64_t>(m.mutants_size()) - killed;
  h += "<p>" +
       svg_bar({{killed, "pass", std::to_string(killed) + " killed"}, {survived, "fail", std::to_string(survived) + " survived"}},
               "mutation score") +
       "</p>\n";
  h += "<table>\n<tr><th>mutant</th><th>group</th><th>fault</th><th>killed</th>"
       "<th>killed by</th><th>note</th></tr>\n";
  for (const auto& mu : m.mutants()) {
    h += std::string(mu.killed() ? "<tr>" : "<tr class=\"survivor\">") + "<td><code>" +
         html(mu.name()) + "</code></td><td>" + html(mu.group()) + "</td><td>" + html(mu.fault()) +
         "</td><td>" + (mu.killed() ? "yes" : "SURVIVED") + "</td><td><code>" + html(mu.killed_by()) +
         "</code></td><td>" + html(mu.note()) + "</td></tr>\n";
  }
  h += "</table>\n";
}

void html_failure(std::string& h, const Report& r, const HostRun& host, const CaseResult& c,
                  int index) {
  const Failure& f = c.failure();
  const bool xpass = c.outcome() == XPASS;
  h += std::string("<div class=\"case") + (xpass ? " xpass" : "") + "\" id=\"case-" +
       std::to_string(index) + "\">\n";
  h += "<h3>" + std::string(outcome_name(c.outcome())) + " " + html(host.name()) + " <code>" +
       html(c.id()) + "</code></h3>\n";
  if (xpass) {
    h += "<p>Unexpected pass: the expectations file says this case fails";
    if (!c.reason().empty()) h += " (" + html(c.reason()) + ")";
    h += ". Remove the expectation if the host was fixed.</p>\n";
  }
  if (!f.summary().empty()) h += "<p><strong>" + html(f.summary()) + "</strong></p>\n";
  if (!f.expected().empty() || !f.observed().empty()) {
    h += "<div class=\"side\"><div><h4>expected</h4><pre>" + html(f.expected()) +
         "</pre></div><div><h4>observed</h4><pre>" + html(f.observed()) + "</pre></div></div>\n";
  }
  if (!f.rule().empty() || f.spec_line() > 0) {
    h += "<p>Rule broken: <code>" + html(f.rule().empty() ? "(none)" : f.rule()) + "</code>";
    if (f.spec_line() > 0) h += ", <code>" + html(spec_location(r, f.spec_line())) + "</code>";
    h += "</p>\n";
  }
  if (f.trace_size() > 0) {
    h += "<table>\n<tr><th>#</th><th>thread</th><th>action</th><th>result</th><th>verdict</th></tr>\n";
    int n = 0;
    for (const auto& step : f.trace()) {
      h += "<tr><td class=\"n\">" + std::to_string(++n) + "</td><td class=\"n\">" +
           std::to_string(step.thread()) + "</td><td><code>" + html(step.action()) +
           "</code></td><td><code>" + html(step.result()) + "</code></td><td>" + html(step.verdict()) +
           "</td></tr>\n";
    }
    h += "</table>\n";
  }
  if (!c.repro().empty()) h += "<h4>repro</h4><pre>" + html(c.repro()) + "</pre>\n";
  if (!f.host_stderr().empty())
    h += "<details><summary>host stderr (tail)</summary><pre>" + html(f.host_stderr()) +
         "</pre></details>\n";
  h += "</div>\n";
}

}  // namespace

std::string to_html(const Report& r) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<title>xabi-conform report</title>\n<style>";
  h += kCss;
  h += "</style>\n</head>\n<body>\n";
  html_header(h, r);
  const size_t toc_at = h.size();
  html_summary(h, r);
  html_matrix(h, r);
  html_coverage(h, r);
  html_mutation(h, r);

  h += "<h2 id=\"failures\">Failures</h2>\n";
  int index = 0;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases())
      if (is_failing(c.outcome()) || severity(c.outcome()) == kNoOutcome) html_failure(h, r, host, c, index++);
  if (index == 0) h += "<p>None.</p>\n";

  // What cases measured (fault isolation: the healthy neighbour's latency).
  std::string measured;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases())
      for (const auto& m : c.measurements())
        measured += "<tr><td>" + html(host.name()) + "</td><td><code>" + html(c.id()) + "</code></td><td>" +
                    html(std::string(outcome_name(c.outcome()))) + "</td><td>" + html(m) + "</td></tr>\n";
  if (!measured.empty())
    h += "<h2 id=\"measurements\">Measurements</h2>\n<table><tr><th>host</th><th>case</th><th>outcome</th><th>figure</th></tr>\n" +
         measured + "</table>\n";

  // Expected failures, folded: they pass the run but are worth a look.
  std::string xfails;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases())
      if (c.outcome() == XFAIL)
        xfails += "<li>" + html(host.name()) + " <code>" + html(c.id()) + "</code>: " +
                  html(c.reason()) + (c.failure().summary().empty() ? "" : " &#8212; " + html(c.failure().summary())) +
                  "</li>\n";
  if (!xfails.empty())
    h += "<h2 id=\"xfail\">Expected failures</h2>\n<details><summary>list</summary><ul>\n" + xfails +
         "</ul></details>\n";
  std::string skips;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases())
      if (c.outcome() == SKIP)
        skips += "<li>" + html(host.name()) + " <code>" + html(c.id()) + "</code>: " + html(c.reason()) +
                 "</li>\n";
  if (!skips.empty())
    h += "<h2 id=\"skipped\">Skipped</h2>\n<details><summary>list</summary><ul>\n" + skips +
         "</ul></details>\n";
  h.insert(toc_at, toc_of(h.substr(toc_at)));
  h += "</body>\n</html>\n";
  return h;
}

bool write_html(const Report& report, const std::string& path, std::string* error) {
  return write_file_atomically(path, to_html(report), error);
}

}  // namespace xabi::conform
