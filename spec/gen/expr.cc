#include "expr.h"

#include <cctype>

namespace xabi::gen {
namespace {

struct Token {
  enum class Kind { kEnd, kInt, kName, kOp } kind = Kind::kEnd;
  std::string text;
  __int128 value = 0;
  int offset = 0;
};

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) { advance(); }

  ExprPtr parse(ParseError* error) {
    ExprPtr e = parse_or();
    if (e && tok_.kind != Token::Kind::kEnd) fail("unexpected '" + tok_.text + "'");
    if (failed_) {
      *error = error_;
      return nullptr;
    }
    return e;
  }

 private:
  void fail(const std::string& message) {
    if (failed_) return;
    failed_ = true;
    error_ = {tok_.offset, message};
  }

  void advance() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    tok_ = Token{};
    tok_.offset = static_cast<int>(pos_);
    if (pos_ >= text_.size()) return;
    char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = pos_;
      __int128 v = 0;
      bool overflow = false;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        // Stop accumulating once too large: 128-bit overflow would be UB
        // (found by fuzz_spec_parser; regressions/spec_parser keeps the input).
        if (!overflow) v = v * 10 + (text_[pos_] - '0');
        if (v > (static_cast<__int128>(1) << 100)) overflow = true;
        ++pos_;
      }
      tok_.kind = Token::Kind::kInt;
      tok_.text = text_.substr(start, pos_ - start);
      tok_.value = v;
      if (overflow) fail("integer literal too large");
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
        ++pos_;
      tok_.kind = Token::Kind::kName;
      tok_.text = text_.substr(start, pos_ - start);
      return;
    }
    static const char* two[] = {"==", "!=", "<=", ">=", "&&", "||"};
    for (const char* op : two) {
      if (text_.compare(pos_, 2, op) == 0) {
        tok_.kind = Token::Kind::kOp;
        tok_.text = op;
        pos_ += 2;
        return;
      }
    }
    if (std::string("+-*/%<>!().,").find(c) != std::string::npos) {
      tok_.kind = Token::Kind::kOp;
      tok_.text = std::string(1, c);
      ++pos_;
      return;
    }
    tok_.kind = Token::Kind::kOp;
    tok_.text = std::string(1, c);
    fail(std::string("unexpected character '") + c + "'");
    ++pos_;
  }

  bool is_op(const char* op) const { return tok_.kind == Token::Kind::kOp && tok_.text == op; }

  bool expect(const char* op) {
    if (!is_op(op)) {
      fail(std::string("expected '") + op + "'" + (tok_.text.empty() ? " at end" : ", found '" + tok_.text + "'"));
      return false;
    }
    advance();
    return true;
  }

  ExprPtr binary(std::string op, int offset, ExprPtr l, ExprPtr r) {
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::kBinary;
    e->op = std::move(op);
    e->offset = offset;
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  template <typename Next>
  ExprPtr left_assoc(std::initializer_list<const char*> ops, Next next) {
    ExprPtr l = (this->*next)();
    while (l && !failed_) {
      const char* found = nullptr;
      for (const char* op : ops)
        if (is_op(op)) found = op;
      if (!found) break;
      int offset = tok_.offset;
      advance();
      ExprPtr r = (this->*next)();
      if (!r) return nullptr;
      l = binary(found, offset, std::move(l), std::move(r));
    }
    return failed_ ? nullptr : std::move(l);
  }

  ExprPtr parse_or() { return left_assoc({"||"}, &Parser::parse_and); }
  ExprPtr parse_and() { return left_assoc({"&&"}, &Parser::parse_not); }

  ExprPtr parse_not() {
    if (is_op("!")) {
      int offset = tok_.offset;
      advance();
      ExprPtr inner = parse_not();
      if (!inner) return nullptr;
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kUnary;
      e->op = "!";
      e->offset = offset;
      e->args.push_back(std::move(inner));
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    ExprPtr l = parse_sum();
    if (!l) return nullptr;
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (is_op(op)) {
        int offset = tok_.offset;
        advance();
        ExprPtr r = parse_sum();
        if (!r) return nullptr;
        ExprPtr e = binary(op, offset, std::move(l), std::move(r));
        for (const char* again : {"==", "!=", "<=", ">=", "<", ">"})
          if (is_op(again)) fail("comparisons do not chain; add parentheses");
        return failed_ ? nullptr : std::move(e);
      }
    }
    return l;
  }

  ExprPtr parse_sum() { return left_assoc({"+", "-"}, &Parser::parse_product); }
  ExprPtr parse_product() { return left_assoc({"*", "/", "%"}, &Parser::parse_unary); }

  ExprPtr parse_unary() {
    if (is_op("-")) {
      int offset = tok_.offset;
      advance();
      ExprPtr inner = parse_unary();
      if (!inner) return nullptr;
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kUnary;
      e->op = "-";
      e->offset = offset;
      e->args.push_back(std::move(inner));
      return e;
    }
    return parse_primary();
  }

  bool parse_args(Expr* e) {
    if (!expect("(")) return false;
    if (is_op(")")) {
      advance();
      return true;
    }
    for (;;) {
      ExprPtr a = parse_or();
      if (!a) return false;
      e->args.push_back(std::move(a));
      if (is_op(",")) {
        advance();
        continue;
      }
      return expect(")");
    }
  }

  ExprPtr parse_primary() {
    auto e = std::make_unique<Expr>();
    e->offset = tok_.offset;
    switch (tok_.kind) {
      case Token::Kind::kInt:
        e->kind = Expr::Kind::kInt;
        e->value = tok_.value;
        advance();
        return failed_ ? nullptr : std::move(e);
      case Token::Kind::kName: {
        std::string name = tok_.text;
        advance();
        if (name == "true" || name == "false") {
          e->kind = Expr::Kind::kBool;
          e->value = name == "true";
          return e;
        }
        e->name = name;
        if (is_op(".")) {
          advance();
          if (tok_.kind != Token::Kind::kName) {
            fail("expected an operation name after '" + name + ".'");
            return nullptr;
          }
          e->kind = Expr::Kind::kMethod;
          e->method = tok_.text;
          advance();
          if (!parse_args(e.get())) return nullptr;
          return e;
        }
        if (is_op("(")) {
          e->kind = Expr::Kind::kCall;
          if (!parse_args(e.get())) return nullptr;
          return e;
        }
        e->kind = Expr::Kind::kName;
        return e;
      }
      case Token::Kind::kOp:
        if (is_op("(")) {
          advance();
          ExprPtr inner = parse_or();
          if (!inner || !expect(")")) return nullptr;
          return inner;
        }
        fail("unexpected '" + tok_.text + "'");
        return nullptr;
      case Token::Kind::kEnd:
        fail("unexpected end of expression");
        return nullptr;
    }
    return nullptr;
  }

  const std::string& text_;
  size_t pos_ = 0;
  Token tok_;
  bool failed_ = false;
  ParseError error_{0, ""};
};

int precedence(const Expr& e) {
  if (e.kind == Expr::Kind::kBinary) {
    const std::string& op = e.op;
    if (op == "||") return 1;
    if (op == "&&") return 2;
    if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") return 4;
    if (op == "+" || op == "-") return 5;
    return 6;
  }
  if (e.kind == Expr::Kind::kUnary) return e.op == "!" ? 3 : 7;
  return 8;
}

std::string int_text(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return neg ? "-" + s : s;
}

void collect(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == Expr::Kind::kBinary && e.op == "&&") {
    collect(*e.args[0], out);
    collect(*e.args[1], out);
  } else {
    out.push_back(&e);
  }
}

}  // namespace

ExprPtr parse_expr(const std::string& text, ParseError* error) {
  Parser p(text);
  return p.parse(error);
}

std::vector<const Expr*> conjuncts(const Expr& e) {
  std::vector<const Expr*> out;
  collect(e, out);
  return out;
}

std::string to_string(const Expr& e) {
  auto sub = [&](const Expr& child, bool right) {
    std::string s = to_string(child);
    int pc = precedence(child), pe = precedence(e);
    bool paren = pc < pe || (right && pc == pe && e.kind == Expr::Kind::kBinary);
    // && and || are associative: no parentheses needed for the same operator.
    if (paren && child.kind == Expr::Kind::kBinary && e.kind == Expr::Kind::kBinary && child.op == e.op &&
        (e.op == "&&" || e.op == "||"))
      paren = false;
    return paren ? "(" + s + ")" : s;
  };
  auto list = [&](const std::vector<ExprPtr>& args) {
    std::string s;
    for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + to_string(*args[i]);
    return s;
  };
  switch (e.kind) {
    case Expr::Kind::kInt: return int_text(e.value);
    case Expr::Kind::kBool: return e.value ? "true" : "false";
    case Expr::Kind::kName: return e.name;
    case Expr::Kind::kUnary:
      // `!` binds looser than comparisons in this language but tighter in C:
      // parenthesise any binary operand so both readings agree.
      if (e.args[0]->kind == Expr::Kind::kBinary) return e.op + "(" + to_string(*e.args[0]) + ")";
      return e.op + sub(*e.args[0], false);
    case Expr::Kind::kBinary: return sub(*e.args[0], false) + " " + e.op + " " + sub(*e.args[1], true);
    case Expr::Kind::kCall: return e.name + "(" + list(e.args) + ")";
    case Expr::Kind::kMethod: return e.name + "." + e.method + "(" + list(e.args) + ")";
  }
  return "";
}

}  // namespace xabi::gen
