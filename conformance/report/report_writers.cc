// The report writers: JSON, JUnit XML, HTML and the plain-text summary. See
// report_writers.h.
#include "conformance/report/report_writers.h"

#include <fcntl.h>
#include <unistd.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "xabi/meta.hpp"

namespace xabi::conform {
namespace {

// --- UTF-8 and escaping --------------------------------------------------------

constexpr char32_t kReplacement = 0xFFFD;

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes the code point at s[i]. Returns the number of bytes it takes; an
// invalid byte (bad lead, overlong, surrogate, > U+10FFFF, truncated) yields
// U+FFFD and takes exactly one byte, so decoding resynchronises at once.
size_t decode_utf8(std::string_view s, size_t i, char32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  const size_t left = s.size() - i;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF && left >= 2 && is_cont(b(1))) {
    *cp = (char32_t(c & 0x1F) << 6) | (b(1) & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && left >= 3) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
    if (b(1) >= lo && b(1) <= hi && is_cont(b(2))) {
      *cp = (char32_t(c & 0x0F) << 12) | (char32_t(b(1) & 0x3F) << 6) | (b(2) & 0x3F);
      return 3;
    }
  }
  if (c >= 0xF0 && c <= 0xF4 && left >= 4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // <= U+10FFFF
    if (b(1) >= lo && b(1) <= hi && is_cont(b(2)) && is_cont(b(3))) {
      *cp = (char32_t(c & 0x07) << 18) | (char32_t(b(1) & 0x3F) << 12) |
            (char32_t(b(2) & 0x3F) << 6) | (b(3) & 0x3F);
      return 4;
    }
  }
  *cp = kReplacement;
  return 1;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

enum class Escape {
  kXmlText,  // element content
  kXmlAttr,  // a quoted attribute value: also keeps \n and \t from normalisation
  kHtml,     // HTML text or quoted attribute value
  kPlain,    // a terminal: only control characters are made visible
};

// Escapes `text` for `mode`. Control characters (C0 but \t and \n, DEL, C1) are
// not allowed raw in XML 1.0 or HTML and could drive a terminal: they become
// the visible text "\x1b" ("\u0085" for C1). Invalid UTF-8 and the XML
// non-characters U+FFFE and U+FFFF become U+FFFD.
std::string escape(std::string_view text, Escape mode) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  const bool markup = mode != Escape::kPlain;
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    i += decode_utf8(text, i, &cp);
    if (cp == 0xFFFE || cp == 0xFFFF) cp = kReplacement;
    if (markup) {
      switch (cp) {
        case '&': out += "&amp;"; continue;
        case '<': out += "&lt;"; continue;
        case '>': out += "&gt;"; continue;
        case '"': out += "&quot;"; continue;
        case '\'': out += "&#39;"; continue;
        case '\r': out += "&#13;"; continue;
        default: break;
      }
    }
    if (cp == '\n' || cp == '\t') {
      if (mode == Escape::kXmlAttr)
        out += cp == '\n' ? "&#10;" : "&#9;";
      else
        out += static_cast<char>(cp);
      continue;
    }
    if (cp < 0x20 || cp == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
      out += buf;
      continue;
    }
    if (cp >= 0x80 && cp <= 0x9F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
      continue;
    }
    append_utf8(out, cp);
  }
  return out;
}

std::string xml_text(std::string_view s) { return escape(s, Escape::kXmlText); }
std::string xml_attr(std::string_view s) { return escape(s, Escape::kXmlAttr); }
std::string html(std::string_view s) { return escape(s, Escape::kHtml); }
std::string plain(std::string_view s) { return escape(s, Escape::kPlain); }

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string seconds(double s) { return fmt("%.3f", s); }

// --- outcome helpers -------------------------------------------------------------

bool is_failing(Outcome o) { return o == FAIL || o == XPASS; }

// Higher is worse: what a matrix cell is coloured by.
int severity(Outcome o) {
  switch (o) {
    case PASS: return 1;
    case SKIP: return 2;
    case XFAIL: return 3;
    case XPASS: return 4;
    case FAIL: return 5;
    default: return 6;  // no outcome recorded: a bug of the suite
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

uint32_t unspecified_count(const HostRun& host) {
  uint32_t n = 0;
  for (const auto& c : host.cases())
    if (severity(c.outcome()) == 6) ++n;
  return n;
}

std::string spec_location(const Report& report, int line) {
  const std::string spec = report.spec().empty() ? std::string(meta::kSpecPath) : report.spec();
  return spec + ":" + std::to_string(line);
}

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

// --- UTF-8 sanitising through reflection ---------------------------------------

void sanitize_message(google::protobuf::Message* m) {
  const auto* desc = m->GetDescriptor();
  const auto* refl = m->GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const auto* field = desc->field(i);
    using FD = google::protobuf::FieldDescriptor;
    if (field->cpp_type() == FD::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int k = 0; k < refl->FieldSize(*m, field); ++k)
          refl->SetRepeatedString(m, field, k, valid_utf8(refl->GetRepeatedString(*m, field, k)));
      } else if (refl->HasField(*m, field)) {
        refl->SetString(m, field, valid_utf8(refl->GetString(*m, field)));
      }
    } else if (field->cpp_type() == FD::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int k = 0; k < refl->FieldSize(*m, field); ++k)
          sanitize_message(refl->MutableRepeatedMessage(m, field, k));
      } else if (refl->HasField(*m, field)) {
        sanitize_message(refl->MutableMessage(m, field));
      }
    }
  }
}

}  // namespace

// --- helpers ---------------------------------------------------------------------

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

namespace {
// "P %" with P truncated to one decimal (so only a full score prints 100) and
// a trailing ".0" dropped.
std::string percent_text(double pct) {
  pct = std::floor(pct * 10.0 + 1e-9) / 10.0;
  std::string p = fmt("%.1f", pct);
  if (p.size() > 2 && p.compare(p.size() - 2, 2, ".0") == 0) p.resize(p.size() - 2);
  return p + " %";
}
}  // namespace

std::string mutation_score_text(const MutationRun& m) {
  const double pct = m.total() > 0 ? 100.0 * m.killed() / m.total() : 100.0 * m.score();
  return std::to_string(m.killed()) + "/" + std::to_string(m.total()) + " (" + percent_text(pct) + ")";
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    const size_t n = decode_utf8(text, i, &cp);
    if (cp == kReplacement && n == 1)
      append_utf8(out, kReplacement);
    else
      out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

Report utf8_sanitized(const Report& report) {
  Report copy = report;
  sanitize_message(&copy);
  return copy;
}

bool write_file_atomically(const std::string& path, std::string_view content,
                           std::string* error) {
  const std::string tmp = path + ".tmp";
  const auto fail = [&](const std::string& what) {
    if (error) *error = what + " " + tmp + ": " + std::strerror(errno);
    return false;
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create");
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      return fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return fail("cannot flush");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    if (error) *error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// --- JSON ------------------------------------------------------------------------

std::string to_json(const Report& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;  // lowerCamelCase, as published
  std::string out;
  const auto status =
      google::protobuf::util::MessageToJsonString(utf8_sanitized(report), &out, options);
  if (!status.ok()) return {};  // cannot happen for a valid-UTF-8 Report
  return out;
}

bool write_json(const Report& report, const std::string& path, std::string* error) {
  const std::string json = to_json(report);
  if (json.empty()) {
    if (error) *error = "cannot convert the report to JSON";
    return false;
  }
  return write_file_atomically(path, json, error);
}

bool parse_json(const std::string& json, Report* report, std::string* error) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  report->Clear();
  const auto status = google::protobuf::util::JsonStringToMessage(json, report, options);
  if (!status.ok()) {
    if (error) *error = std::string(status.message());
    return false;
  }
  return true;
}

// --- JUnit XML -------------------------------------------------------------------
//
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

bool write_junit(const HostRun& host, const Report& report, const std::string& path,
                 std::string* error) {
  return write_file_atomically(path, to_junit(host, report), error);
}

// --- HTML ------------------------------------------------------------------------

namespace {

constexpr std::string_view kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1200px;color:#1d1d1f;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
pre{background:#f6f6f8;border:1px solid #ddd;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
code{background:#f6f6f8;padding:0 .2em}
.pass{background:#d4f7d4}.fail{background:#ffc9c9}.xpass{background:#ffb3d9}
.xfail{background:#ffe5b4}.skip{background:#e4e4e8}.unspecified{background:#ff8080}.none{color:#999}
tr.group th{background:#dde3f0}
tr.survivor td{background:#ffc9c9;font-weight:600}
.verdict-pass{color:#137333;font-weight:700}.verdict-fail{color:#b00020;font-weight:700}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.case{border:1px solid #ccc;border-left:6px solid #b00020;padding:.2em 1em 1em;margin:1em 0}
.case.xpass{border-left-color:#c0157a;background:none}
.legend span{padding:0 .5em;margin-right:.4em}
)";

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
       "<th>xpass</th><th>duration</th><th>verdict</th></tr>\n";
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
         num(t.xfail(), "xfail") + num(t.xpass(), "xpass") + "<td class=\"n\">" +
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
  h += "<table>\n<tr><th>host</th><th>reached</th><th>unreached</th></tr>\n";
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
         std::to_string(total) + " (" + percent_text(pct) + ")</td><td>";
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
  html_summary(h, r);
  html_matrix(h, r);
  html_coverage(h, r);
  html_mutation(h, r);

  h += "<h2 id=\"failures\">Failures</h2>\n";
  int index = 0;
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases())
      if (is_failing(c.outcome()) || severity(c.outcome()) == 6) html_failure(h, r, host, c, index++);
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
  h += "</body>\n</html>\n";
  return h;
}

bool write_html(const Report& report, const std::string& path, std::string* error) {
  return write_file_atomically(path, to_html(report), error);
}

// --- the plain-text summary ----------------------------------------------------

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
      } else if (severity(c.outcome()) == 6) {
        out += "ERROR " + plain(host.name()) + " " + plain(c.id()) + ": no outcome recorded\n";
      }
    }
  return out;
}

}  // namespace xabi::conform
