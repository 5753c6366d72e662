#include "model_case_file.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace xabi::test {
namespace {

using ref::Int;

struct Cursor {
  const std::string& s;
  size_t pos = 0;
  std::string error;

  void skip() {
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  bool eat(const std::string& t) {
    skip();
    if (s.compare(pos, t.size(), t) != 0) return false;
    pos += t.size();
    return true;
  }
  bool fail(const std::string& m) {
    if (error.empty()) error = m + " at column " + std::to_string(pos + 1);
    return false;
  }
  std::string word() {
    skip();
    size_t start = pos;
    while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_')) ++pos;
    return s.substr(start, pos - start);
  }

  // term := INT | NAME ; product := term ('*' term)* ; sum := ['-'] product (('+'|'-') product)*
  bool term(Int i, Int* v) {
    skip();
    if (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      size_t used = 0;
      unsigned long long x = std::stoull(s.substr(pos), &used, 0);
      pos += used;
      *v = static_cast<Int>(x);
      return true;
    }
    std::string w = word();
    if (w.empty()) return fail("expected a value");
    if (w == "i") {
      *v = i;
      return true;
    }
    if (auto c = meta::find_constant(w)) {
      *v = static_cast<Int>(static_cast<uint64_t>(*c));
      return true;
    }
    if (auto e = meta::find_error(w)) {
      *v = *e;
      return true;
    }
    return fail("unknown name '" + w + "'");
  }
  bool product(Int i, Int* v) {
    if (!term(i, v)) return false;
    while (eat("*")) {
      Int r;
      if (!term(i, &r)) return false;
      *v *= r;
    }
    return true;
  }
  bool sum(Int i, Int* v) {
    bool neg = eat("-");
    if (!product(i, v)) return false;
    if (neg) *v = -*v;
    for (;;) {
      if (eat("+")) {
        Int r;
        if (!product(i, &r)) return false;
        *v += r;
      } else if (eat("-")) {
        Int r;
        if (!product(i, &r)) return false;
        *v -= r;
      } else {
        return true;
      }
    }
  }
  // string := piece ('+' piece)* ; piece := '"' chars '"' ['*' INT]
  bool string_value(std::string* out) {
    out->clear();
    do {
      skip();
      if (pos >= s.size() || s[pos] != '"') return fail("expected a string");
      ++pos;
      std::string piece;
      while (pos < s.size() && s[pos] != '"') {
        if (s[pos] == '\\' && pos + 1 < s.size()) ++pos;
        piece += s[pos++];
      }
      if (pos >= s.size()) return fail("unterminated string");
      ++pos;
      Int times = 1;
      if (eat("*") && !term(0, &times)) return false;
      for (Int k = 0; k < times; ++k) *out += piece;
      skip();
    } while (pos < s.size() && s[pos] == '+' && eat("+"));
    return true;
  }
};

bool parse_step(const std::string& text, Int i, Step* st, std::string* error) {
  Cursor c{text, 0, {}};
  if (c.eat("begin ")) st->begin = true;
  c.skip();
  if (c.pos < text.size() && text[c.pos] == 't' && c.pos + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[c.pos + 1]))) {
    ++c.pos;
    Int t;
    if (!c.term(i, &t)) return *error = c.error, false;
    st->thread = t;
  }
  st->call = c.word();
  if (st->call.empty() || !c.eat("(")) return *error = "expected CALL(", false;
  if (!c.eat(")")) {
    do {
      c.skip();
      if (c.pos < text.size() && text[c.pos] == '"') {
        std::string sv;
        if (!c.string_value(&sv)) return *error = c.error, false;
        st->args.push_back(ref::Arg::str(sv));
      } else if (c.pos < text.size() && text[c.pos] == '@') {  // an unreadable string at this address
        ++c.pos;
        Int v;
        if (!c.sum(i, &v)) return *error = c.error, false;
        st->args.push_back(ref::Arg::str_at(v));
      } else {
        Int v;
        if (!c.sum(i, &v)) return *error = c.error, false;
        st->args.push_back(ref::Arg::num(v));
      }
    } while (c.eat(","));
    if (!c.eat(")")) return *error = "expected ')'", false;
  }
  if (st->begin) {
    c.skip();
    if (c.pos != text.size()) return *error = "begin takes no result", false;
    return true;
  }
  if (!c.eat("->")) return *error = "expected '->'", false;
  Int r;
  if (!c.sum(i, &r)) return *error = c.error, false;
  st->result = static_cast<uint64_t>(static_cast<unsigned __int128>(r));
  if (!c.eat(":")) return *error = "expected ':'", false;
  std::string kind = c.word();
  if (kind == "ok") {
    st->expect = Step::Expect::kOk;
    st->rule = c.word();
    if (!c.eat(".")) return *error = "expected RULE.OUTCOME", false;
    st->outcome = c.word();
  } else if (kind == "violation") {
    st->expect = Step::Expect::kViolation;
    st->rule = c.word();
  } else if (kind == "bad_call") {
    st->expect = Step::Expect::kBadCall;
  } else {
    return *error = "expected ok, violation or bad_call", false;
  }
  c.skip();
  if (c.pos != text.size()) return *error = "unexpected text after the expectation", false;
  return true;
}

}  // namespace

bool read_cases(const std::string& path, std::vector<Case>* cases, std::string* error) {
  std::ifstream in(path);
  if (!in) return *error = path + ": cannot read", false;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (auto h = line.find('#'); h != std::string::npos && line.find('"') > h) line.resize(h);
    std::istringstream ws(line);
    std::string first;
    if (!(ws >> first)) continue;
    const std::string where = path + ":" + std::to_string(n) + ": ";
    if (first == "case") {
      Case c;
      c.line = n;
      ws >> c.name;
      std::string opt;
      while (ws >> opt) {
        auto eq = opt.find('=');
        std::string k = opt.substr(0, eq), v = eq == std::string::npos ? "" : opt.substr(eq + 1);
        if (k == "quota") c.config.quota = std::stoull(v, nullptr, 0);
        else if (k == "origin") c.config.origin = v;
        else if (k == "caps") {
          std::istringstream cs(v);
          std::string cap;
          while (std::getline(cs, cap, ',')) {
            if (cap == "listen") c.config.caps.listen = true;
            else if (cap == "origin") c.config.caps.origin = true;
            else if (cap == "console") c.config.caps.console = true;
            else return *error = where + "unknown capability '" + cap + "'", false;
          }
        } else {
          return *error = where + "unknown case option '" + k + "'", false;
        }
      }
      cases->push_back(std::move(c));
      continue;
    }
    if (cases->empty()) return *error = where + "a step before the first case", false;
    std::string text = line.substr(line.find(first));
    int times = 1;
    if (first == "repeat") {
      auto colon = text.find(':');
      times = std::stoi(text.substr(6, colon - 6));
      text = text.substr(colon + 1);
    }
    for (int i = 0; i < times; ++i) {
      Step st;
      st.line = n;
      std::string e;
      if (!parse_step(text, i, &st, &e)) return *error = where + e, false;
      cases->back().steps.push_back(std::move(st));
    }
  }
  return true;
}

}  // namespace xabi::test
