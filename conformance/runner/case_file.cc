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
// Model cases (tests/model/rules.cases) hold judge steps instead, a given
// result and the reference model's verdict on it:
//
//   case model/threads
//     needs listen                   # what the model is told the host offers
//     judge thread_create 0x1000 0x10000 7 -> 5 ok ok.started
//     repeat 3 judge accept -> $i ok ok.accepted
//   end
//
// Everything is checked against the spec's meta tables while parsing, so a
// typo in a call name, a constant or an argument count is an error with its
// line, not a confusing failure at run time.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>

#include "case.h"

#include "agent_protocol.h"
#include "model_inputs.h"
#include "xabi/meta.hpp"

namespace xabi::conform {
namespace {

const std::set<std::string> kPredefined = {"alarms", "control", "scratch", "worker_entry"};

Error syntax(std::string why) { return {ConformError::kCaseSyntax, std::move(why)}; }

// A line's tokens: words, "strings" and {braces} kept whole, up to a #.
Result<std::vector<std::string>> tokenize(const std::string& line) {
  std::vector<std::string> out;
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
        if (c == '\\' && i + 1 < line.size()) {  // kept as written: parse_string reads escapes
          tok += line.substr(i, 2);
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
    if (in_str) return syntax("unterminated string");
    if (depth != 0) return syntax("unbalanced braces");
    out.push_back(tok);
  }
  return out;
}

bool is_string_tok(const std::string& t) { return !t.empty() && t[0] == '"'; }

// A number as C writes it (decimal, 0x hex, 0 octal) after an optional '-'.
bool parse_number(const std::string& s, int64_t& v) {
  const bool neg = !s.empty() && s[0] == '-';
  std::string_view body(s);
  if (neg) body.remove_prefix(1);
  if (body.empty() || !isdigit(static_cast<unsigned char>(body[0]))) return false;
  int base = 10;
  if (body.size() > 1 && body[0] == '0') {
    const bool hex = body[1] == 'x' || body[1] == 'X';
    base = hex ? 16 : 8;
    body.remove_prefix(hex ? 2 : 1);
  }
  uint64_t u = 0;
  const char* end = body.data() + body.size();
  const auto [stop, ec] = std::from_chars(body.data(), end, u, base);
  if (body.empty() || ec != std::errc() || stop != end) return false;
  // Negated as unsigned: -static_cast<int64_t>(u) overflows for "-9223372036854775808".
  v = static_cast<int64_t>(neg ? 0 - u : u);
  return true;
}

Result<Expr> parse_expr(const std::string& s) {
  Expr e;
  e.text = s;
  size_t i = 0;
  int sign = 1;
  if (s.empty()) return syntax("empty expression");
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
        if (fac.var.empty()) return syntax("empty variable name in " + s);
      } else if (parse_number(f, v)) {
        fac.value = v;
      } else if (auto c = meta::find_constant(f)) {
        fac.value = *c;
      } else if (auto e2 = meta::find_error(f)) {
        fac.value = *e2;
      } else {
        return syntax("\"" + f + "\" is not a number, a $variable, or a constant or error of the spec");
      }
      t.factors.push_back(fac);
    }
    if (t.factors.empty()) return syntax("bad expression " + s);
    e.terms.push_back(t);
    if (j >= s.size()) break;
    sign = s[j] == '+' ? 1 : -1;
    i = j + 1;
  }
  return e;
}

bool is_constant(const Expr& e) {
  for (const auto& t : e.terms)
    for (const auto& f : t.factors)
      if (f.is_var) return false;
  return true;
}

// More than any parameter's max_len; a short line cannot make the parser allocate more.
constexpr uint64_t kMaxString = 1 << 20;

// string := piece ('+' piece)* ; piece := '"' chars '"' ['*' COUNT], COUNT a
// number or a spec constant. Escapes: \n \r \t \0 \xHH, and \c for c.
Result<std::string> parse_string(const std::string& tok) {
  std::string out;
  size_t i = 0;
  for (;;) {
    if (i >= tok.size() || tok[i] != '"') return syntax("expected a \"string\" in " + tok);
    std::string piece;
    for (++i; i < tok.size() && tok[i] != '"'; ++i) {
      if (tok[i] != '\\' || i + 1 >= tok.size()) {
        piece += tok[i];
        continue;
      }
      const char n = tok[++i];
      if (n == 'n') piece += '\n';
      else if (n == 'r') piece += '\r';
      else if (n == 't') piece += '\t';
      else if (n == '0') piece += '\0';
      else if (n == 'x' && i + 2 < tok.size() && isxdigit(static_cast<unsigned char>(tok[i + 1])) &&
               isxdigit(static_cast<unsigned char>(tok[i + 2]))) {
        piece += static_cast<char>(std::stoi(tok.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else piece += n;
    }
    if (i >= tok.size()) return syntax("unterminated string");
    ++i;
    uint64_t times = 1;
    size_t next = i;
    if (i < tok.size() && tok[i] == '*') {
      next = tok.find('+', i);
      Expr count;
      XABI_TRY(store(parse_expr(tok.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1)), count));
      // One factor, so the count cannot overflow while it is computed.
      const bool single = count.terms.size() == 1 && count.terms[0].factors.size() == 1;
      if (!single || !is_constant(count) || count.terms[0].sign * count.terms[0].factors[0].value < 0)
        return syntax("a string's repeat count is a number or constant >= 0, not " + count.text);
      times = static_cast<uint64_t>(count.terms[0].factors[0].value);
    }
    if (!piece.empty()) {  // ""*N adds nothing, however large N
      if (times > (kMaxString - out.size()) / piece.size()) return syntax("a string of more than " + std::to_string(kMaxString) + " bytes");
      for (uint64_t k = 0; k < times; ++k) out += piece;
    }
    if (next >= tok.size()) return out;
    if (tok[next] != '+') return syntax("unexpected \"" + tok.substr(next) + "\" after a string (join strings with +)");
    i = next + 1;
  }
}

Status check_vars(const Expr& e, const std::set<std::string>& vars) {
  for (const auto& t : e.terms)
    for (const auto& f : t.factors)
      if (f.is_var && !vars.count(f.var)) return syntax("$" + f.var + " is used before a step binds it");
  return {};
}

Result<Operand> parse_operand(const std::string& tok, const meta::ParamInfo& p) {
  Operand o;
  o.source = tok;
  const bool buffer = p.type == meta::Type::kPtr && p.dir != meta::Dir::kNone && p.len_param >= 0;
  const bool array = p.type == meta::Type::kPtr && p.count_param >= 0;
  if (is_string_tok(tok)) {
    if (p.type != meta::Type::kCstr && !(buffer && p.dir != meta::Dir::kOut))
      return syntax("parameter " + std::string(p.name) + " takes no string");
    o.kind = Operand::Kind::kString;
    XABI_TRY(store(parse_string(tok), o.text));
    return o;
  }
  if (tok.rfind("zero:", 0) == 0 || tok.rfind("fill:", 0) == 0) {
    if (!buffer && !array) return syntax("parameter " + std::string(p.name) + " is not a buffer");
    bool fill = tok[0] == 'f';
    std::string rest = tok.substr(5);
    std::string len = rest, byte;
    if (fill) {
      size_t c = rest.rfind(':');
      if (c == std::string::npos) return syntax("fill:LEN:BYTE");
      len = rest.substr(0, c);
      byte = rest.substr(c + 1);
      int64_t b;
      if (!parse_number(byte, b) || b < 0 || b > 255) return syntax("fill byte must be 0..255");
      o.byte = static_cast<uint8_t>(b);
    }
    o.kind = fill ? Operand::Kind::kFill : Operand::Kind::kZero;
    XABI_TRY(store(parse_expr(len), o.len));
    return o;
  }
  if (tok.rfind("struct:", 0) == 0) {
    if (!array) return syntax("parameter " + std::string(p.name) + " is not an array of structs");
    size_t b = tok.find('{');
    if (b == std::string::npos) return syntax("struct:NAME{field=expr,...}");
    o.kind = Operand::Kind::kStructs;
    o.struct_name = tok.substr(7, b - 7);
    if (o.struct_name != p.elem)
      return syntax("parameter " + std::string(p.name) + " takes struct " + std::string(p.elem) + ", not " + o.struct_name);
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
        if (o.elems.empty() || k < 1 || k > 128) return syntax("*K repeats the element before it, 1..128 times");
        auto last = o.elems.back();
        for (int n = 1; n < k; ++n) o.elems.push_back(last);
        i = j;
        continue;
      }
      if (rest[i] != '{') return syntax("expected { in " + tok);
      size_t j = rest.find('}', i);
      std::string body = rest.substr(i + 1, j - i - 1);
      std::vector<std::pair<std::string, Expr>> fields;
      std::stringstream bs(body);
      std::string kv;
      while (std::getline(bs, kv, ',')) {
        if (kv.empty()) continue;
        size_t eq = kv.find('=');
        if (eq == std::string::npos) return syntax("field=expr expected in " + tok);
        std::string fname = kv.substr(0, eq);
        bool known = false;
        for (const auto& f : si->fields) known |= f.name == fname;
        if (!known) return syntax("struct " + o.struct_name + " has no field " + fname);
        Expr e;
        XABI_TRY(store(parse_expr(kv.substr(eq + 1)), e));
        fields.emplace_back(fname, e);
      }
      o.elems.push_back(fields);
      i = j + 1;
    }
    return o;
  }
  o.kind = Operand::Kind::kExpr;
  XABI_TRY(store(parse_expr(tok), o.expr));
  return o;
}

bool parse_cmp(const std::string& s, Cmp& c) {
  static const std::map<std::string, Cmp> m = {{"==", Cmp::kEq}, {"!=", Cmp::kNe}, {">", Cmp::kGt},
                                               {">=", Cmp::kGe}, {"<", Cmp::kLt},  {"<=", Cmp::kLe}};
  auto it = m.find(s);
  if (it == m.end()) return false;
  c = it->second;
  return true;
}

Result<int> parse_worker(const std::string& s) {
  int64_t w;
  if (!parse_number(s, w) || w < 0 || w > 64) return syntax("worker must be 0..64");
  return static_cast<int>(w);
}

// Trailing clauses of call/await/spawn: -> $v, expect OP E, data "x", retry E, bits/nobits.
Status parse_clauses(const std::vector<std::string>& t, size_t i, Step& s) {
  while (i < t.size()) {
    const std::string& k = t[i];
    if (k == "->" && i + 1 < t.size() && t[i + 1].size() > 1 && t[i + 1][0] == '$') {
      s.bind = t[i + 1].substr(1);
      i += 2;
    } else if (k == "expect" && i + 2 < t.size()) {
      if (!parse_cmp(t[i + 1], s.check.cmp)) return syntax("expect OP EXPR, OP one of == != > >= < <=");
      XABI_TRY(store(parse_expr(t[i + 2]), s.check.rhs));
      i += 3;
    } else if (k == "data" && i + 1 < t.size() && is_string_tok(t[i + 1])) {
      XABI_TRY(store(parse_string(t[i + 1]), s.check.data.emplace()));
      i += 2;
    } else if (k == "retry" && i + 1 < t.size()) {
      Expr e;
      XABI_TRY(store(parse_expr(t[i + 1]), e));
      s.retry = e;
      i += 2;
    } else if ((k == "bits" || k == "nobits") && i + 2 < t.size()) {
      Check::Bits b;
      b.set = k == "bits";
      size_t dot = t[i + 1].find('.');
      int64_t el;
      if (dot == std::string::npos || !parse_number(t[i + 1].substr(0, dot), el)) return syntax(k + " ELEM.FIELD MASK");
      b.elem = static_cast<int>(el);
      b.field = t[i + 1].substr(dot + 1);
      XABI_TRY(store(parse_expr(t[i + 2]), b.mask));
      s.check.bits.push_back(b);
      i += 3;
    } else {
      return syntax("unexpected \"" + k + "\" (clauses: -> $v, expect OP E, data \"..\", retry E, bits/nobits E.F MASK)");
    }
  }
  return {};
}

// [on T] judge [begin] CALL ARGS... [-> RESULT ok RULE.OUTCOME | violation RULE | bad_call]
Status parse_judge(const std::vector<std::string>& t, Step& s) {
  const char* usage = "[on T] judge CALL ARGS... -> RESULT ok RULE.OUTCOME|violation RULE|bad_call, or [on T] judge begin CALL ARGS...";
  size_t i = 0;
  if (t[0] == "on") {
    int64_t id;
    if (!parse_number(t[1], id) || id < 0 || id > std::numeric_limits<int>::max())
      return syntax("on T judge: T is the caller's thread id, a number >= 0");
    s.worker = static_cast<int>(id);
    i = 2;
  }
  ++i;  // judge
  s.kind = Step::Kind::kJudge;
  if (i < t.size() && t[i] == "begin") {
    s.kind = Step::Kind::kJudgeBegin;
    ++i;
  }
  if (i >= t.size()) return syntax(std::string("usage: ") + usage);
  s.call = t[i++];
  const size_t args_end = static_cast<size_t>(std::find(t.begin() + static_cast<std::ptrdiff_t>(i), t.end(), "->") - t.begin());
  if (s.kind == Step::Kind::kJudgeBegin && args_end != t.size())
    return syntax("judge begin takes no result: the call has not returned");
  if (s.kind == Step::Kind::kJudge) {
    if (args_end + 2 >= t.size()) return syntax(std::string("usage: ") + usage);
    s.exprs.emplace_back();
    XABI_TRY(store(parse_expr(t[args_end + 1]), s.exprs.back()));
    const std::string& v = t[args_end + 2];
    size_t end = args_end + 3;
    if (v == "ok" && end < t.size() && t[end].find('.') != std::string::npos) {
      s.verdict = Step::Verdict::kOk;
      s.rule = t[end].substr(0, t[end].find('.'));
      s.outcome = t[end].substr(t[end].find('.') + 1);
      ++end;
    } else if (v == "violation" && end < t.size()) {
      s.verdict = Step::Verdict::kViolation;
      s.rule = t[end++];
    } else if (v == "bad_call") {
      s.verdict = Step::Verdict::kBadCall;
    } else {
      return syntax("after the result: ok RULE.OUTCOME, violation RULE or bad_call");
    }
    if (end != t.size()) return syntax("unexpected \"" + t[end] + "\" after the verdict");
  }
  if (s.kind == Step::Kind::kJudge && s.verdict == Step::Verdict::kBadCall) {
    // A malformed observation, taken as written: the call need not exist,
    // nor its arguments fit it.
    for (; i < args_end; ++i) {
      Operand o;
      o.source = t[i];
      if (is_string_tok(t[i])) {
        o.kind = Operand::Kind::kString;
        XABI_TRY(store(parse_string(t[i]), o.text));
      } else {
        XABI_TRY(store(parse_expr(t[i]), o.expr));
      }
      s.args.push_back(o);
    }
    return {};
  }
  const meta::CallInfo* c = meta::find_call(s.call);
  if (!c) return syntax("no call named " + s.call + " in the spec");
  if (args_end - i != c->params.size())
    return syntax(s.call + " takes " + std::to_string(c->params.size()) + " arguments, not " + std::to_string(args_end - i));
  for (const auto& p : c->params) {
    auto o = parse_operand(t[i++], p);
    if (!o) return syntax(s.call + " argument " + std::string(p.name) + ": " + o.error().detail);
    const Operand::Kind kind = o.value().kind;
    if (kind != Operand::Kind::kExpr && !(kind == Operand::Kind::kString && p.type == meta::Type::kCstr))
      return syntax(s.call + " argument " + std::string(p.name) +
                    ": a judge step gives a buffer by its address (there is no guest memory)");
    s.args.push_back(std::move(o).value());
  }
  if (s.kind == Step::Kind::kJudgeBegin) {
    if (!c->blocks) return syntax(s.call + " does not block: judge begin is for blocking calls");
    return {};
  }
  if (s.verdict == Step::Verdict::kBadCall) return {};
  const meta::RuleInfo* rule = nullptr;
  for (const auto& r : c->rules)
    if (r.name == s.rule) rule = &r;
  if (!rule) return syntax(s.call + " has no rule " + s.rule);
  if (s.verdict == Step::Verdict::kViolation) return {};
  for (const auto& o : rule->outcomes)
    if (o.name == s.outcome) return {};
  return syntax("rule " + s.call + "." + s.rule + " has no outcome " + s.outcome);
}

// One step's tokens. A case of one kind refuses the other kind's steps.
Status parse_tokens(const std::vector<std::string>& t, CaseKind kind, Step& s) {
  if (t.empty()) return syntax("empty step");
  const bool judge = t[0] == "judge" || (t[0] == "on" && t.size() > 2 && t[2] == "judge");
  if (judge && kind == CaseKind::kHost)
    return syntax("judge steps are for model cases (tests/model/rules.cases): a host case calls the host");
  if (!judge && kind == CaseKind::kModel) {
    const size_t w = t[0] != "on" || t.size() < 3 ? 0 : t[2] == "async" && t.size() > 3 ? 3 : 2;  // past "on W [async]"
    return syntax("a model case has judge steps only (no host runs it); \"" + t[w] + "\" is a host step");
  }
  if (judge) return parse_judge(t, s);
  size_t i = 0;
  if (t[0] == "on") {
    if (t.size() < 3) return syntax("on W [async] call ...");
    XABI_TRY(store(parse_worker(t[1]), s.worker));
    i = 2;
    if (t[i] == "async") {
      s.async = true;
      ++i;
    }
    if (i >= t.size() || t[i] != "call") return syntax("on W [async] call ...");
  }
  const std::string& k = t[i];
  auto has = [&](size_t n) { return t.size() >= i + n; };
  auto need = [&](size_t n, const char* usage) -> Status {
    if (!has(n)) return syntax(std::string("usage: ") + usage);
    return {};
  };
  if (k == "call") {
    XABI_TRY(need(2, "call NAME ARGS... [clauses]"));
    s.kind = Step::Kind::kCall;
    s.call = t[i + 1];
    const meta::CallInfo* c = meta::find_call(s.call);
    if (!c) return syntax("no call named " + s.call + " in the spec");
    if (s.call == "exit" || s.call == "thread_exit")
      return syntax("use the exit and thread_exit steps for " + s.call);
    size_t a = i + 2;
    for (const auto& p : c->params) {
      if (a >= t.size() || t[a] == "->" || t[a] == "expect" || t[a] == "retry" || t[a] == "data" || t[a] == "bits" ||
          t[a] == "nobits") {
        return syntax(s.call + " takes " + std::to_string(c->params.size()) + " arguments; " + std::string(p.name) + " is missing");
      }
      auto o = parse_operand(t[a], p);
      if (!o) return syntax(s.call + " argument " + std::string(p.name) + ": " + o.error().detail);
      s.args.push_back(std::move(o).value());
      ++a;
    }
    return parse_clauses(t, a, s);
  }
  if (k == "await") {
    XABI_TRY(need(2, "await W [clauses]"));
    s.kind = Step::Kind::kAwait;
    XABI_TRY(store(parse_worker(t[i + 1]), s.worker));
    return parse_clauses(t, i + 2, s);
  }
  if (k == "spawn" || k == "thread_exit") {
    XABI_TRY(need(2, "spawn W | thread_exit W"));
    s.kind = k == "spawn" ? Step::Kind::kSpawn : Step::Kind::kThreadExit;
    XABI_TRY(store(parse_worker(t[i + 1]), s.worker));
    if (s.worker < 1) return syntax("worker 1..64");
    return parse_clauses(t, i + 2, s);
  }
  if (k == "clone-storm") {
    XABI_TRY(need(2, "clone-storm N [clauses]"));
    s.kind = Step::Kind::kCloneStorm;
    s.exprs.emplace_back();
    XABI_TRY(store(parse_expr(t[i + 1]), s.exprs.back()));
    return parse_clauses(t, i + 2, s);
  }
  if (k == "handover") {
    XABI_TRY(need(2, "handover W"));
    s.kind = Step::Kind::kHandover;
    XABI_TRY(store(parse_worker(t[i + 1]), s.worker));
    if (s.worker < 1) return syntax("worker 1..64");
    return {};
  }
  if (k == "probe") {
    XABI_TRY(need(2, "probe CALL [clauses]"));
    s.kind = Step::Kind::kProbe;
    s.call = t[i + 1];
    const meta::CallInfo* c = meta::find_call(s.call);
    if (!c) return syntax("no call named " + s.call + " in the spec");
    // The probe passes 0 for every parameter: only integers can be zero-filled meaningfully.
    for (const auto& p : c->params)
      if (p.type != meta::Type::kU32 && p.type != meta::Type::kI32 && p.type != meta::Type::kU64 && p.type != meta::Type::kI64)
        return syntax("probe takes a call whose parameters are all integers (it passes 0 for each)");
    return parse_clauses(t, i + 2, s);
  }
  if (k == "exit") {
    XABI_TRY(need(2, "exit STATUS"));
    s.kind = Step::Kind::kExit;
    s.exprs.emplace_back();
    return store(parse_expr(t[i + 1]), s.exprs.back());
  }
  if (k == "peer") {
    XABI_TRY(need(3, "peer connect|send|recv|close|reset|eof NAME [data]"));
    s.name = t[i + 2];
    const std::string& v = t[i + 1];
    if (v == "connect") s.kind = Step::Kind::kPeerConnect;
    else if (v == "close") s.kind = Step::Kind::kPeerClose;
    else if (v == "reset") s.kind = Step::Kind::kPeerReset;
    else if (v == "eof") s.kind = Step::Kind::kPeerEof;
    else if (v == "send" || v == "recv") {
      s.kind = v == "send" ? Step::Kind::kPeerSend : Step::Kind::kPeerRecv;
      XABI_TRY(need(4, "peer send|recv NAME \"data\"|fill:N:B"));
      const std::string& d = t[i + 3];
      if (is_string_tok(d)) {
        XABI_TRY(store(parse_string(d), s.strings.emplace_back()));
      } else if (d.rfind("fill:", 0) == 0) {
        int64_t n, b;
        size_t c = d.rfind(':');
        if (c <= 5 || !parse_number(d.substr(5, c - 5), n) || !parse_number(d.substr(c + 1), b) || n < 0 || n > (16 << 20))
          return syntax("fill:N:B");
        s.is_fill = true;
        s.fill_len = static_cast<uint64_t>(n);
        s.fill_byte = static_cast<uint8_t>(b);
      } else {
        return syntax("peer send|recv takes \"data\" or fill:N:B");
      }
    } else {
      return syntax("peer connect|send|recv|close|eof");
    }
    return {};
  }
  if (k == "mem") {
    XABI_TRY(need(5, "mem fill|check ADDR LEN BYTE"));
    s.kind = t[i + 1] == "fill" ? Step::Kind::kMemFill : Step::Kind::kMemCheck;
    if (t[i + 1] != "fill" && t[i + 1] != "check") return syntax("mem fill|check");
    for (int n = 2; n <= 4; ++n) {
      s.exprs.emplace_back();
      XABI_TRY(store(parse_expr(t[i + n]), s.exprs.back()));
    }
    return {};
  }
  if (k == "syscall") {
    XABI_TRY(need(3, "syscall NR ARGS... denied"));
    s.kind = Step::Kind::kSyscall;
    if (t.back() != "denied") return syntax("syscall steps end with \"denied\"");
    for (size_t n = i + 1; n + 1 < t.size(); ++n) {
      s.exprs.emplace_back();
      XABI_TRY(store(parse_expr(t[n]), s.exprs.back()));
    }
    if (s.exprs.size() > 7) return syntax("at most 6 system call arguments");
    return {};
  }
  if (k == "escape") {
    XABI_TRY(need(3, "escape NAME ends"));
    s.kind = Step::Kind::kEscape;
    s.call = t[i + 1];
    if (t[i + 2] != "ends" || t.size() != i + 3) return syntax("escape steps are \"escape NAME ends\"");
    if (escape_kind(s.call) == 0) return syntax("unknown escape \"" + s.call + "\" (see AGENT_ESCAPES in agent_protocol.h)");
    return {};
  }
  if (k == "sleep") {
    XABI_TRY(need(2, "sleep MS"));
    s.kind = Step::Kind::kSleep;
    s.exprs.emplace_back();
    return store(parse_expr(t[i + 1]), s.exprs.back());
  }
  if (k == "origin" && t.size() == i + 2 && t[i + 1] == "stop") {
    s.kind = Step::Kind::kOriginStop;
    return {};
  }
  if (k == "origin") {
    XABI_TRY(need(4, "origin saw METHOD PATH [\"body\"]"));
    if (t[i + 1] != "saw") return syntax("origin saw METHOD PATH [\"body\"]");
    s.kind = Step::Kind::kOriginSaw;
    s.strings = {t[i + 2], t[i + 3]};
    if (t.size() > i + 4) {
      if (!is_string_tok(t[i + 4])) return syntax("the body must be a string");
      XABI_TRY(store(parse_string(t[i + 4]), s.strings.emplace_back()));
    }
    return {};
  }
  if (k == "args") {
    s.kind = Step::Kind::kArgs;
    for (size_t n = i + 1; n < t.size(); ++n) {
      if (!is_string_tok(t[n])) return syntax("args \"a\" \"b\" ...");
      XABI_TRY(store(parse_string(t[n]), s.strings.emplace_back()));
    }
    return {};
  }
  if (k == "console" || k == "stderr") {
    if (!has(3) || t[i + 1] != "saw" || !is_string_tok(t[i + 2])) return syntax(k + " saw \"text\"");
    s.kind = k == "console" ? Step::Kind::kConsoleSaw : Step::Kind::kStderrSaw;
    return store(parse_string(t[i + 2]), s.strings.emplace_back());
  }
  if (k == "let") {
    if (!has(4) || t[i + 1].size() < 2 || t[i + 1][0] != '$' || t[i + 2] != "=") return syntax("let $v = EXPR");
    s.kind = Step::Kind::kLet;
    s.bind = t[i + 1].substr(1);
    s.exprs.emplace_back();
    return store(parse_expr(t[i + 3]), s.exprs.back());
  }
  return syntax("unknown step \"" + k + "\"");
}

std::string trimmed(std::string line) {
  while (!line.empty() && isspace(static_cast<unsigned char>(line[0]))) line.erase(0, 1);
  return line;
}

// Calls f on every expression of a step (to check or replace its variables).
template <class S, class F>
void for_each_expr(S& s, F&& f) {
  for (auto& o : s.args) {
    if (o.kind == Operand::Kind::kExpr) f(o.expr);
    if (o.kind == Operand::Kind::kZero || o.kind == Operand::Kind::kFill) f(o.len);
    for (auto& el : o.elems)
      for (auto& fe : el) f(fe.second);
  }
  for (auto& e : s.exprs) f(e);
  if (s.check.cmp != Cmp::kNone) f(s.check.rhs);
  if (s.retry) f(*s.retry);
  for (auto& b : s.check.bits) f(b.mask);
}

constexpr int64_t kMaxRepeat = 4096;

// A model case's step line: a judge step, or `repeat N` and one, which stands
// for N judge steps with $i = 0..N-1 (replaced by its value in each).
void add_model_steps(const std::vector<std::string>& t, const std::string& line, int n, Case& c,
                     const std::function<void(const std::string&)>& error) {
  int64_t times = 1;
  size_t first = 0;
  if (t[0] == "repeat") {
    if (t.size() < 3 || !parse_number(t[1], times) || times < 1 || times > kMaxRepeat) {
      error("repeat N STEP, N 1.." + std::to_string(kMaxRepeat));
      return;
    }
    first = 2;
  }
  Step s;
  s.text = trimmed(line);
  s.line = n;
  if (auto parsed = parse_tokens({t.begin() + static_cast<std::ptrdiff_t>(first), t.end()}, CaseKind::kModel, s); !parsed) {
    error(parsed.error().detail);
    return;
  }
  bool bad_var = false;
  for_each_expr(s, [&](const Expr& e) {
    for (const auto& term : e.terms)
      for (const auto& f : term.factors)
        if (f.is_var && !(first && f.var == "i")) bad_var = true;
  });
  if (bad_var) {
    error("a model case has no variables but $i, the index of `repeat N`");
    return;
  }
  for (int64_t k = 0; k < times; ++k) {
    Step each = s;
    for_each_expr(each, [&](Expr& e) {
      for (auto& term : e.terms)
        for (auto& f : term.factors)
          if (f.is_var) f = Expr::Factor{false, "", k};
    });
    if (auto judged = judge_inputs(each); !judged) {
      error(judged.error().detail);
      return;
    }
    c.steps.push_back(std::move(each));
  }
}

}  // namespace

Result<Step> parse_step(const std::string& line) {
  auto t = tokenize(line);
  if (!t) return t.error();
  Step s;
  s.text = trimmed(line);
  XABI_TRY(parse_tokens(t.value(), CaseKind::kHost, s));
  return s;
}

bool parse_case_text(const std::string& text, const std::string& path, std::vector<Case>& out,
                     std::vector<std::string>& errors, CaseKind kind) {
  const bool model = kind == CaseKind::kModel;
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
    auto tokens = tokenize(line);
    if (!tokens) {
      error(tokens.error().detail);
      continue;
    }
    const std::vector<std::string>& t = tokens.value();
    if (t.empty()) continue;
    if (!cur) {
      if (t[0] != "case" || t.size() != 2) {
        error("expected \"case ID\"");
        continue;
      }
      cur = Case{};
      cur->model = model;
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
      if (cur->group.empty() && !model) error("case " + cur->id + " has no group");
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
    const bool launch_line = (k == "no-origin" && t.size() == 1) || (k == "quick" && t.size() == 1) ||
                             (k == "timeout" && t.size() == 2) || k == "launch-args" || k == "stdin";
    if (model && launch_line) {
      error(k + " is about launching a host; a model case has none");
    } else if (k == "group" && t.size() == 2) {
      bool known = t[1] == "isolation" || t[1] == "fault";
      for (const auto& c : meta::kCalls) known |= c.group == t[1];
      if (!known) error("unknown group " + t[1]);
      cur->group = t[1];
    } else if (k == "about" && t.size() == 2) {
      if (!meta::find_call(t[1])) error("no call named " + t[1]);
      cur->call = t[1];
    } else if (k == "needs") {
      for (size_t i = 1; i < t.size(); ++i) {
        if (model && std::find(std::begin(meta::kCapabilities), std::end(meta::kCapabilities), t[i]) == std::end(meta::kCapabilities))
          error("a model case needs only the spec's capabilities (listen, origin, console, stdio), not " + t[i]);
        cur->needs.insert(t[i]);
      }
    } else if (k == "memory" && t.size() == 2) {
      int64_t v;
      if (!parse_number(t[1], v) || v < 0) error("memory BYTES");
      else cur->memory = static_cast<uint64_t>(v);
    } else if (k == "origin-url" && t.size() == 2) {
      if (!model) error("origin-url is for model cases: a host case's origin is the runner's own server");
      cur->origin_url = t[1];
    } else if (k == "no-origin" && t.size() == 1) {
      cur->origin = false;
    } else if (k == "quick" && t.size() == 1) {
      cur->quick = true;
    } else if (k == "timeout" && t.size() == 2) {
      int64_t v;
      if (!parse_number(t[1], v) || v <= 0) error("timeout SECONDS");
      else cur->timeout_s = static_cast<double>(v);
    } else if (k == "stdin" && t.size() == 2 && is_string_tok(t[1])) {
      if (auto text = store(parse_string(t[1]), cur->stdin_text); !text) error("stdin: " + text.error().detail);
      cur->has_stdin = true;
    } else if (k == "launch-args") {
      for (size_t i = 1; i < t.size(); ++i)
        if (auto arg = store(parse_string(t[i]), cur->args.emplace_back()); !arg) error("launch-args: " + arg.error().detail);
    } else if (model) {
      add_model_steps(t, line, n, *cur, error);
    } else {
      Step s;
      s.text = trimmed(line);
      if (auto parsed = parse_tokens(t, kind, s); !parsed) {
        error(parsed.error().detail);
        continue;
      }
      s.line = n;
      for_each_expr(s, [&](const Expr& e) {
        if (auto bound = check_vars(e, vars); !bound) error(bound.error().detail);
      });
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

bool parse_case_file(const std::string& path, std::vector<Case>& out, std::vector<std::string>& errors, CaseKind kind) {
  std::ifstream in(path);
  if (!in) {
    errors.push_back(path + ": cannot read");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_case_text(ss.str(), path, out, errors, kind);
}

uint32_t escape_kind(const std::string& name) {
#define XABI_ESCAPE_NAME(e, n, what) \
  if (name == n) return AGENT_ESCAPE_##e;
  AGENT_ESCAPES(XABI_ESCAPE_NAME)
#undef XABI_ESCAPE_NAME
  return 0;
}

std::string escape_what(uint32_t kind) {
#define XABI_ESCAPE_WHAT(e, n, what) \
  if (kind == AGENT_ESCAPE_##e) return what;
  AGENT_ESCAPES(XABI_ESCAPE_WHAT)
#undef XABI_ESCAPE_WHAT
  return "escape " + std::to_string(kind);
}

}  // namespace xabi::conform
