// The conformance report writers against a report with two hosts, every
// outcome, and hostile strings from the hosts: JSON round trip, well-formed
// JUnit XML with the right counts (checked by a small XML reader below), and an
// HTML report that escapes everything and follows the spec's calls.
#include "html_attrs.h"
#include "conformance/report/report_writers.h"

#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "xabi/meta.hpp"

namespace xabi::conform {
namespace {

using google::protobuf::util::MessageDifferencer;

// Everything a hostile host might print. Valid UTF-8, so JSON keeps it exactly.
const std::string kHostile =
    "<script>alert('x')</script> ]]> & \"dq\" 'sq' \x01 \x1b[31mred\x1b[0m <!-- --> &amp;";
// Not UTF-8 at all: a lone continuation byte, 0xff, a truncated sequence, an
// encoded surrogate and an overlong '/'.
const std::string kInvalidUtf8 = "bad \x80 \xff \xe2\x82 \xed\xa0\x80 \xc0\xaf end";

TraceStep* step(Failure* f, uint32_t thread, std::string action, std::string result,
                std::string verdict) {
  TraceStep* s = f->add_trace();
  s->set_thread(thread);
  s->set_action(std::move(action));
  s->set_result(std::move(result));
  s->set_verdict(std::move(verdict));
  return s;
}

CaseResult* add_case(HostRun* h, std::string id, std::string group, std::string call, Outcome o) {
  CaseResult* c = h->add_cases();
  c->set_id(std::move(id));
  c->set_group(std::move(group));
  c->set_call(std::move(call));
  c->set_outcome(o);
  c->set_duration_ms(12.5);
  c->set_seed(42);
  c->set_repro("xabi-conform --host " + h->name() + " --case " + c->id() + " --seed 42");
  return c;
}

void set_totals(HostRun* h) { *h->mutable_totals() = count_outcomes(*h); }

// Two hosts, every outcome, hostile strings; `with_invalid_utf8` also puts
// bytes that are not UTF-8 into the host's stderr, a summary and a trace.
Report make_report(bool with_invalid_utf8) {
  Report r;
  r.set_abi_version(meta::kAbiVersion);
  r.set_spec("spec/xabi.textproto");
  r.set_started_at("2024-05-01T12:00:00Z");
  r.set_duration_s(73.25);
  r.set_seed(1234567890123ULL);
  r.set_command("xabi-conform --host linux --host ref --mutants 'a&b'");
  r.set_quick(false);

  HostRun* linux = r.add_hosts();
  linux->set_name("linux");
  linux->set_adapter("conformance/hosts/linux.textproto");
  linux->add_capabilities("channels.net");
  linux->add_capabilities("threads");
  linux->set_duration_s(40.5);

  CaseResult* c = add_case(linux, "calls/alloc/basic", "memory", "alloc", PASS);
  c->add_rules_reached("alloc.ok.placed");
  c->add_rules_reached("alloc.bad_len.null");

  c = add_case(linux, "calls/free/double_free", "memory", "free", FAIL);
  c->add_rules_reached("free.ok.freed");
  Failure* f = c->mutable_failure();
  f->set_summary("free returned 0 for an unmapped range " + kHostile);
  f->set_expected("-2 (E_NOT_MAPPED)");
  f->set_observed("0 " + kHostile);
  f->set_rule("free.not_mapped");
  f->set_spec_line(132);
  step(f, 0, "alloc(len=4096)", "0x7f0000000000", "ok: placed");
  step(f, 0, "free(0x7f0000000000, 4096)", "0", "ok: freed");
  step(f, 1, "free(0x7f0000000000, 4096) " + kHostile, "0", "refused: free.not_mapped");
  f->set_host_stderr("host log line 1\nhost log " + kHostile + "\n" +
                     (with_invalid_utf8 ? kInvalidUtf8 : std::string("last line")) + "\n");
  if (with_invalid_utf8) f->set_summary(f->summary() + kInvalidUtf8);

  c = add_case(linux, "calls/open_url/http_get", "channels", "open_url", SKIP);
  c->set_reason("capability channels.http not declared " + kHostile);

  c = add_case(linux, "calls/zutex_wait/timeout", "sync", "zutex_wait", XFAIL);
  c->set_reason("issue 17: wakes late " + kHostile);
  f = c->mutable_failure();
  f->set_summary("woke after 30 ms");
  f->set_expected("<= 10 ms");
  f->set_observed("30 ms");
  step(f, 2, "zutex_wait(0x1000, 0)", "0", "late");

  c = add_case(linux, "calls/poll/hup", "channels", "poll", XPASS);
  c->set_reason("issue 23: poll misses HUP");

  c = add_case(linux, "isolation/syscall/getpid", "isolation", "", FAIL);
  f = c->mutable_failure();
  f->set_summary("getpid was allowed");
  f->set_expected("killed by signal 31");
  f->set_observed("returned 1234");
  step(f, 0, "syscall getpid()", "1234", with_invalid_utf8 ? "not killed " + kInvalidUtf8 : "not killed");

  c = add_case(linux, "fault/guest_crash", "fault", "", PASS);
  set_totals(linux);
  RuleHit* hit = linux->add_coverage();
  hit->set_call("free");
  hit->set_rule("bad_args");
  hit->set_outcome("inval");
  hit->set_count(3);
  hit = linux->add_coverage();
  hit->set_call("free");
  hit->set_rule("not_mapped");
  hit->set_outcome("not_mapped");
  hit->set_count(0);  // zero hits: not reached

  HostRun* ref = r.add_hosts();
  ref->set_name("ref");
  ref->set_adapter("conformance/hosts/ref.textproto");
  ref->add_capabilities("threads");
  ref->set_duration_s(2.0);
  add_case(ref, "calls/alloc/basic", "memory", "alloc", PASS)->add_rules_reached("alloc.ok.placed");
  add_case(ref, "calls/free/double_free", "memory", "free", PASS)->add_rules_reached("free.not_mapped.not_mapped");
  add_case(ref, "calls/open_url/http_get", "channels", "open_url", SKIP)->set_reason("no network");
  add_case(ref, "isolation/syscall/getpid", "isolation", "", PASS);
  set_totals(ref);

  MutationRun* m = r.mutable_mutation();
  m->set_host("ref");
  m->set_total(29);
  m->set_killed(28);
  m->set_score(28.0 / 29.0);
  for (int i = 0; i < 29; ++i) {
    Mutant* mu = m->add_mutants();
    mu->set_name("mutant_" + std::to_string(i));
    mu->set_group("memory");
    mu->set_fault("free returns 0");
    mu->set_killed(i != 7);
    if (i != 7) mu->set_killed_by("calls/free/double_free");
    else mu->set_note("survived: " + kHostile);
  }
  return r;
}

// --- a small, strict XML reader --------------------------------------------------
//
// Enough of XML 1.0 for JUnit files: declaration, comments, elements with
// quoted attributes, text, the five named entities and character references.
// It refuses anything else, records each element with its decoded attributes
// and text, and checks that every character is one XML 1.0 allows.

struct Element {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;  // decoded direct text content
  std::vector<int> children;
  int parent = -1;
};

bool is_xml_char(uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// Strict UTF-8 decode of the whole input; false on any invalid sequence.
bool decode_all(const std::string& s, std::vector<uint32_t>* out) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; ++k) {
      const unsigned char d = s[i + k];
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    out->push_back(cp);
    i += n;
  }
  return true;
}

class XmlReader {
 public:
  // Returns "" if `xml` is well-formed, else what is wrong.
  std::string parse(const std::string& xml) {
    std::vector<uint32_t> cps;
    if (!decode_all(xml, &cps)) return "not UTF-8";
    for (uint32_t c : cps)
      if (!is_xml_char(c)) return "character not allowed in XML 1.0: " + std::to_string(c);
    s_ = xml;
    i_ = 0;
    if (s_.compare(0, 5, "<?xml") == 0) {
      const size_t e = s_.find("?>");
      if (e == std::string::npos) return "unterminated declaration";
      i_ = e + 2;
    }
    std::vector<int> stack;
    bool root_done = false;
    while (i_ < s_.size()) {
      if (s_.compare(i_, 4, "<!--") == 0) {
        const size_t e = s_.find("-->", i_ + 4);
        if (e == std::string::npos) return "unterminated comment";
        i_ = e + 3;
      } else if (s_.compare(i_, 2, "</") == 0) {
        i_ += 2;
        const std::string name = read_name();
        skip_space();
        if (name.empty() || !eat('>')) return "bad end tag at " + std::to_string(i_);
        if (stack.empty() || elements[stack.back()].name != name) return "unbalanced </" + name + ">";
        stack.pop_back();
        if (stack.empty()) root_done = true;
      } else if (s_[i_] == '<') {
        ++i_;
        if (root_done) return "content after the root element";
        Element el;
        el.name = read_name();
        if (el.name.empty()) return "bad tag name at " + std::to_string(i_);
        el.parent = stack.empty() ? -1 : stack.back();
        bool self_closing = false;
        for (;;) {
          const bool spaced = skip_space();
          if (eat('>')) break;
          if (s_.compare(i_, 2, "/>") == 0) {
            i_ += 2;
            self_closing = true;
            break;
          }
          if (!spaced) return "attributes must be separated by space at " + std::to_string(i_);
          const std::string attr = read_name();
          if (attr.empty()) return "bad attribute name at " + std::to_string(i_);
          skip_space();
          if (!eat('=')) return "attribute without '=' at " + std::to_string(i_);
          skip_space();
          if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\''))
            return "unquoted attribute value at " + std::to_string(i_);
          const char q = s_[i_++];
          const size_t e = s_.find(q, i_);
          if (e == std::string::npos) return "unterminated attribute value";
          std::string value;
          const std::string err = decode(s_.substr(i_, e - i_), &value);
          if (!err.empty()) return "attribute " + attr + ": " + err;
          if (el.attrs.count(attr)) return "duplicate attribute " + attr;
          el.attrs[attr] = value;
          i_ = e + 1;
        }
        const int idx = static_cast<int>(elements.size());
        if (el.parent >= 0) elements[el.parent].children.push_back(idx);
        elements.push_back(std::move(el));
        if (!self_closing)
          stack.push_back(idx);
        else if (stack.empty())
          root_done = true;
      } else {
        const size_t e = s_.find('<', i_);
        const std::string raw = s_.substr(i_, e == std::string::npos ? std::string::npos : e - i_);
        if (raw.find("]]>") != std::string::npos) return "']]>' in text";
        std::string text;
        const std::string err = decode(raw, &text);
        if (!err.empty()) return "text: " + err;
        if (stack.empty()) {
          if (raw.find_first_not_of(" \t\r\n") != std::string::npos) return "text outside the root";
        } else {
          elements[stack.back()].text += text;
        }
        i_ = e == std::string::npos ? s_.size() : e;
      }
    }
    if (!stack.empty()) return "unclosed <" + elements[stack.back()].name + ">";
    if (elements.empty()) return "no root element";
    return "";
  }

  std::vector<int> all(const std::string& name) const {
    std::vector<int> out;
    for (size_t k = 0; k < elements.size(); ++k)
      if (elements[k].name == name) out.push_back(static_cast<int>(k));
    return out;
  }
  const Element* child(int parent, const std::string& name) const {
    for (int k : elements[parent].children)
      if (elements[k].name == name) return &elements[k];
    return nullptr;
  }

  std::vector<Element> elements;

 private:
  bool skip_space() {
    const size_t start = i_;
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    return i_ > start;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string read_name() {
    const size_t start = i_;
    const auto ok = [&](char c, bool first) {
      return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
             (!first && (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'));
    };
    while (i_ < s_.size() && ok(s_[i_], i_ == start)) ++i_;
    return s_.substr(start, i_ - start);
  }
  // Decodes entities; a raw '<' or a '&' that starts no entity is an error.
  static std::string decode(const std::string& raw, std::string* out) {
    for (size_t k = 0; k < raw.size(); ++k) {
      const char c = raw[k];
      if (c == '<') return "raw '<'";
      if (c != '&') {
        *out += c;
        continue;
      }
      const size_t semi = raw.find(';', k);
      if (semi == std::string::npos) return "raw '&'";
      const std::string ent = raw.substr(k + 1, semi - k - 1);
      static const std::map<std::string, char> named = {
          {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
      if (auto it = named.find(ent); it != named.end()) {
        *out += it->second;
      } else if (ent.size() > 1 && ent[0] == '#') {
        const bool hex = ent[1] == 'x';
        const std::string digits = ent.substr(hex ? 2 : 1);
        if (digits.empty() ||
            digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos)
          return "bad character reference &" + ent + ";";
        const unsigned long cp = std::stoul(digits, nullptr, hex ? 16 : 10);
        if (!is_xml_char(static_cast<uint32_t>(cp))) return "reference to a forbidden character";
        if (cp < 0x80) *out += static_cast<char>(cp);
        else *out += "?";  // not needed by these tests
      } else {
        return "raw '&' (unknown entity &" + ent + ";)";
      }
      k = semi;
    }
    return "";
  }

  std::string s_;
  size_t i_ = 0;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_dir() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("xabi_report_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

bool has_raw_control(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return true;
  return false;
}

// What the writers make of control characters: visible "\x01" text.
std::string visible(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\n' && c != '\t') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// --- JSON --------------------------------------------------------------------------

TEST(ReportJson, RoundTripsExactly) {
  const Report r = make_report(false);
  const std::string json = to_json(r);
  ASSERT_FALSE(json.empty());
  auto parsed = parse_json(json);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  const Report& back = parsed.value();
  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(r, back)) << diff;
}

TEST(ReportJson, PublishedShape) {
  const std::string json = to_json(make_report(false));
  // lowerCamelCase names, enums by name, pretty printed, zero counts present.
  EXPECT_NE(json.find("\"abiVersion\": 1"), std::string::npos);
  EXPECT_NE(json.find("\"durationMs\": 12.5"), std::string::npos);
  EXPECT_NE(json.find("\"outcome\": \"XPASS\""), std::string::npos);
  EXPECT_NE(json.find("\"xpass\": 0"), std::string::npos);  // the ref host has no xpass
  EXPECT_NE(json.find("\"quick\": false"), std::string::npos);
  EXPECT_NE(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.find("abi_version"), std::string::npos);
  EXPECT_FALSE(has_raw_control(json));  // \x01 and ESC are \u escapes
}

TEST(ReportJson, InvalidUtf8BecomesReplacementCharacters) {
  const Report r = make_report(true);
  const Report clean = utf8_sanitized(r);
  EXPECT_FALSE(MessageDifferencer::Equals(r, clean));
  const std::string json = to_json(r);
  ASSERT_FALSE(json.empty());
  std::vector<uint32_t> cps;
  EXPECT_TRUE(decode_all(json, &cps)) << "report.json is not UTF-8";
  auto back = parse_json(json);
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_TRUE(MessageDifferencer::Equals(clean, back.value()));
  // Each invalid byte is one U+FFFD; valid text around it is untouched.
  EXPECT_EQ(valid_utf8("a\x80z"), "a\xef\xbf\xbdz");
  EXPECT_EQ(valid_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(valid_utf8("\xf4\x90\x80\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(ReportJson, ParseRejectsGarbageAndUnknownFields) {
  for (const char* bad : {"{not json", "{\"abiVersion\": 1, \"noSuchField\": 2}"}) {
    auto r = parse_json(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ConformError::kBadReport) << bad;
    EXPECT_FALSE(r.error().detail.empty()) << bad;
  }
  auto r = parse_json("{\"abiVersion\": 3}");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r.value().abi_version(), 3u);
}

TEST(ReportFiles, WrittenAtomically) {
  const std::string dir = temp_dir();
  const Report r = make_report(true);
  const std::string json_path = dir + "/report.json";
  const std::string html_path = dir + "/report.html";
  const std::string junit_path = dir + "/junit-linux.xml";
  {
    std::ofstream old(json_path);
    old << "old content";
  }
  for (const Status& written : {write_json(r, json_path), write_html(r, html_path), write_junit(r.hosts(0), r, junit_path)})
    ASSERT_TRUE(written) << written.error().detail;
  EXPECT_EQ(read_file(json_path), to_json(r));
  EXPECT_EQ(read_file(html_path), to_html(r));
  EXPECT_EQ(read_file(junit_path), to_junit(r.hosts(0), r));
  for (const auto& p : {json_path, html_path, junit_path})
    EXPECT_FALSE(std::filesystem::exists(p + ".tmp")) << p;
  const Status unwritable = write_json(r, dir + "/no/such/dir/report.json");
  ASSERT_FALSE(unwritable);
  EXPECT_EQ(unwritable.error().code, ConformError::kIo);
  EXPECT_NE(unwritable.error().detail.find("no/such/dir"), std::string::npos) << unwritable.error().detail;
  std::filesystem::remove_all(dir);
}

// --- JUnit -------------------------------------------------------------------------

TEST(XmlReader, RefusesMalformedXml) {
  // The checker itself must catch what it is there to catch.
  const std::vector<std::string> bad = {
      "<a><b></a></b>",
      "<a>",
      "<a x=1/>",
      "<a x=\"1\" x=\"2\"/>",
      "<a>1 & 2</a>",
      "<a>1 &bogus; 2</a>",
      "<a x=\"<\"/>",
      "<a>\x01</a>",
      "<a>\x1b[31m</a>",
      "<a>&#1;</a>",
      "<a>]]></a>",
      "<a>\xff</a>",
      "<a/><b/>",
      "text<a/>",
  };
  for (const auto& x : bad) {
    XmlReader reader;
    EXPECT_NE(reader.parse(x), "") << "accepted: " << x;
  }
  XmlReader ok;
  EXPECT_EQ(ok.parse("<?xml version=\"1.0\"?>\n<a x='1' y=\"&lt;&amp;&#10;\"><!-- c --><b/>t &gt;</a>\n"), "");
  ASSERT_EQ(ok.elements.size(), 2u);
  EXPECT_EQ(ok.elements[0].attrs["y"], "<&\n");
}

TEST(ReportJunit, WellFormedWithMatchingCounts) {
  const Report r = make_report(true);
  for (const auto& host : r.hosts()) {
    SCOPED_TRACE(host.name());
    const std::string xml = to_junit(host, r);
    XmlReader x;
    ASSERT_EQ(x.parse(xml), "") << xml;
    ASSERT_EQ(x.elements[0].name, "testsuites");
    const auto suites = x.all("testsuite");
    ASSERT_EQ(suites.size(), 1u);
    const Element& suite = x.elements[suites[0]];
    EXPECT_EQ(suite.parent, 0);
    EXPECT_EQ(suite.attrs.at("name"), "xabi-conform." + host.name());

    uint32_t fail = 0, skip = 0, xfail = 0;
    for (const auto& c : host.cases()) {
      fail += c.outcome() == FAIL || c.outcome() == XPASS;
      skip += c.outcome() == SKIP;
      xfail += c.outcome() == XFAIL;
    }
    EXPECT_EQ(suite.attrs.at("tests"), std::to_string(host.cases_size()));
    EXPECT_EQ(suite.attrs.at("failures"), std::to_string(fail));
    EXPECT_EQ(suite.attrs.at("skipped"), std::to_string(skip));
    EXPECT_EQ(suite.attrs.at("errors"), "0");
    EXPECT_EQ(x.elements[0].attrs.at("tests"), std::to_string(host.cases_size()));
    EXPECT_EQ(x.all("failure").size(), fail);
    EXPECT_EQ(x.all("skipped").size(), skip);
    EXPECT_EQ(x.all("system-out").size(), xfail);
    EXPECT_EQ(x.all("error").size(), 0u);

    const auto testcases = x.all("testcase");
    ASSERT_EQ(testcases.size(), static_cast<size_t>(host.cases_size()));
    for (int i = 0; i < host.cases_size(); ++i) {
      const CaseResult& c = host.cases(i);
      const Element& tc = x.elements[testcases[i]];
      EXPECT_EQ(tc.parent, suites[0]);
      EXPECT_EQ(tc.attrs.at("name"), c.id());
      EXPECT_EQ(tc.attrs.at("classname"), host.name() + "." + c.group());
      EXPECT_EQ(tc.attrs.at("time"), "0.013");  // 12.5 ms
      const Element* failure = x.child(testcases[i], "failure");
      const Element* skipped = x.child(testcases[i], "skipped");
      const Element* out = x.child(testcases[i], "system-out");
      EXPECT_EQ(failure != nullptr, c.outcome() == FAIL || c.outcome() == XPASS) << c.id();
      EXPECT_EQ(skipped != nullptr, c.outcome() == SKIP) << c.id();
      EXPECT_EQ(out != nullptr, c.outcome() == XFAIL) << c.id();
      if (c.outcome() == FAIL) {
        const Failure& f = c.failure();
        EXPECT_EQ(failure->attrs.at("type"), f.rule().empty() ? "FAIL" : f.rule());
        // The (hostile) summary survives escaping: decoded, it is the summary
        // with control characters made visible and invalid UTF-8 replaced.
        EXPECT_EQ(failure->attrs.at("message"), visible(valid_utf8(f.summary())));
        EXPECT_NE(failure->text.find("expected: " + f.expected()), std::string::npos);
        EXPECT_NE(failure->text.find("repro: " + c.repro()), std::string::npos);
        for (const auto& s : f.trace()) EXPECT_NE(failure->text.find(s.action().substr(0, 10)), std::string::npos);
        if (!f.rule().empty()) {
          EXPECT_NE(failure->text.find("rule: free.not_mapped (spec/xabi.textproto:132)"), std::string::npos);
        }
        if (!f.host_stderr().empty()) {
          EXPECT_NE(failure->text.find("host log line 1"), std::string::npos);
          EXPECT_NE(failure->text.find("\\x1b[31m"), std::string::npos);  // ESC made visible
        }
      }
      if (c.outcome() == XPASS) {
        EXPECT_EQ(failure->attrs.at("type"), "XPASS");
        EXPECT_NE(failure->attrs.at("message").find(c.reason()), std::string::npos);
      }
      if (c.outcome() == SKIP) {
        EXPECT_EQ(skipped->attrs.at("message"), visible(c.reason()));
      }
      if (c.outcome() == XFAIL) {
        EXPECT_NE(out->text.find("XFAIL"), std::string::npos);
        EXPECT_NE(out->text.find("issue 17: wakes late"), std::string::npos);
      }
    }
  }
}

// --- HTML --------------------------------------------------------------------------

TEST(ReportHtml, EscapesEverythingFromTheHosts) {
  const Report r = make_report(true);
  const std::string h = to_html(r);
  std::vector<uint32_t> cps;
  EXPECT_TRUE(decode_all(h, &cps)) << "report.html is not UTF-8";
  EXPECT_FALSE(has_raw_control(h));
  std::string lower = h;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("]]>"), std::string::npos);
  EXPECT_EQ(h.find("<!-- -->"), std::string::npos);
  EXPECT_EQ(h.find("'sq'"), std::string::npos);
  EXPECT_EQ(h.find("\"dq\""), std::string::npos);
  EXPECT_EQ(h.find("& \""), std::string::npos);
  EXPECT_EQ(h.find("'a&b'"), std::string::npos);  // the command line
  // ... but it is all there, escaped.
  EXPECT_NE(h.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; ]]&gt; &amp; &quot;dq&quot;"),
            std::string::npos);
  EXPECT_NE(h.find("\\x1b[31mred"), std::string::npos);
  EXPECT_NE(h.find("&amp;amp;"), std::string::npos);
  // Every '&' starts an entity.
  for (size_t p = h.find('&'); p != std::string::npos; p = h.find('&', p + 1)) {
    const size_t semi = h.find(';', p);
    ASSERT_NE(semi, std::string::npos);
    const std::string ent = h.substr(p + 1, semi - p - 1);
    EXPECT_TRUE(ent == "amp" || ent == "lt" || ent == "gt" || ent == "quot" ||
                (ent.size() > 1 && ent[0] == '#' && ent.find_first_not_of("0123456789", 1) == std::string::npos))
        << ent;
  }
}

TEST(ReportHtml, SelfContained) {
  const std::string h = to_html(make_report(false));
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(h, "<style>"), 1u);
  EXPECT_EQ(h.find("http://"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
  EXPECT_EQ(h.find("src="), std::string::npos);
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_NE(h.find("</html>"), std::string::npos);
  // Each opened container closes.
  for (const char* tag : {"table", "tr", "details", "pre", "div", "ul", "dl"}) {
    EXPECT_EQ(count(h, std::string("<") + tag + ">") + count(h, std::string("<") + tag + " "),
              count(h, std::string("</") + tag + ">"))
        << tag;
  }
}

// `h` without the links of the matrix's cells (<a class="cell" ...>...</a>),
// to read the cells' text and colour.
std::string without_cell_links(std::string h) {
  for (size_t at = h.find("<a class=\"cell\""); at != std::string::npos; at = h.find("<a class=\"cell\"", at)) {
    h.erase(at, h.find('>', at) + 1 - at);
    h.erase(h.find("</a>", at), 4);
  }
  return h;
}

TEST(ReportHtml, ShowsWhatTheRunFound) {
  const Report r = make_report(false);
  const std::string h = without_cell_links(to_html(r));
  // Header.
  EXPECT_NE(h.find("2024-05-01T12:00:00Z"), std::string::npos);
  EXPECT_NE(h.find("1234567890123"), std::string::npos);
  EXPECT_NE(h.find("<dd>full</dd>"), std::string::npos);
  // Every failing case id, with its trace and repro.
  for (const auto& host : r.hosts())
    for (const auto& c : host.cases()) {
      if (c.outcome() != FAIL && c.outcome() != XPASS) continue;
      EXPECT_NE(h.find("<code>" + c.id() + "</code></h3>"), std::string::npos) << c.id();
      EXPECT_NE(h.find("<pre>" + c.repro() + "</pre>"), std::string::npos) << c.id();
    }
  EXPECT_NE(h.find("<code>free(0x7f0000000000, 4096)</code>"), std::string::npos);
  EXPECT_NE(h.find("<code>spec/xabi.textproto:132</code>"), std::string::npos);
  // Passing cases are not listed as failures.
  EXPECT_EQ(h.find("calls/alloc/basic</code></h3>"), std::string::npos);
  // The mutation score and the survivor.
  EXPECT_NE(h.find("28/29 (96.5 %)"), std::string::npos);
  EXPECT_EQ(count(h, "<tr class=\"survivor\">"), 1u);
  EXPECT_NE(h.find("<tr class=\"survivor\"><td><code>mutant_7</code>"), std::string::npos);
  // The matrix: every call and group of the spec, plus isolation and fault.
  for (const auto& call : meta::kCalls) {
    EXPECT_NE(h.find("<code>" + std::string(call.name) + "</code></td>"), std::string::npos) << call.name;
    EXPECT_NE(h.find("<tr class=\"group\"><th>" + std::string(call.group) + "</th>"), std::string::npos)
        << call.group;
  }
  EXPECT_NE(h.find("<tr class=\"group\"><th>isolation</th><td class=\"fail\">1 fail</td><td class=\"pass\">1 pass</td>"),
            std::string::npos);
  EXPECT_NE(h.find("<tr class=\"group\"><th>fault</th><td class=\"pass\">1 pass</td><td class=\"none\">"),
            std::string::npos);
  // Cells are coloured by the worst outcome, derived from the cases.
  EXPECT_NE(h.find("<code>free</code></td><td class=\"fail\">1 fail</td><td class=\"pass\">1 pass</td>"),
            std::string::npos);
  EXPECT_NE(h.find("<code>poll</code></td><td class=\"xpass\">1 xpass</td><td class=\"none\">"),
            std::string::npos);
  EXPECT_NE(h.find("<tr class=\"group\"><th>memory</th><td class=\"fail\">1 fail, 1 pass</td>"),
            std::string::npos);
  EXPECT_NE(h.find("<code>time_now</code></td><td class=\"none\">"), std::string::npos);
  // Rule coverage: linux reached alloc.ok.placed, alloc.bad_len.null,
  // free.ok.freed (cases) and free.bad_args.inval (a hit); the zero hit is not.
  size_t total = 0;
  for (const auto& call : meta::kCalls)
    for (const auto& rule : call.rules) total += rule.outcomes.size();
  EXPECT_NE(h.find("<tr><td>linux</td><td class=\"n\">4/" + std::to_string(total)), std::string::npos);
  EXPECT_NE(h.find("<tr><td>ref</td><td class=\"n\">2/" + std::to_string(total)), std::string::npos);
  EXPECT_NE(h.find("<li><code>free.not_mapped.not_mapped</code>"), std::string::npos);
}

// The sum of the widths of the rects of class `cls` in the first bar after `from`.
double bar_width(const std::string& h, const std::string& from, const std::string& cls) {
  const size_t at = h.find("<svg class=\"bar\"", h.find(from));
  const size_t end = h.find("</svg>", at);
  double w = 0;
  for (size_t r = h.find("<rect class=\"" + cls + "\"", at); r < end; r = h.find("<rect class=\"" + cls + "\"", r + 1)) {
    const size_t v = h.find("width=\"", r) + 7;
    w += std::stod(h.substr(v, h.find('"', v) - v));
  }
  return w;
}

TEST(ReportHtml, ChartsAndContents) {
  const Report r = make_report(false);
  const std::string h = to_html(r);
  // A table of contents that links every section the report has, and only those.
  const size_t nav = h.find("<nav class=\"toc\">");
  ASSERT_NE(nav, std::string::npos);
  const std::string toc = h.substr(nav, h.find("</nav>", nav) - nav);
  size_t sections = 0;
  for (size_t at = h.find("<h2 id=\""); at != std::string::npos; at = h.find("<h2 id=\"", at + 1), ++sections) {
    const std::string id = h.substr(at + 8, h.find('"', at + 8) - at - 8);
    EXPECT_NE(toc.find("<a href=\"#" + id + "\">"), std::string::npos) << id;
  }
  EXPECT_EQ(count(toc, "<li>"), sections);
  EXPECT_NE(toc.find("Mutation testing"), std::string::npos);
  // Bars drawn to scale: a host's pass segment is its share of its cases.
  for (const auto& host : r.hosts()) {
    const Totals t = count_outcomes(host);
    const double all = t.pass() + t.fail() + t.skip() + t.xfail() + t.xpass();
    const std::string row = "<tr><td>" + host.name() + "</td><td><code>";
    EXPECT_NEAR(bar_width(h, row, "pass"), 240.0 * t.pass() / all, 0.05) << host.name();
    EXPECT_NEAR(bar_width(h, row, "fail"), 240.0 * t.fail() / all, 0.05) << host.name();
  }
  // The mutation bar: 28 killed of 29.
  EXPECT_NEAR(bar_width(h, "Mutation score:", "pass"), 240.0 * 28 / 29, 0.05);
  EXPECT_NEAR(bar_width(h, "Mutation score:", "fail"), 240.0 * 1 / 29, 0.05);
  // Tooltips say the numbers.
  EXPECT_NE(h.find("<title>28 killed</title>"), std::string::npos);
}


// The element text from the row whose id is `id` up to the next heading row
// of the case list (or the table's end).
std::string rows_under(const std::string& h, const std::string& id) {
  const size_t at = h.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  size_t end = std::min(h.find("<tr class=\"call\"", at + 1), h.find("<tr class=\"group\"", at + 1));
  end = std::min(end, h.find("</table>", at));
  return h.substr(at, end - at);
}

// The href of the matrix cell of `label_html`'s row, `column` (0: the first host).
std::string cell_href(const std::string& h, const std::string& label_html, int column) {
  size_t at = h.find(label_html + "</td>", h.find("<h2 id=\"matrix\""));
  if (at == std::string::npos) return {};
  for (int i = 0; i <= column; ++i) at = h.find("<td", at + 1);
  const size_t a = h.find("<a class=\"cell\" href=\"#", at);
  if (a == std::string::npos || a > h.find("</td>", at)) return {};
  const size_t v = a + 23;
  return h.substr(v, h.find('"', v) - v);
}

TEST(ReportHtml, LinksResolveToAnchors) {
  const std::string h = to_html(make_report(false));
  std::map<std::string, int> ids;
  for (const auto& id : attr_values(h, "id")) ++ids[id];
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << "id given twice: " << id;
  size_t internal = 0;
  for (const auto& href : attr_values(h, "href")) {
    if (href.rfind("#", 0) != 0) continue;
    ++internal;
    EXPECT_EQ(ids.count(href.substr(1)), 1u) << "a link to no anchor: " << href;
  }
  EXPECT_GT(count(h, "<a class=\"cell\""), 10u);  // every non-empty matrix cell links
  EXPECT_GT(internal, count(h, "<a class=\"cell\""));
  // Every case of every host has one row in that host's case list.
  const Report r = make_report(false);
  const size_t list = h.find("<h2 id=\"cases\">");
  ASSERT_NE(list, std::string::npos);
  for (const auto& host : r.hosts()) {
    const size_t at = h.find("\">" + host.name() + "</h3>", list);
    ASSERT_NE(at, std::string::npos) << host.name();
    const std::string table = h.substr(at, h.find("</table>", at) - at);
    for (const auto& c : host.cases())
      EXPECT_EQ(count(table, "<td><code>" + c.id() + "</code></td>"), 1u) << host.name() << " " << c.id();
  }
  // A matrix cell leads to the cases it counts: free on linux to the failing
  // double_free, free on ref to ref's passing one, and nothing else.
  const std::string free_linux = cell_href(h, "<code>free</code>", 0), free_ref = cell_href(h, "<code>free</code>", 1);
  ASSERT_FALSE(free_linux.empty());
  ASSERT_NE(free_linux, free_ref);
  const std::string linux_rows = rows_under(h, free_linux), ref_rows = rows_under(h, free_ref);
  EXPECT_NE(linux_rows.find("<code>calls/free/double_free</code></td><td class=\"fail\">"), std::string::npos) << linux_rows;
  EXPECT_NE(ref_rows.find("<code>calls/free/double_free</code></td><td class=\"pass\">"), std::string::npos) << ref_rows;
  EXPECT_EQ(linux_rows.find("calls/alloc/basic"), std::string::npos);
  // The isolation group's cell leads to its cases.
  const size_t g = h.find("<tr class=\"group\"><th>isolation</th>");
  ASSERT_NE(g, std::string::npos);
  const size_t v = h.find("href=\"#", g) + 7;
  EXPECT_NE(rows_under(h, h.substr(v, h.find('"', v) - v)).find("<code>isolation/syscall/getpid</code>"), std::string::npos);
  // A failing case's row links to its card, and the card back to the row.
  const size_t row = h.find("<td><code>calls/free/double_free</code></td><td class=\"fail\"><a href=\"#");
  ASSERT_NE(row, std::string::npos);
  const size_t card_v = h.find("href=\"#", row) + 7;
  const std::string card = h.substr(card_v, h.find('"', card_v) - card_v);
  const size_t card_at = h.find("<div class=\"case\" id=\"" + card + "\">");
  ASSERT_NE(card_at, std::string::npos);
  EXPECT_NE(h.find("<code>calls/free/double_free</code></h3>", card_at), std::string::npos);
  const size_t back_v = h.find("<p class=\"back\"><a href=\"#", card_at) + 26;
  const std::string back = h.substr(back_v, h.find('"', back_v) - back_v);
  EXPECT_EQ(h.rfind("<tr id=\"" + back + "\"><td><code>calls/free/double_free</code>", row), h.rfind("<tr id=\"", row));
}

TEST(ReportHtml, FailureCardNamesTheStepAndLinksTheHostsFiles) {
  Report r = make_report(false);
  Failure* f = r.mutable_hosts(0)->mutable_cases(1)->mutable_failure();  // linux calls/free/double_free
  f->set_step("call free $a PAGE expect == E_NOT_MAPPED");
  f->set_step_at("conformance/cases/memory.cases:12");
  HostLog* log = f->add_logs();
  log->set_path("work/linux/calls_free_double_free/host.stderr.txt");
  log->set_bytes(1234);
  log = f->add_logs();
  log->set_path("work/linux/a b/<x>&\"y\".txt");  // not from the runner, but a link must survive it
  log->set_bytes(0);
  const std::string h = to_html(r);
  const size_t card = h.find("<code>calls/free/double_free</code></h3>");
  ASSERT_NE(card, std::string::npos);
  const std::string text = h.substr(card, h.find("<div class=\"case", card) - card);
  EXPECT_NE(text.find("Failing step: <code>call free $a PAGE expect == E_NOT_MAPPED</code> at "
                      "<code>conformance/cases/memory.cases:12</code>"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("<a href=\"work/linux/calls_free_double_free/host.stderr.txt\"><code>"
                      "work/linux/calls_free_double_free/host.stderr.txt</code></a> (1234 bytes)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("<a href=\"work/linux/a%20b/%3Cx%3E%26%22y%22.txt\">"), std::string::npos) << text;
  // The step that stopped the case is marked in the trace: the last one.
  EXPECT_NE(text.find("<tr class=\"last\"><td class=\"n\">3</td>"), std::string::npos) << text;
  EXPECT_EQ(count(text, "<tr class=\"last\">"), 1u);
  // A card without a step says nothing about one.
  const size_t other = h.find("<code>isolation/syscall/getpid</code></h3>");
  ASSERT_NE(other, std::string::npos);
  EXPECT_EQ(h.substr(other, h.find("</div>\n", other) - other).find("Failing step"), std::string::npos);
}

TEST(ReportHtml, CallsNoCaseIsAboutCountTheCasesCallingThem) {
  Report r = make_report(false);
  // A case about thread_create that also calls thread_exit (its rules were reached).
  CaseResult* c = add_case(r.mutable_hosts(0), "threads/create_and_exit", "threads", "thread_create", PASS);
  c->add_rules_reached("thread_create.ok.started");
  c->add_rules_reached("thread_exit.others_live.thread_ends");
  const std::string h = to_html(r);
  EXPECT_NE(h.find("<code>thread_exit</code></td><td class=\"pass\"><a class=\"cell\" href=\"#"), std::string::npos);
  EXPECT_NE(h.find("1 pass <small>(calling)</small></a></td><td class=\"none\">"), std::string::npos);
  const std::string rows = rows_under(h, cell_href(h, "<code>thread_exit</code>", 0));
  EXPECT_NE(rows.find("No case is about it; called by: <a href=\"#"), std::string::npos) << rows;
  EXPECT_NE(rows.find("<code>threads/create_and_exit</code></a> (pass)"), std::string::npos) << rows;
  // thread_create, which the case is about, counts it as usual.
  EXPECT_NE(h.find("<code>thread_create</code></td><td class=\"pass\"><a class=\"cell\" href=\"#" +
                   cell_href(h, "<code>thread_create</code>", 0) + "\">1 pass</a>"),
            std::string::npos);
  // Its reached thread_exit rule counts as covered.
  EXPECT_EQ(h.find("<li><code>thread_exit.others_live.thread_ends</code>", h.find("<tr><td>linux</td><td class=\"n\">")),
            h.find("<li><code>thread_exit.others_live.thread_ends</code>", h.find("<tr><td>ref</td><td class=\"n\">")))
      << "linux should not list it as unreached (only ref does)";
  // Without that case nothing calls thread_exit.
  EXPECT_NE(to_html(make_report(false)).find("<code>thread_exit</code></td><td class=\"none\">"), std::string::npos);
}

TEST(ReportHtml, GroupOutcomesAndDurations) {
  Report r = make_report(false);
  HostRun* linux = r.mutable_hosts(0);
  // memory: 10 and 30 ms; the host's longest case: 80 ms (isolation); the
  // skipped case's time is not a case duration.
  for (auto& c : *linux->mutable_cases()) {
    if (c.id() == "calls/alloc/basic") c.set_duration_ms(10);
    else if (c.id() == "calls/free/double_free") c.set_duration_ms(30);
    else if (c.id() == "isolation/syscall/getpid") c.set_duration_ms(80);
    else if (c.outcome() == SKIP) c.set_duration_ms(500);
    else c.set_duration_ms(5);
  }
  const std::string h = to_html(r);
  const size_t sec = h.find("<h2 id=\"groups\">");
  ASSERT_NE(sec, std::string::npos);
  const std::string row_start = "\">memory</a></td><td class=\"n\">2</td>";
  const size_t row = h.find(row_start, sec);
  ASSERT_NE(row, std::string::npos) << h.substr(sec, 3000);
  const std::string tr = h.substr(row, h.find("</tr>", row) - row);
  EXPECT_NE(tr.find("<td class=\"n\">20.0 ms</td><td class=\"n\">30.0 ms</td>"), std::string::npos) << tr;
  // Outcome bar: one pass, one fail; duration bar to the host's scale (80 ms).
  EXPECT_NEAR(bar_width(h, row_start, "pass"), 120.0, 0.05);
  EXPECT_NEAR(bar_width(h, row_start, "fail"), 120.0, 0.05);
  const std::string dur = "<td class=\"n\">30.0 ms</td>";
  EXPECT_NEAR(bar_width(h, dur, "dmed"), 240.0 * 20 / 80, 0.05);
  EXPECT_NEAR(bar_width(h, dur, "dmed") + bar_width(h, dur, "dmax"), 240.0 * 30 / 80, 0.05);
  EXPECT_NE(h.find("<title>median 20.0 ms</title>"), std::string::npos);
  // channels on linux: its XPASS ran (5 ms); its SKIP's 500 ms is no case duration.
  const size_t ch = h.find("\">channels</a></td><td class=\"n\">2</td>", sec);
  ASSERT_NE(ch, std::string::npos);
  EXPECT_NE(h.substr(ch, h.find("</tr>", ch) - ch).find("<td class=\"n\">5.00 ms</td><td class=\"n\">5.00 ms</td>"),
            std::string::npos);
  // The units are said.
  EXPECT_NE(h.find("in ms, of the cases that ran (not skipped)", sec), std::string::npos);
}

// --- summary ------------------------------------------------------------------------

TEST(ReportSummary, TableScoreAndFailures) {
  Report r = make_report(false);
  const std::string s = summary_table(r);
  EXPECT_FALSE(has_raw_control(s)) << s;
  std::istringstream in(s);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_GE(lines.size(), 6u) << s;
  EXPECT_EQ(lines[0], "host  | pass | fail | skip | xfail | xpass | verdict");
  EXPECT_EQ(lines[2], "linux |    2 |    2 |    1 |     1 |     1 | FAIL");
  EXPECT_EQ(lines[3], "ref   |    3 |    0 |    1 |     0 |     0 | PASS");
  EXPECT_EQ(lines[4], "mutation score: 28/29 (96.5 %)");
  EXPECT_EQ(lines[5].rfind("FAIL linux calls/free/double_free: free returned 0 for an unmapped range <script>", 0), 0u)
      << lines[5];
  EXPECT_NE(lines[5].find("\\x1b[31mred"), std::string::npos);
  EXPECT_EQ(lines[6], "XPASS linux calls/poll/hup: unexpected pass (issue 23: poll misses HUP)");
  EXPECT_EQ(lines[7], "FAIL linux isolation/syscall/getpid: getpid was allowed");
  EXPECT_EQ(lines.size(), 8u);

  r.mutable_mutation()->set_killed(29);
  EXPECT_NE(summary_table(r).find("mutation score: 29/29 (100 %)\n"), std::string::npos);
  r.clear_mutation();
  EXPECT_EQ(summary_table(r).find("mutation score"), std::string::npos);
}

TEST(ReportSummary, MutationScoreTruncates) {
  MutationRun m;
  m.set_total(1000);
  m.set_killed(999);
  EXPECT_EQ(mutation_score_text(m), "999/1000 (99.9 %)");
  m.set_total(10000);
  m.set_killed(9999);
  EXPECT_EQ(mutation_score_text(m), "9999/10000 (99.9 %)");  // never rounds up to 100
  m.set_killed(0);
  EXPECT_EQ(mutation_score_text(m), "0/10000 (0 %)");
}

}  // namespace
}  // namespace xabi::conform
