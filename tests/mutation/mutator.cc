// mutator.cc: find_sites in three passes:
//   1. lex: identifiers, numbers, punctuators with their byte ranges and
//      lines; comments, string/char literals and preprocessor lines dropped;
//   2. mark tokens not to mutate: whole lines naming XABI_MUTANT,
//      static_assert or assert, the parentheses of those, and the angle
//      brackets of template argument lists;
//   3. one scan over the tokens emitting the sites of each operator.
#include "mutator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

namespace xabi::mutation {
namespace {

enum class Kind { ident, number, punct };

struct Token {
  Kind kind;
  std::size_t begin, end;
  int line, column;
  std::string_view text;
  bool frozen = false;    // on a line or in a call that is never mutated
  bool template_bracket = false;
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Longest first.
constexpr std::array<std::string_view, 31> kPuncts = {
    "<<=", ">>=", "...", "->*", "<=>", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "::", ".*", "##", "<:", ":>", "<%", "%>"};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  std::vector<Token> run() {
    bool line_start = true;  // only blanks since the last newline
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\n') {
        advance(1);
        line_start = true;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        advance(1);
        continue;
      }
      if (c == '\\' && peek(1) == '\n') {
        advance(2);
        continue;
      }
      if (c == '/' && peek(1) == '/') {
        skip_line();
        continue;
      }
      if (c == '/' && peek(1) == '*') {
        skip_block_comment();
        continue;
      }
      if (c == '#' && line_start) {
        skip_directive();
        continue;
      }
      line_start = false;
      if (c == '"') {
        skip_quoted('"');
        continue;
      }
      if (c == '\'') {
        skip_quoted('\'');
        continue;
      }
      const std::size_t b = i_;
      const int line = line_, col = col_;
      if (ident_start(c)) {
        std::size_t e = b;
        while (e < s_.size() && ident_char(s_[e])) ++e;
        const std::string_view word = s_.substr(b, e - b);
        // An encoding prefix belongs to the literal that follows it.
        if (e < s_.size() && (s_[e] == '"' || s_[e] == '\'') && is_literal_prefix(word)) {
          advance(e - b);
          if (word.back() == 'R' && s_[e] == '"')
            skip_raw_string();
          else
            skip_quoted(s_[e]);
          continue;
        }
        advance(e - b);
        tokens_.push_back({Kind::ident, b, e, line, col, word});
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
        std::size_t e = b + 1;
        while (e < s_.size()) {
          const char d = s_[e];
          const bool sign = (d == '+' || d == '-') && std::string_view("eEpP").find(s_[e - 1]) != std::string_view::npos &&
                            !is_hex(s_.substr(b, e - b));
          // A digit separator is a quote between two digits.
          const bool separator = d == '\'' && e + 1 < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[e + 1]));
          if (ident_char(d) || d == '.' || sign || separator)
            ++e;
          else
            break;
        }
        advance(e - b);
        tokens_.push_back({Kind::number, b, e, line, col, s_.substr(b, e - b)});
        continue;
      }
      std::size_t len = 1;
      for (std::string_view p : kPuncts) {
        if (s_.substr(i_, p.size()) == p) {
          len = p.size();
          break;
        }
      }
      advance(len);
      tokens_.push_back({Kind::punct, b, b + len, line, col, s_.substr(b, len)});
    }
    return std::move(tokens_);
  }

 private:
  static bool is_hex(std::string_view n) { return n.size() > 1 && n[0] == '0' && (n[1] == 'x' || n[1] == 'X'); }
  static bool is_literal_prefix(std::string_view w) {
    return w == "L" || w == "u" || w == "U" || w == "u8" || w == "R" || w == "LR" || w == "uR" || w == "UR" ||
           w == "u8R";
  }
  char peek(std::size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void advance(std::size_t n) {
    for (std::size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
    }
  }
  void skip_line() {
    while (i_ < s_.size() && s_[i_] != '\n') advance(s_[i_] == '\\' && peek(1) == '\n' ? 2 : 1);
  }
  void skip_block_comment() {
    advance(2);
    while (i_ < s_.size() && !(s_[i_] == '*' && peek(1) == '/')) advance(1);
    advance(2);
  }
  // A directive ends at a newline not escaped by a backslash; a block
  // comment inside it may span lines.
  void skip_directive() {
    while (i_ < s_.size() && s_[i_] != '\n') {
      if (s_[i_] == '/' && peek(1) == '*')
        skip_block_comment();
      else if (s_[i_] == '/' && peek(1) == '/')
        skip_line();
      else if (s_[i_] == '"' || s_[i_] == '\'')
        skip_quoted(s_[i_]);
      else
        advance(s_[i_] == '\\' && peek(1) == '\n' ? 2 : 1);
    }
  }
  void skip_quoted(char q) {
    advance(1);
    while (i_ < s_.size() && s_[i_] != q && s_[i_] != '\n') advance(s_[i_] == '\\' ? 2 : 1);
    advance(1);
  }
  void skip_raw_string() {
    advance(1);  // the quote
    const std::size_t open = s_.find('(', i_);
    if (open == std::string_view::npos) {
      advance(s_.size() - i_);
      return;
    }
    const std::string close = ")" + std::string(s_.substr(i_, open - i_)) + "\"";
    const std::size_t end = s_.find(close, open);
    advance((end == std::string_view::npos ? s_.size() : end + close.size()) - i_);
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1, col_ = 1;
  std::vector<Token> tokens_;
};

bool is(const Token& t, std::string_view text) { return t.text == text; }

// Index of the token closing the bracket opened at `open`, or tokens.size().
std::size_t matching(const std::vector<Token>& t, std::size_t open) {
  const std::string_view o = t[open].text;
  const std::string_view c = o == "(" ? ")" : o == "[" ? "]" : "}";
  int depth = 0;
  for (std::size_t k = open; k < t.size(); ++k) {
    if (t[k].text == o) ++depth;
    if (t[k].text == c && --depth == 0) return k;
  }
  return t.size();
}

void freeze(std::vector<Token>& t) {
  std::set<int> lines;
  for (const Token& tok : t)
    if (is(tok, "XABI_MUTANT") || is(tok, "static_assert") || is(tok, "assert")) lines.insert(tok.line);
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (lines.count(t[k].line)) t[k].frozen = true;
    // The whole argument list, however many lines it spans.
    if ((is(t[k], "XABI_MUTANT") || is(t[k], "static_assert") || is(t[k], "assert")) && k + 1 < t.size() &&
        is(t[k + 1], "(")) {
      const std::size_t close = matching(t, k + 1);
      for (std::size_t j = k; j < t.size() && j <= close; ++j) t[j].frozen = true;
    }
  }
}

// `<` after a name opens a template argument list when a matching `>`
// follows before anything that cannot be in one (`;`, braces, `&&`, `||`,
// or a `)` that closes a parenthesis opened before the `<`).
void mark_templates(std::vector<Token>& t) {
  for (std::size_t k = 1; k < t.size(); ++k) {
    if (!is(t[k], "<") || t[k - 1].kind != Kind::ident) continue;
    if (is(t[k - 1], "operator")) {
      t[k].template_bracket = true;
      continue;
    }
    int angle = 1, paren = 0;
    for (std::size_t j = k + 1; j < t.size(); ++j) {
      const std::string_view x = t[j].text;
      if (x == ";" || x == "{" || x == "}" || x == "&&" || x == "||") break;
      if (x == "(" || x == "[") ++paren;
      if (x == ")" || x == "]") {
        if (paren == 0) break;
        --paren;
      }
      if (paren > 0) continue;
      if (x == "<" && t[j - 1].kind == Kind::ident) ++angle;
      if (x == ">") --angle;
      if (x == ">>") angle -= 2;
      if (angle <= 0) {
        t[k].template_bracket = true;
        t[j].template_bracket = true;
        break;
      }
    }
  }
  // operator<= and friends
  for (std::size_t k = 1; k < t.size(); ++k)
    if (is(t[k - 1], "operator")) t[k].template_bracket = true;
}

bool is_keyword_before_operand(const Token& t) {
  static const std::set<std::string_view> k = {"return", "case", "throw", "else", "do", "co_return", "sizeof",
                                               "co_yield", "delete", "new", "typedef", "goto"};
  return t.kind == Kind::ident && k.count(t.text);
}

// A name that is probably a type, so that `T* p`, `T&& r` are not taken for
// a product or a conjunction.
bool looks_like_type(const Token& t) {
  static const std::set<std::string_view> k = {"int",  "char",  "void",     "bool",   "short",    "long",
                                               "unsigned", "signed", "float", "double", "auto", "const",
                                               "volatile", "struct", "class", "typename", "size_t", "ssize_t"};
  if (t.kind != Kind::ident) return false;
  if (k.count(t.text)) return true;
  if (t.text.size() > 2 && t.text.substr(t.text.size() - 2) == "_t") return true;
  // CamelCase names are classes in this code base (constants are kName or
  // ALL_CAPS).
  const bool upper_first = std::isupper(static_cast<unsigned char>(t.text[0]));
  const bool has_lower = std::any_of(t.text.begin(), t.text.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
  return upper_first && has_lower;
}

bool ends_operand(const Token& t) {
  if (t.kind == Kind::number) return true;
  if (t.kind == Kind::ident) return !is_keyword_before_operand(t);
  return is(t, ")") || is(t, "]");
}

bool starts_operand(const Token& t) {
  return t.kind == Kind::number || t.kind == Kind::ident || is(t, "(") || is(t, "!") || is(t, "~");
}

bool binary_at(const std::vector<Token>& t, std::size_t k) {
  return k > 0 && k + 1 < t.size() && ends_operand(t[k - 1]) && !t[k - 1].template_bracket &&
         starts_operand(t[k + 1]);
}

// The literal one step away: 0 -> 1, 1 -> 0, N -> N+1, in the literal's own
// base and with its suffix. Empty for literals that are not integers.
std::string next_integer(std::string_view lit) {
  std::string digits;
  std::size_t k = 0;
  int base = 10;
  std::string prefix;
  if (lit.size() > 1 && lit[0] == '0' && (lit[1] == 'x' || lit[1] == 'X')) {
    base = 16;
    prefix = std::string(lit.substr(0, 2));
    k = 2;
  } else if (lit.size() > 1 && lit[0] == '0' && (lit[1] == 'b' || lit[1] == 'B')) {
    base = 2;
    prefix = std::string(lit.substr(0, 2));
    k = 2;
  } else if (lit.size() > 1 && lit[0] == '0' && std::isdigit(static_cast<unsigned char>(lit[1]))) {
    base = 8;
    prefix = "0";
    k = 1;
  }
  for (; k < lit.size(); ++k) {
    const char c = lit[k];
    if (c == '\'') continue;
    const bool digit = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                                  : std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (!digit) break;
    digits += c;
  }
  const std::string_view suffix = lit.substr(k);
  for (char c : suffix)
    if (std::string_view("uUlLzZ").find(c) == std::string_view::npos) return {};  // float, or a user literal
  if (digits.empty() && base != 8) return {};
  if (digits.empty()) digits = "0";
  std::uint64_t v = 0;
  if (std::from_chars(digits.data(), digits.data() + digits.size(), v, base).ec != std::errc{}) return {};
  if (v == UINT64_MAX) return {};
  const std::uint64_t w = v == 1 ? 0 : v + 1;
  char buf[80];
  auto r = std::to_chars(buf, buf + sizeof buf, w, base);
  std::string out(buf, r.ptr);
  if (base == 16 && std::any_of(digits.begin(), digits.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); }))
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  return prefix + out + std::string(suffix);
}

// After `;`, a brace, `else`, or the `)` closing the head of if/while/for.
bool starts_statement(const std::vector<Token>& t, std::size_t k) {
  if (k == 0) return true;
  const Token& p = t[k - 1];
  if (is(p, ";") || is(p, "{") || is(p, "}") || is(p, "else")) return true;
  if (!is(p, ")")) return false;
  int depth = 0;
  for (std::size_t j = k - 1;; --j) {
    if (is(t[j], ")"))
      ++depth;
    else if (is(t[j], "(") && --depth == 0)
      return j > 0 && (is(t[j - 1], "if") || is(t[j - 1], "while") || is(t[j - 1], "for"));
    if (j == 0) return false;
  }
}

class Finder {
 public:
  Finder(std::string_view text, std::vector<Token> tokens, Lang lang)
      : s_(text), t_(std::move(tokens)), lang_(lang) {}

  std::vector<Site> run() {
    for (std::size_t k = 0; k < t_.size(); ++k) {
      if (t_[k].frozen) continue;
      operators(k);
      literals(k);
      condition(k);
      return_value(k);
      call_deletion(k);
    }
    std::stable_sort(sites_.begin(), sites_.end(), [](const Site& a, const Site& b) { return a.begin < b.begin; });
    for (std::size_t n = 0; n < sites_.size(); ++n) sites_[n].id = static_cast<int>(n);
    return std::move(sites_);
  }

 private:
  void add(Op op, std::size_t first, std::size_t last, std::string replacement) {
    add_bytes(op, t_[first].begin, t_[last].end, std::move(replacement));
  }
  // Literals are not tokens: ranges that may start or end with one are
  // given in bytes.
  void add_bytes(Op op, std::size_t begin, std::size_t end, std::string replacement) {
    Site s;
    s.op = op;
    s.line = 1 + static_cast<int>(std::count(s_.begin(), s_.begin() + begin, '\n'));
    const std::size_t nl = s_.rfind('\n', begin == 0 ? 0 : begin - 1);
    s.column = static_cast<int>(begin - (nl == std::string_view::npos || begin == 0 ? 0 : nl + 1)) + 1;
    s.begin = begin;
    s.end = end;
    s.original = std::string(s_.substr(s.begin, s.end - s.begin));
    s.replacement = std::move(replacement);
    sites_.push_back(std::move(s));
  }
  bool frozen(std::size_t first, std::size_t last) const {
    for (std::size_t k = first; k <= last && k < t_.size(); ++k)
      if (t_[k].frozen) return true;
    return false;
  }

  void operators(std::size_t k) {
    const Token& tok = t_[k];
    if (tok.kind != Kind::punct || tok.template_bracket) return;
    static const std::array<std::pair<std::string_view, std::string_view>, 6> relational = {
        {{"<", "<="}, {"<=", "<"}, {">", ">="}, {">=", ">"}, {"==", "!="}, {"!=", "=="}}};
    for (const auto& [from, to] : relational)
      if (tok.text == from) add(Op::relational, k, k, std::string(to));
    if (tok.text == "+=" || tok.text == "-=") add(Op::arithmetic, k, k, tok.text == "+=" ? "-=" : "+=");
    if ((tok.text == "+" || tok.text == "-") && binary_at(t_, k)) add(Op::arithmetic, k, k, tok.text == "+" ? "-" : "+");
    // Products and shifts only between values: `T* p` and `a << b` in a
    // stream are too easy to misread.
    if ((tok.text == "*" || tok.text == "/") && binary_at(t_, k) && !looks_like_type(t_[k - 1]) &&
        !is(t_[k + 1], "const"))
      add(Op::arithmetic, k, k, tok.text == "*" ? "/" : "*");
    if ((tok.text == "<<" || tok.text == ">>") && binary_at(t_, k) && t_[k + 1].kind != Kind::punct)
      add(Op::arithmetic, k, k, tok.text == "<<" ? ">>" : "<<");
    if ((tok.text == "&&" || tok.text == "||") && binary_at(t_, k) && !looks_like_type(t_[k - 1]))
      add(Op::logical, k, k, tok.text == "&&" ? "||" : "&&");
    // !x -> x (the `!` alone; `!=` is its own token).
    if (tok.text == "!" && k + 1 < t_.size() && starts_operand(t_[k + 1])) add(Op::logical, k, k, "");
  }

  void literals(std::size_t k) {
    const Token& tok = t_[k];
    if (tok.kind == Kind::ident && (tok.text == "true" || tok.text == "false"))
      add(Op::boolean, k, k, tok.text == "true" ? "false" : "true");
    if (tok.kind == Kind::number) {
      std::string next = next_integer(tok.text);
      if (!next.empty()) add(Op::constant, k, k, std::move(next));
    }
  }

  // if (c) / while (c): the parenthesised condition negated, unless it
  // declares something (if (auto x = ...), if (init; c)), which would not
  // compile negated.
  void condition(std::size_t k) {
    const Token& tok = t_[k];
    if (tok.kind != Kind::ident || !(tok.text == "if" || tok.text == "while")) return;
    if (k + 1 >= t_.size() || !is(t_[k + 1], "(")) return;  // if constexpr, or a macro
    if (tok.text == "while" && k > 0 && is(t_[k - 1], "}")) return;  // do ... while: left to the loop body's mutants
    const std::size_t open = k + 1, close = matching(t_, open);
    if (close >= t_.size() || close == open + 1 || frozen(open, close)) return;
    if (looks_like_type(t_[open + 1]) && open + 2 < close && t_[open + 2].kind == Kind::ident) return;
    int depth = 0;
    for (std::size_t j = open + 1; j < close; ++j) {
      if (is(t_[j], "(") || is(t_[j], "[") || is(t_[j], "{")) ++depth;
      if (is(t_[j], ")") || is(t_[j], "]") || is(t_[j], "}")) --depth;
      if (depth == 0 && (is(t_[j], ";") || is(t_[j], "="))) return;
    }
    const std::size_t b = t_[open].end, e = t_[close].begin;
    add(Op::condition, open, close, "(!(" + std::string(s_.substr(b, e - b)) + "))");
  }

  // return e; -> return {}; in C++ (the value-initialised result: 0, false,
  // nullptr, an empty string, a default expected), return 0; in C. Not for
  // a literal already (the constant and boolean mutants cover those).
  void return_value(std::size_t k) {
    const Token& tok = t_[k];
    if (tok.kind != Kind::ident || tok.text != "return") return;
    std::size_t end = k + 1;
    int depth = 0;
    for (; end < t_.size(); ++end) {
      if (is(t_[end], "(") || is(t_[end], "[") || is(t_[end], "{")) ++depth;
      if (is(t_[end], ")") || is(t_[end], "]") || is(t_[end], "}")) --depth;
      if (depth < 0) return;
      if (depth == 0 && is(t_[end], ";")) break;
    }
    if (end >= t_.size() || frozen(k, end)) return;
    const std::size_t first = k + 1, last = end - 1;
    if (first == last && (t_[first].kind == Kind::number || is(t_[first], "true") || is(t_[first], "false") ||
                          is(t_[first], "nullptr") || is(t_[first], "NULL")))
      return;
    if (last == first + 1 && is(t_[first], "{") && is(t_[last], "}")) return;
    std::size_t b = t_[k].end, e = t_[end].begin;
    while (b < e && std::isspace(static_cast<unsigned char>(s_[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s_[e - 1]))) --e;
    if (b == e) return;  // return;
    add_bytes(Op::return_value, b, e, lang_ == Lang::cxx ? "{}" : "0");
  }

  // A statement that is only a call, `name(...);` with `name` possibly
  // qualified (a::b, x.y, p->q): the call removed, the `;` kept so that
  // `if (c) f();` stays a statement.
  void call_deletion(std::size_t k) {
    if (t_[k].kind != Kind::ident || is_keyword_before_operand(t_[k]) || !starts_statement(t_, k)) return;
    static const std::set<std::string_view> statements = {"if", "while", "for", "switch", "return", "catch",
                                                          "static_assert", "assert", "defined"};
    // A CamelCase name is a class: `Foo(int);` declares a constructor.
    if (statements.count(t_[k].text) || looks_like_type(t_[k])) return;
    std::size_t j = k + 1;
    while (j + 1 < t_.size() && (is(t_[j], "::") || is(t_[j], ".") || is(t_[j], "->")) &&
           t_[j + 1].kind == Kind::ident)
      j += 2;
    if (j >= t_.size() || !is(t_[j], "(")) return;
    const std::size_t close = matching(t_, j);
    if (close + 1 >= t_.size() || !is(t_[close + 1], ";") || frozen(k, close)) return;
    add(Op::call_deletion, k, close, "");
  }

  std::string_view s_;
  std::vector<Token> t_;
  Lang lang_;
  std::vector<Site> sites_;
};

}  // namespace

std::string_view op_name(Op op) {
  switch (op) {
    case Op::relational: return "relational";
    case Op::arithmetic: return "arithmetic";
    case Op::logical: return "logical";
    case Op::boolean: return "boolean";
    case Op::constant: return "constant";
    case Op::condition: return "condition";
    case Op::return_value: return "return_value";
    case Op::call_deletion: return "call_deletion";
  }
  return "?";
}

Lang guess_language(std::string_view path, std::string_view text) {
  const auto ends = [&](std::string_view x) { return path.size() >= x.size() && path.substr(path.size() - x.size()) == x; };
  if (ends(".c")) return Lang::c;
  if (!ends(".h")) return Lang::cxx;
  std::vector<Token> t = Lexer(text).run();
  for (const Token& tok : t)
    if (is(tok, "namespace") || is(tok, "class") || is(tok, "template") || is(tok, "::")) return Lang::cxx;
  return Lang::c;
}

std::vector<Site> find_sites(std::string_view text, Lang lang) {
  std::vector<Token> tokens = Lexer(text).run();
  freeze(tokens);
  mark_templates(tokens);
  return Finder(text, std::move(tokens), lang).run();
}

std::string apply(std::string_view text, const Site& site) {
  std::string out(text.substr(0, site.begin));
  out += site.replacement;
  out += text.substr(site.end);
  return out;
}

std::uint64_t sample_key(std::uint64_t seed, std::string_view file, int id) {
  // FNV-1a over seed, name and id (the same everywhere, unlike std::hash),
  // then splitmix64's finaliser: FNV alone leaves keys that differ in the
  // last bytes close together, which would sort a file's sites together.
  std::uint64_t h = 14695981039346656037ull;
  const auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (int b = 0; b < 8; ++b) mix(static_cast<unsigned char>(seed >> (8 * b)));
  for (char c : file) mix(static_cast<unsigned char>(c));
  for (int b = 0; b < 4; ++b) mix(static_cast<unsigned char>(static_cast<unsigned>(id) >> (8 * b)));
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

}  // namespace xabi::mutation
