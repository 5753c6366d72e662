// report.html: one self-contained file, inline CSS, no scripts. See
// report_writers.h.
#include <algorithm>
#include <cctype>
#include <functional>
#include <initializer_list>
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

// A matrix cell: its counts, linked to the cases it counts in the case list.
// `calling`: the cases only call the call (no case is about it).
std::string cell_html(const Cell& cell, const std::string& href, bool calling) {
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
  if (calling) text += " <small>(calling)</small>";
  return "<td class=\"" + outcome_class(cell.worst_outcome) + "\"><a class=\"cell\" href=\"#" + href + "\">" + text +
         "</a></td>";
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

// Appends `text` to `out`: ASCII letters and digits, and the bytes `keep`
// accepts, as they are; every other byte as `mark` and two digits of `hex`.
template <class Keep>
void append_escaped(std::string& out, std::string_view text, char mark, const char (&hex)[17], Keep keep) {
  for (unsigned char ch : text) {
    if ((std::isalnum(ch) && ch < 0x80) || keep(ch)) {
      out += static_cast<char>(ch);
    } else {
      out += mark;
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
}

// An id for an anchor, the same in every report of the same run: `kind` and
// each part, every byte of a part but [A-Za-z0-9] written "_hh", joined by
// '-' (so no two parts lists give one id, and no id needs escaping in a link).
std::string anchor(std::string_view kind, std::initializer_list<std::string_view> parts) {
  std::string id(kind);
  for (std::string_view part : parts) {
    id += '-';
    append_escaped(id, part, '_', "0123456789abcdef", [](unsigned char) { return false; });
  }
  return id;
}
std::string case_anchor(const HostRun& host, const CaseResult& c) { return anchor("case", {host.name(), c.id()}); }
std::string card_anchor(const HostRun& host, const CaseResult& c) { return anchor("fail", {host.name(), c.id()}); }

// A relative link to a file next to the report: the path percent-encoded
// (a path is bytes; a link must not break or turn into a scheme on them).
std::string file_href(std::string_view path) {
  std::string href;
  append_escaped(href, path, '%', "0123456789ABCDEF",
                 [](unsigned char ch) { return ch == '/' || ch == '.' || ch == '-' || ch == '_' || ch == '~'; });
  return href;
}

// The spec calls a case made (its results reached one of the call's rules,
// or the call's rule is the one it broke), beyond the one it is `about`.
std::set<std::string, std::less<>> calls_made(const CaseResult& c) {
  std::set<std::string, std::less<>> calls;
  auto add = [&](const std::string& rule) {
    const std::string call = rule.substr(0, rule.find('.'));
    if (is_spec_call(call)) calls.insert(call);
  };
  for (const auto& k : c.rules_reached()) add(k);
  if (c.has_failure() && !c.failure().rule().empty()) add(c.failure().rule());
  return calls;
}

// The rows of the calls x hosts matrix and of the case list, in one order:
// each spec group, then its calls; isolation; fault; what the spec does not
// know. A case is listed once: under its call, else under its group.
struct Row {
  std::string key;         // for anchors: "g.memory", "c.free", "other"
  std::string label_html;
  bool group = false;
  std::string call;        // call rows
  std::function<bool(const CaseResult&)> counts;  // the cases its matrix cells count
  std::function<bool(const CaseResult&)> lists;   // the cases the case list puts under it
};

std::vector<Row> rows_of(const Report& r) {
  std::vector<Row> rows;
  for (std::string_view group : spec_groups()) {
    const std::string g(group);
    rows.push_back({"g." + g, html(g), true, "", [g](const CaseResult& c) { return c.group() == g; },
                    [g](const CaseResult& c) { return c.group() == g && !is_spec_call(c.call()); }});
    for (const auto& call : meta::kCalls) {
      if (call.group != group) continue;
      const std::string name(call.name);
      const auto about = [name](const CaseResult& c) { return c.call() == name; };
      rows.push_back({"c." + name, "<code>" + html(name) + "</code>", false, name, about, about});
    }
  }
  for (std::string_view special : {"isolation", "fault"}) {
    const std::string g(special);
    const auto in = [g](const CaseResult& c) { return c.group() == g && !is_spec_call(c.call()); };
    rows.push_back({"g." + g, html(g), true, "", in, in});
  }
  // Cases whose group and call the spec does not know: shown, never hidden.
  const auto unknown = [](const CaseResult& c) {
    return !is_spec_group(c.group()) && c.group() != "isolation" && c.group() != "fault" && !is_spec_call(c.call());
  };
  bool any_unknown = false;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases()) any_unknown = any_unknown || unknown(c);
  if (any_unknown) rows.push_back({"other", "other (not in the spec)", true, "", unknown, unknown});
  return rows;
}

// Cases of `host` that call `call` without being about it.
std::vector<const CaseResult*> calling_cases(const HostRun& host, const std::string& call) {
  std::vector<const CaseResult*> out;
  for (const auto& c : host.cases())
    if (c.call() != call && calls_made(c).count(call)) out.push_back(&c);
  return out;
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

void html_matrix(std::string& h, const Report& r, const std::vector<Row>& rows) {
  h += "<h2 id=\"matrix\">Calls &#215; hosts</h2>\n";
  h += "<p class=\"legend\">Cells: case counts, coloured by the worst outcome: "
       "<span class=\"fail\">fail</span><span class=\"xpass\">xpass</span>"
       "<span class=\"xfail\">xfail</span><span class=\"skip\">skip</span>"
       "<span class=\"pass\">pass</span>; each links to its cases. A call no case is about counts "
       "the cases that call it <small>(calling)</small>.</p>\n";
  h += "<table>\n<tr><th>group / call</th>";
  for (const auto& host : r.hosts()) h += "<th>" + html(host.name()) + "</th>";
  h += "</tr>\n";
  for (const Row& row : rows) {
    h += row.group ? "<tr class=\"group\"><th>" : "<tr><td>&#160;&#160;";
    h += row.label_html;
    h += row.group ? "</th>" : "</td>";
    for (const auto& host : r.hosts()) {
      Cell cell;
      for (const auto& c : host.cases())
        if (row.counts(c)) cell.add(c.outcome());
      const bool calling = cell.counts.empty() && !row.call.empty();
      if (calling)
        for (const CaseResult* c : calling_cases(host, row.call)) cell.add(c->outcome());
      h += cell_html(cell, anchor("cases", {host.name(), row.key}), calling);
    }
    h += "</tr>\n";
  }
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
         html(mu.name()) + "</code></td><td>" + html(mu.group()) + "</td><td class=\"text\">" + html(mu.fault()) +
         "</td><td>" + (mu.killed() ? "yes" : "SURVIVED") + "</td><td><code>" + html(mu.killed_by()) +
         "</code></td><td class=\"text\">" + html(mu.note()) + "</td></tr>\n";
  }
  h += "</table>\n";
}

// A duration in ms, to a precision that suits its size.
std::string ms_text(double ms) { return fmt(ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms) + " ms"; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Per host and group: the outcomes as a bar, and how long the cases that ran
// took (each case's wall-clock time, launch to end), median and longest.
void html_groups(std::string& h, const Report& r, const std::vector<Row>& rows) {
  h += "<h2 id=\"groups\">Groups: outcomes and case durations</h2>\n";
  h += "<p>Duration: each case's wall-clock time from launching the host to its end, in ms, of the cases that "
       "ran (not skipped). The duration bar shows the median (dark) and the longest (light) case, to the scale "
       "of the host's longest case.</p>\n";
  for (const auto& host : r.hosts()) {
    struct Group {
      std::string label_html, key;
      Totals t;
      std::vector<double> ms;
    };
    std::vector<Group> groups;
    double longest = 0;
    for (const Row& row : rows) {
      if (!row.group) continue;
      Group g{row.label_html, row.key, {}, {}};
      HostRun part;  // the group's cases, to count their outcomes
      for (const auto& c : host.cases()) {
        if (!row.counts(c)) continue;
        *part.add_cases() = c;
        if (c.outcome() != SKIP) {
          g.ms.push_back(c.duration_ms());
          longest = std::max(longest, c.duration_ms());
        }
      }
      g.t = count_outcomes(part);
      const uint32_t n = g.t.pass() + g.t.fail() + g.t.skip() + g.t.xfail() + g.t.xpass();
      if (n > 0) groups.push_back(std::move(g));
    }
    if (groups.empty()) continue;
    h += "<h3>" + html(host.name()) + "</h3>\n<table>\n<tr><th>group</th><th>cases</th><th>outcomes</th>"
         "<th>median</th><th>longest</th><th>duration</th></tr>\n";
    for (const auto& g : groups) {
      const Totals& t = g.t;
      const uint32_t n = t.pass() + t.fail() + t.skip() + t.xfail() + t.xpass();
      h += "<tr><td><a href=\"#" + anchor("cases", {host.name(), g.key}) + "\">" + g.label_html + "</a></td><td class=\"n\">" +
           std::to_string(n) + "</td><td>" +
           svg_bar({{t.pass(), "pass", std::to_string(t.pass()) + " pass"},
                    {t.fail(), "fail", std::to_string(t.fail()) + " fail"},
                    {t.xpass(), "xpass", std::to_string(t.xpass()) + " xpass"},
                    {t.xfail(), "xfail", std::to_string(t.xfail()) + " xfail"},
                    {t.skip(), "skip", std::to_string(t.skip()) + " skip"}},
                   host.name() + ": outcomes") +
           "</td>";
      if (g.ms.empty()) {
        h += "<td class=\"none\">&#8212;</td><td class=\"none\">&#8212;</td><td></td></tr>\n";
        continue;
      }
      const double med = median(g.ms), max = *std::max_element(g.ms.begin(), g.ms.end());
      // To the host's scale: median, then the rest of the way to the longest.
      const uint64_t scale = 100000;
      const auto part = [&](double v) { return longest > 0 ? static_cast<uint64_t>(v / longest * scale + 0.5) : 0; };
      h += "<td class=\"n\">" + ms_text(med) + "</td><td class=\"n\">" + ms_text(max) + "</td><td>" +
           svg_bar({{part(med), "dmed", "median " + ms_text(med)},
                    {part(max) - part(med), "dmax", "longest " + ms_text(max)},
                    {scale - part(max), "dnone", "host's longest case: " + ms_text(longest)}},
                   host.name() + ": case durations") +
           "</td></tr>\n";
    }
    h += "</table>\n";
  }
}

// Every case, per host, in the matrix's order; each row has a stable anchor
// (the matrix and the failure cards link here).
void html_cases(std::string& h, const Report& r, const std::vector<Row>& rows) {
  h += "<h2 id=\"cases\">Cases</h2>\n";
  for (const auto& host : r.hosts()) {
    h += "<h3 id=\"" + anchor("cases", {host.name()}) + "\">" + html(host.name()) + "</h3>\n";
    h += "<table class=\"cases\">\n<tr><th>case</th><th>outcome</th><th>duration</th><th>note</th></tr>\n";
    for (const Row& row : rows) {
      std::vector<const CaseResult*> listed;
      for (const auto& c : host.cases())
        if (row.lists(c)) listed.push_back(&c);
      const std::vector<const CaseResult*> calling =
          listed.empty() && !row.call.empty() ? calling_cases(host, row.call) : std::vector<const CaseResult*>{};
      h += std::string("<tr class=\"") + (row.group ? "group" : "call") + "\" id=\"" +
           anchor("cases", {host.name(), row.key}) + "\"><th colspan=\"4\">" + row.label_html;
      if (listed.empty() && calling.empty() && !row.group) h += " &#8212; no case";
      h += "</th></tr>\n";
      if (!calling.empty()) {
        h += "<tr><td colspan=\"4\">No case is about it; called by: ";
        for (size_t i = 0; i < calling.size(); ++i)
          h += std::string(i ? ", " : "") + "<a href=\"#" + case_anchor(host, *calling[i]) + "\"><code>" +
               html(calling[i]->id()) + "</code></a> (" + outcome_class(calling[i]->outcome()) + ")";
        h += "</td></tr>\n";
      }
      for (const CaseResult* c : listed) {
        std::string note = html(c->reason());
        if (c->has_failure() && !c->failure().summary().empty())
          note += (note.empty() ? "" : " &#8212; ") + html(c->failure().summary());
        std::string outcome = html(outcome_name(c->outcome()));
        if (is_failing(c->outcome()) || severity(c->outcome()) == kNoOutcome)
          outcome = "<a href=\"#" + card_anchor(host, *c) + "\">" + outcome + "</a>";
        h += "<tr id=\"" + case_anchor(host, *c) + "\"><td><code>" + html(c->id()) + "</code></td><td class=\"" +
             outcome_class(c->outcome()) + "\">" + outcome + "</td><td class=\"n\">" +
             (c->outcome() == SKIP ? std::string("&#8212;") : ms_text(c->duration_ms())) + "</td><td class=\"text\">" + note +
             "</td></tr>\n";
      }
    }
    h += "</table>\n";
  }
}

void html_failure(std::string& h, const Report& r, const HostRun& host, const CaseResult& c) {
  const Failure& f = c.failure();
  const bool xpass = c.outcome() == XPASS;
  h += std::string("<div class=\"case") + (xpass ? " xpass" : "") + "\" id=\"" + card_anchor(host, c) + "\">\n";
  h += "<h3>" + std::string(outcome_name(c.outcome())) + " " + html(host.name()) + " <code>" + html(c.id()) +
       "</code></h3>\n";
  h += "<p class=\"back\"><a href=\"#" + case_anchor(host, c) + "\">in the case list</a></p>\n";
  if (xpass) {
    h += "<p>Unexpected pass: the expectations file says this case fails";
    if (!c.reason().empty()) h += " (" + html(c.reason()) + ")";
    h += ". Remove the expectation if the host was fixed.</p>\n";
  }
  if (!f.summary().empty()) h += "<p><strong>" + html(f.summary()) + "</strong></p>\n";
  if (!f.step().empty()) {
    h += "<p class=\"step\">Failing step: <code>" + html(f.step()) + "</code>";
    if (!f.step_at().empty()) h += " at <code>" + html(f.step_at()) + "</code>";
    h += "</p>\n";
  }
  if (!f.expected().empty() || !f.observed().empty()) {
    h += "<div class=\"side\"><div><h4>expected</h4><pre>" + html(f.expected()) +
         "</pre></div><div><h4>observed</h4><pre>" + html(f.observed()) + "</pre></div></div>\n";
  }
  if (!f.rule().empty() || f.spec_line() > 0) {
    h += "<p>Rule broken: <code>" + html(f.rule().empty() ? "(none)" : f.rule()) + "</code>";
    if (f.spec_line() > 0) h += ", <code>" + html(spec_location(r, f.spec_line())) + "</code>";
    h += "</p>\n";
  }
  if (f.logs_size() > 0) {
    h += "<p class=\"logs\">Host output:";
    for (const auto& log : f.logs())
      h += " <a href=\"" + html(file_href(log.path())) + "\"><code>" + html(log.path()) + "</code></a> (" +
           std::to_string(log.bytes()) + " bytes)";
    h += "</p>\n";
  }
  if (f.trace_size() > 0) {
    h += "<table>\n<tr><th>#</th><th>thread</th><th>action</th><th>result</th><th>verdict</th></tr>\n";
    int n = 0;
    for (const auto& step : f.trace()) {
      // The last step observed is where the case stopped.
      ++n;
      h += std::string(n == f.trace_size() ? "<tr class=\"last\">" : "<tr>") + "<td class=\"n\">" +
           std::to_string(n) + "</td><td class=\"n\">" + std::to_string(step.thread()) + "</td><td><code>" +
           html(step.action()) + "</code></td><td><code>" + html(step.result()) + "</code></td><td class=\"text\">" +
           html(step.verdict()) + "</td></tr>\n";
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
  const std::vector<Row> rows = rows_of(r);
  html_summary(h, r);
  html_matrix(h, r, rows);
  html_groups(h, r, rows);
  html_coverage(h, r);
  html_mutation(h, r);

  h += "<h2 id=\"failures\">Failures</h2>\n";
  bool any_failure = false;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases())
      if (is_failing(c.outcome()) || severity(c.outcome()) == kNoOutcome) {
        html_failure(h, r, host, c);
        any_failure = true;
      }
  if (!any_failure) h += "<p>None.</p>\n";

  // What cases measured (fault isolation: the healthy neighbour's latency).
  std::string measured;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases())
      for (const auto& m : c.measurements())
        measured += "<tr><td>" + html(host.name()) + "</td><td><code>" + html(c.id()) + "</code></td><td>" +
                    html(std::string(outcome_name(c.outcome()))) + "</td><td class=\"text\">" + html(m) + "</td></tr>\n";
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
  html_cases(h, r, rows);
  h.insert(toc_at, toc_of(h.substr(toc_at)));
  h += "</body>\n</html>\n";
  return h;
}

Status write_html(const Report& report, const std::string& path) {
  return write_file_atomically(path, to_html(report));
}

}  // namespace xabi::conform
