// The case file format (conformance/cases/README.md has the full reference):
//
//   case channels/lifecycle          # starts a case; ids are unique
//     group channels                 # required: a spec group, isolation or fault
//     about accept                   # optional: the call the case is about
//     needs listen                   # capabilities the host must declare
//     memory 1048576                 # the quota it is launched with
//     no-origin                      # launch without an origin
//     launch-args "x" "y"            # arguments after the image name
//     quick                          # part of --quick
//     peer connect p                 # steps, one per line
//     call accept retry E_AGAIN -> $c expect >= 0
//   end
//
// Everything is checked against the spec's meta tables while parsing, so a
// typo in a call name, a constant or an argument count is an error with its
// line, not a confusing failure at run time.
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "case.h"
#include "xabi/meta.hpp"

namespace xabi::conform {
namespace {

const std::set<std::string> kPredefined = {"alarms", "control", "scratch", "worker_entry"};

bool tokenize(const std::string& line, std::vector<std::string>& out, std::string& err) {
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size() || line[i] == '#') break;
    std::string tok;
    int depth = 0;
    bool in_str = false;
    while (i < line.size()) {
      char c = line[i];
      if (in_str) {
        if (c == '\\' && i + 1 < line.size()) {
          char n = line[i + 1];
          if (n == 'n') tok += '\n';
          else if (n == 'r') tok += '\r';
          else if (n == 't') tok += '\t';
          else if (n == '0') tok += '\0';
          else if (n == 'x' && i + 3 < line.size() && isxdigit(static_cast<unsigned char>(line[i + 2])) &&
                   isxdigit(static_cast<unsigned char>(line[i + 3]))) {
            tok += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
            i += 2;
          } else tok += n;
          i += 2;
          continue;
        }
        tok += c;
        ++i;
        if (c == '"') in_str = false;
        continue;
      }
      if (c == '"') in_str = true;
      else if (c == '{') ++depth;
      else if (c == '}') --depth;
      else if (isspace(static_cast<unsigned char>(c)) && depth == 0) break;
      tok += c;
      ++i;
    }
    if (in_str) {
      err = "unterminated string";
      return false;
    }
    if (depth != 0) {
      err = "unbalanced braces";
      return false;
    }
    out.push_back(tok);
  }
  return true;
}

bool is_string_tok(const std::string& t) { return t.size() >= 2 && t.front() == '"' && t.back() == '"'; }
std::string unquote(const std::string& t) { return t.substr(1, t.size() - 2); }

bool parse_number(const std::string& s, int64_t& v) {
  if (s.empty()) return false;
  try {
    size_t pos = 0;
    bool neg = s[0] == '-';
    std::string body = neg ? s.substr(1) : s;
    if (body.empty() || !isdigit(static_cast<unsigned char>(body[0]))) return false;
    uint64_t u = std::stoull(body, &pos, 0);
    if (pos != body.size()) return false;
    // Negated as unsigned: -static_cast<int64_t>(u) overflows for "-9223372036854775808".
    v = static_cast<int64_t>(neg ? 0 - u : u);
    return true;
  } catch (...) {
    return false;
  }
}

bool parse_expr(const std::string& s, Expr& e, std::string& err) {
  e = Expr{};
  e.text = s;
  size_t i = 0;
  int sign = 1;
  if (s.empty()) {
    err = "empty expression";
    return false;
  }
  while (i <= s.size()) {
    size_t j = i;
    // A term ends at + or - that is not the first character of the term.
    while (j < s.size() && !((s[j] == '+' || s[j] == '-') && j > i)) ++j;
    std::string term = s.substr(i, j - i);
    Expr::Term t;
    t.sign = sign;
    std::stringstream ts(term);
    std::string f;
    while (std::getline(ts, f, '*')) {
      Expr::Factor fac;
      int64_t v;
      if (!f.empty() && f[0] == '$') {
        fac.is_var = true;
        fac.var = f.substr(1);
        if (fac.var.empty()) {
          err = "empty variable name in " + s;
          return false;
        }
      } else if (parse_number(f, v)) {
        fac.value = v;
      } else if (auto c = meta::find_constant(f)) {
        fac.value = *c;
      } else if (auto e2 = meta::find_error(f)) {
        fac.value = *e2;
      } else {
        err = "\"" + f + "\" is not a number, a $variable, or a constant or error of the spec";
        return false;
      }
      t.factors.push_back(fac);
    }
    if (t.factors.empty()) {
      err = "bad expression " + s;
      return false;
    }
    e.terms.push_back(t);
    if (j >= s.size()) break;
    sign = s[j] == '+' ? 1 : -1;
    i = j + 1;
  }
  return true;
}

bool check_vars(const Expr& e, const std::set<std::string>& vars, std::string& err) {
  for (const auto& t : e.terms)
    for (const auto& f : t.factors)
      if (f.is_var && !vars.count(f.var)) {
        err = "$" + f.var + " is used before a step binds it";
        return false;
      }
  return true;
}

bool parse_operand(const std::string& tok, const meta::ParamInfo& p, Operand& o, std::string& err) {
  o.source = tok;
  const bool buffer = p.type == meta::Type::kPtr && p.dir != meta::Dir::kNone && p.len_param >= 0;
  const bool array = p.type == meta::Type::kPtr && p.count_param >= 0;
  if (is_string_tok(tok)) {
    if (p.type != meta::Type::kCstr && !(buffer && p.dir != meta::Dir::kOut)) {
      err = "parameter " + std::string(p.name) + " takes no string";
      return false;
    }
    o.kind = Operand::Kind::kString;
    o.text = unquote(tok);
    return true;
  }
  if (tok.rfind("zero:", 0) == 0 || tok.rfind("fill:", 0) == 0) {
    if (!buffer && !array) {
      err = "parameter " + std::string(p.name) + " is not a buffer";
      return false;
    }
    bool fill = tok[0] == 'f';
    std::string rest = tok.substr(5);
    std::string len = rest, byte;
    if (fill) {
      size_t c = rest.rfind(':');
      if (c == std::string::npos) {
        err = "fill:LEN:BYTE";
        return false;
      }
      len = rest.substr(0, c);
      byte = rest.substr(c + 1);
      int64_t b;
      if (!parse_number(byte, b) || b < 0 || b > 255) {
        err = "fill byte must be 0..255";
        return false;
      }
      o.byte = static_cast<uint8_t>(b);
    }
    o.kind = fill ? Operand::Kind::kFill : Operand::Kind::kZero;
    return parse_expr(len, o.len, err);
  }
  if (tok.rfind("struct:", 0) == 0) {
    if (!array) {
      err = "parameter " + std::string(p.name) + " is not an array of structs";
      return false;
    }
    size_t b = tok.find('{');
    if (b == std::string::npos) {
      err = "struct:NAME{field=expr,...}";
      return false;
    }
    o.kind = Operand::Kind::kStructs;
    o.struct_name = tok.substr(7, b - 7);
    if (o.struct_name != p.elem) {
      err = "parameter " + std::string(p.name) + " takes struct " + std::string(p.elem) + ", not " + o.struct_name;
      return false;
    }
    const meta::StructInfo* si = meta::find_struct(o.struct_name);
    std::string rest = tok.substr(b);
    size_t i = 0;
    while (i < rest.size()) {
      if (rest[i] == '|') {
        ++i;
        continue;
      }
      if (rest[i] == '*') {  // *K: repeat the previous element
        size_t j = i + 1;
        while (j < rest.size() && isdigit(static_cast<unsigned char>(rest[j]))) ++j;
        // No digits, or too many for an int: 0, refused below (std::stoi would throw).
        const std::string digits = rest.substr(i + 1, j - i - 1);
        int k = digits.empty() || digits.size() > 9 ? 0 : std::stoi(digits);
        if (o.elems.empty() || k < 1 || k > 128) {
          err = "*K repeats the element before it, 1..128 times";
          return false;
        }
        auto last = o.elems.back();
        for (int n = 1; n < k; ++n) o.elems.push_back(last);
        i = j;
        continue;
      }
      if (rest[i] != '{') {
        err = "expected { in " + tok;
        return false;
      }
      size_t j = rest.find('}', i);
      std::string body = rest.substr(i + 1, j - i - 1);
      std::vector<std::pair<std::string, Expr>> fields;
      std::stringstream bs(body);
      std::string kv;
      while (std::getline(bs, kv, ',')) {
        if (kv.empty()) continue;
        size_t eq = kv.find('=');
        if (eq == std::string::npos) {
          err = "field=expr expected in " + tok;
          return false;
        }
        std::string fname = kv.substr(0, eq);
        bool known = false;
        for (const auto& f : si->fields) known |= f.name == fname;
        if (!known) {
          err = "struct " + o.struct_name + " has no field " + fname;
          return false;
        }
        Expr e;
        if (!parse_expr(kv.substr(eq + 1), e, err)) return false;
        fields.emplace_back(fname, e);
      }
      o.elems.push_back(fields);
      i = j + 1;
    }
    return true;
  }
  o.kind = Operand::Kind::kExpr;
  return parse_expr(tok, o.expr, err);
}

bool parse_cmp(const std::string& s, Cmp& c) {
  static const std::map<std::string, Cmp> m = {{"==", Cmp::kEq}, {"!=", Cmp::kNe}, {">", Cmp::kGt},
                                               {">=", Cmp::kGe}, {"<", Cmp::kLt},  {"<=", Cmp::kLe}};
  auto it = m.find(s);
  if (it == m.end()) return false;
  c = it->second;
  return true;
}

int parse_worker(const std::string& s, std::string& err) {
  int64_t w;
  if (!parse_number(s, w) || w < 0 || w > 64) {
    err = "worker must be 0..64";
    return -1;
  }
  return static_cast<int>(w);
}

// Trailing clauses of call/await/spawn: -> $v, expect OP E, data "x", retry E, bits/nobits.
bool parse_clauses(const std::vector<std::string>& t, size_t i, Step& s, std::string& err) {
  while (i < t.size()) {
    const std::string& k = t[i];
    if (k == "->" && i + 1 < t.size() && t[i + 1].size() > 1 && t[i + 1][0] == '$') {
      s.bind = t[i + 1].substr(1);
      i += 2;
    } else if (k == "expect" && i + 2 < t.size()) {
      if (!parse_cmp(t[i + 1], s.check.cmp)) {
        err = "expect OP EXPR, OP one of == != > >= < <=";
        return false;
      }
      if (!parse_expr(t[i + 2], s.check.rhs, err)) return false;
      i += 3;
    } else if (k == "data" && i + 1 < t.size() && is_string_tok(t[i + 1])) {
      s.check.data = unquote(t[i + 1]);
      i += 2;
    } else if (k == "retry" && i + 1 < t.size()) {
      Expr e;
      if (!parse_expr(t[i + 1], e, err)) return false;
      s.retry = e;
      i += 2;
    } else if ((k == "bits" || k == "nobits") && i + 2 < t.size()) {
      Check::Bits b;
      b.set = k == "bits";
      size_t dot = t[i + 1].find('.');
      int64_t el;
      if (dot == std::string::npos || !parse_number(t[i + 1].substr(0, dot), el)) {
        err = k + " ELEM.FIELD MASK";
        return false;
      }
      b.elem = static_cast<int>(el);
      b.field = t[i + 1].substr(dot + 1);
      if (!parse_expr(t[i + 2], b.mask, err)) return false;
      s.check.bits.push_back(b);
      i += 3;
    } else {
      err = "unexpected \"" + k + "\" (clauses: -> $v, expect OP E, data \"..\", retry E, bits/nobits E.F MASK)";
      return false;
    }
  }
  return true;
}

}  // namespace

bool parse_step(const std::string& line, Step& s, std::string& err) {
  std::vector<std::string> t;
  if (!tokenize(line, t, err)) return false;
  if (t.empty()) {
    err = "empty step";
    return false;
  }
  s.text = line;
  size_t i = 0;
  while (i < t.size() && s.text.size() && isspace(static_cast<unsigned char>(s.text[0]))) s.text.erase(0, 1);
  if (t[0] == "on") {
    if (t.size() < 3) {
      err = "on W [async] call ...";
      return false;
    }
    if ((s.worker = parse_worker(t[1], err)) < 0) return false;
    i = 2;
    if (t[i] == "async") {
      s.async = true;
      ++i;
    }
    if (i >= t.size() || t[i] != "call") {
      err = "on W [async] call ...";
      return false;
    }
  }
  const std::string& k = t[i];
  auto need = [&](size_t n, const char* usage) {
    if (t.size() < i + n) {
      err = std::string("usage: ") + usage;
      return false;
    }
    return true;
  };
  if (k == "call") {
    if (!need(2, "call NAME ARGS... [clauses]")) return false;
    s.kind = Step::Kind::kCall;
    s.call = t[i + 1];
    const meta::CallInfo* c = meta::find_call(s.call);
    if (!c) {
      err = "no call named " + s.call + " in the spec";
      return false;
    }
    if (s.call == "exit" || s.call == "thread_exit") {
      err = "use the exit and thread_exit steps for " + s.call;
      return false;
    }
    size_t a = i + 2;
    for (const auto& p : c->params) {
      if (a >= t.size() || t[a] == "->" || t[a] == "expect" || t[a] == "retry" || t[a] == "data" || t[a] == "bits" ||
          t[a] == "nobits") {
        err = s.call + " takes " + std::to_string(c->params.size()) + " arguments; " + std::string(p.name) + " is missing";
        return false;
      }
      Operand o;
      if (!parse_operand(t[a], p, o, err)) {
        err = s.call + " argument " + std::string(p.name) + ": " + err;
        return false;
      }
      s.args.push_back(o);
      ++a;
    }
    return parse_clauses(t, a, s, err);
  }
  if (k == "await") {
    if (!need(2, "await W [clauses]")) return false;
    s.kind = Step::Kind::kAwait;
    if ((s.worker = parse_worker(t[i + 1], err)) < 0) return false;
    return parse_clauses(t, i + 2, s, err);
  }
  if (k == "spawn" || k == "thread_exit") {
    if (!need(2, "spawn W | thread_exit W")) return false;
    s.kind = k == "spawn" ? Step::Kind::kSpawn : Step::Kind::kThreadExit;
    if ((s.worker = parse_worker(t[i + 1], err)) < 1) {
      if (err.empty()) err = "worker 1..64";
      return false;
    }
    return parse_clauses(t, i + 2, s, err);
  }
  if (k == "clone-storm") {
    if (!need(2, "clone-storm N [clauses]")) return false;
    s.kind = Step::Kind::kCloneStorm;
    s.exprs.emplace_back();
    if (!parse_expr(t[i + 1], s.exprs.back(), err)) return false;
    return parse_clauses(t, i + 2, s, err);
  }
  if (k == "handover") {
    if (!need(2, "handover W")) return false;
    s.kind = Step::Kind::kHandover;
    if ((s.worker = parse_worker(t[i + 1], err)) < 1) {
      if (err.empty()) err = "worker 1..64";
      return false;
    }
    return true;
  }
  if (k == "probe") {
    if (!need(2, "probe CALL [clauses]")) return false;
    s.kind = Step::Kind::kProbe;
    s.call = t[i + 1];
    const meta::CallInfo* c = meta::find_call(s.call);
    if (!c) {
      err = "no call named " + s.call + " in the spec";
      return false;
    }
    if (!c->params.empty()) {
      err = "probe takes a call without parameters";
      return false;
    }
    return parse_clauses(t, i + 2, s, err);
  }
  if (k == "exit") {
    if (!need(2, "exit STATUS")) return false;
    s.kind = Step::Kind::kExit;
    s.exprs.emplace_back();
    return parse_expr(t[i + 1], s.exprs.back(), err);
  }
  if (k == "peer") {
    if (!need(3, "peer connect|send|recv|close|reset|eof NAME [data]")) return false;
    s.name = t[i + 2];
    const std::string& v = t[i + 1];
    if (v == "connect") s.kind = Step::Kind::kPeerConnect;
    else if (v == "close") s.kind = Step::Kind::kPeerClose;
    else if (v == "reset") s.kind = Step::Kind::kPeerReset;
    else if (v == "eof") s.kind = Step::Kind::kPeerEof;
    else if (v == "send" || v == "recv") {
      s.kind = v == "send" ? Step::Kind::kPeerSend : Step::Kind::kPeerRecv;
      if (!need(4, "peer send|recv NAME \"data\"|fill:N:B")) return false;
      const std::string& d = t[i + 3];
      if (is_string_tok(d)) s.strings.push_back(unquote(d));
      else if (d.rfind("fill:", 0) == 0) {
        int64_t n, b;
        size_t c = d.rfind(':');
        if (c <= 5 || !parse_number(d.substr(5, c - 5), n) || !parse_number(d.substr(c + 1), b) || n < 0 || n > (16 << 20)) {
          err = "fill:N:B";
          return false;
        }
        s.is_fill = true;
        s.fill_len = static_cast<uint64_t>(n);
        s.fill_byte = static_cast<uint8_t>(b);
      } else {
        err = "peer send|recv takes \"data\" or fill:N:B";
        return false;
      }
    } else {
      err = "peer connect|send|recv|close|eof";
      return false;
    }
    return true;
  }
  if (k == "mem") {
    if (!need(5, "mem fill|check ADDR LEN BYTE")) return false;
    s.kind = t[i + 1] == "fill" ? Step::Kind::kMemFill : Step::Kind::kMemCheck;
    if (t[i + 1] != "fill" && t[i + 1] != "check") {
      err = "mem fill|check";
      return false;
    }
    for (int n = 2; n <= 4; ++n) {
      s.exprs.emplace_back();
      if (!parse_expr(t[i + n], s.exprs.back(), err)) return false;
    }
    return true;
  }
  if (k == "syscall") {
    if (!need(3, "syscall NR ARGS... denied")) return false;
    s.kind = Step::Kind::kSyscall;
    if (t.back() != "denied") {
      err = "syscall steps end with \"denied\"";
      return false;
    }
    for (size_t n = i + 1; n + 1 < t.size(); ++n) {
      s.exprs.emplace_back();
      if (!parse_expr(t[n], s.exprs.back(), err)) return false;
    }
    if (s.exprs.size() > 7) {
      err = "at most 6 system call arguments";
      return false;
    }
    return true;
  }
  if (k == "sleep") {
    if (!need(2, "sleep MS")) return false;
    s.kind = Step::Kind::kSleep;
    s.exprs.emplace_back();
    return parse_expr(t[i + 1], s.exprs.back(), err);
  }
  if (k == "origin" && t.size() == i + 2 && t[i + 1] == "stop") {
    s.kind = Step::Kind::kOriginStop;
    return true;
  }
  if (k == "origin") {
    if (!need(4, "origin saw METHOD PATH [\"body\"]") || t[i + 1] != "saw") {
      if (err.empty()) err = "origin saw METHOD PATH [\"body\"]";
      return false;
    }
    s.kind = Step::Kind::kOriginSaw;
    s.strings = {t[i + 2], t[i + 3]};
    if (t.size() > i + 4) {
      if (!is_string_tok(t[i + 4])) {
        err = "the body must be a string";
        return false;
      }
      s.strings.push_back(unquote(t[i + 4]));
    }
    return true;
  }
  if (k == "args") {
    s.kind = Step::Kind::kArgs;
    for (size_t n = i + 1; n < t.size(); ++n) {
      if (!is_string_tok(t[n])) {
        err = "args \"a\" \"b\" ...";
        return false;
      }
      s.strings.push_back(unquote(t[n]));
    }
    return true;
  }
  if (k == "console") {
    if (!need(3, "console saw \"text\"") || t[i + 1] != "saw" || !is_string_tok(t[i + 2])) {
      err = "console saw \"text\"";
      return false;
    }
    s.kind = Step::Kind::kConsoleSaw;
    s.strings.push_back(unquote(t[i + 2]));
    return true;
  }
  if (k == "let") {
    if (!need(4, "let $v = EXPR") || t[i + 1].size() < 2 || t[i + 1][0] != '$' || t[i + 2] != "=") {
      err = "let $v = EXPR";
      return false;
    }
    s.kind = Step::Kind::kLet;
    s.bind = t[i + 1].substr(1);
    s.exprs.emplace_back();
    return parse_expr(t[i + 3], s.exprs.back(), err);
  }
  err = "unknown step \"" + k + "\"";
  return false;
}

namespace {

// Which variables a step reads, and which it binds.
void step_vars(const Step& s, std::vector<const Expr*>& uses) {
  for (const auto& o : s.args) {
    if (o.kind == Operand::Kind::kExpr) uses.push_back(&o.expr);
    if (o.kind == Operand::Kind::kZero || o.kind == Operand::Kind::kFill) uses.push_back(&o.len);
    for (const auto& el : o.elems)
      for (const auto& f : el) uses.push_back(&f.second);
  }
  for (const auto& e : s.exprs) uses.push_back(&e);
  if (s.check.cmp != Cmp::kNone) uses.push_back(&s.check.rhs);
  if (s.retry) uses.push_back(&*s.retry);
  for (const auto& b : s.check.bits) uses.push_back(&b.mask);
}

}  // namespace

bool parse_case_text(const std::string& text, const std::string& path, std::vector<Case>& out,
                     std::vector<std::string>& errors) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  std::optional<Case> cur;
  std::set<std::string> vars, ids;
  std::set<int> async_workers;
  auto error = [&](const std::string& m) { errors.push_back(path + ":" + std::to_string(n) + ": " + m); };
  for (const auto& c : out) ids.insert(c.id);
  while (std::getline(in, line)) {
    ++n;
    std::vector<std::string> t;
    std::string err;
    if (!tokenize(line, t, err)) {
      error(err);
      continue;
    }
    if (t.empty()) continue;
    if (!cur) {
      if (t[0] != "case" || t.size() != 2) {
        error("expected \"case ID\"");
        continue;
      }
      cur = Case{};
      cur->id = t[1];
      cur->file = path;
      cur->line = n;
      vars = kPredefined;
      async_workers.clear();
      if (!ids.insert(cur->id).second) error("case " + cur->id + " is defined twice");
      continue;
    }
    const std::string& k = t[0];
    if (k == "end") {
      if (cur->group.empty()) error("case " + cur->id + " has no group");
      if (cur->steps.empty()) error("case " + cur->id + " has no steps");
      if (!async_workers.empty()) error("case " + cur->id + " ends with an async call not awaited");
      out.push_back(std::move(*cur));
      cur.reset();
      continue;
    }
    if (k == "case") {
      error("case inside case " + cur->id + " (missing end)");
      continue;
    }
    if (k == "group" && t.size() == 2) {
      bool known = t[1] == "isolation" || t[1] == "fault";
      for (const auto& c : meta::kCalls) known |= c.group == t[1];
      if (!known) error("unknown group " + t[1]);
      cur->group = t[1];
    } else if (k == "about" && t.size() == 2) {
      if (!meta::find_call(t[1])) error("no call named " + t[1]);
      cur->call = t[1];
    } else if (k == "needs") {
      for (size_t i = 1; i < t.size(); ++i) cur->needs.insert(t[i]);
    } else if (k == "memory" && t.size() == 2) {
      int64_t v;
      if (!parse_number(t[1], v) || v < 0) error("memory BYTES");
      else cur->memory = static_cast<uint64_t>(v);
    } else if (k == "no-origin" && t.size() == 1) {
      cur->origin = false;
    } else if (k == "quick" && t.size() == 1) {
      cur->quick = true;
    } else if (k == "timeout" && t.size() == 2) {
      int64_t v;
      if (!parse_number(t[1], v) || v <= 0) error("timeout SECONDS");
      else cur->timeout_s = static_cast<double>(v);
    } else if (k == "launch-args") {
      for (size_t i = 1; i < t.size(); ++i) cur->args.push_back(unquote(t[i]));
    } else {
      Step s;
      if (!parse_step(line, s, err)) {
        error(err);
        continue;
      }
      s.line = n;
      std::vector<const Expr*> uses;
      step_vars(s, uses);
      for (const Expr* e : uses)
        if (!check_vars(*e, vars, err)) error(err);
      if (s.kind == Step::Kind::kCall && s.async) {
        if (s.worker == 0) error("an async call must go to a worker 1..64 (worker 0 serves the agent)");
        if (!async_workers.insert(s.worker).second) error("worker " + std::to_string(s.worker) + " already has an async call");
        if (!s.bind.empty() || s.check.cmp != Cmp::kNone) error("put -> and expect on the await step");
      }
      if (s.kind == Step::Kind::kAwait && !async_workers.erase(s.worker))
        error("await " + std::to_string(s.worker) + " without an async call on that worker");
      if (!s.bind.empty()) vars.insert(s.bind);
      cur->steps.push_back(std::move(s));
    }
  }
  if (cur) {
    ++n;
    error("case " + cur->id + " is not closed with end");
  }
  return errors.empty();
}

bool parse_case_file(const std::string& path, std::vector<Case>& out, std::vector<std::string>& errors) {
  std::ifstream in(path);
  if (!in) {
    errors.push_back(path + ": cannot read");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_case_text(ss.str(), path, out, errors);
}

}  // namespace xabi::conform
