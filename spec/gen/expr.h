// The rule expression language: parsing and the syntax tree.
//
//   expr    := or
//   or      := and ('||' and)*
//   and     := not ('&&' not)*
//   not     := '!' not | compare
//   compare := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?
//   sum     := product (('+'|'-') product)*
//   product := unary (('*'|'/'|'%') unary)*
//   unary   := '-' unary | primary
//   primary := INT | 'true' | 'false' | NAME | NAME '(' args ')'
//            | NAME '.' NAME '(' args ')' | '(' expr ')'
//
// Integers are mathematical (the model evaluates them in 128 bits, Z3 as Int);
// `/` and `%` are Euclidean. Names are resolved and typed by the checker
// (check.cc), which also fills in the `resolved` fields below.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xabi::gen {

enum class ValueType { kUnknown, kInt, kBool, kStr };

struct Expr {
  enum class Kind {
    kInt,     // value
    kBool,    // value (0/1)
    kName,    // name
    kUnary,   // op ("!" or "-"), args[0]
    kBinary,  // op, args[0], args[1]
    kCall,    // name(args): a builtin function
    kMethod,  // name.method(args): a state component operation
  };
  // What a kName refers to, once checked.
  enum class NameKind { kUnresolved, kParam, kConstant, kError, kResult, kCaller, kRuleGuard, kCapability };

  Kind kind = Kind::kInt;
  int offset = 0;  // byte offset in the source text, for diagnostics
  __int128 value = 0;
  std::string name;    // kName, kCall, kMethod (the component)
  std::string op;      // kUnary, kBinary
  std::string method;  // kMethod
  std::vector<std::unique_ptr<Expr>> args;

  // Filled in by the checker.
  ValueType type = ValueType::kUnknown;
  NameKind name_kind = NameKind::kUnresolved;
  int index = -1;  // parameter / rule / constant index, by name_kind
};

using ExprPtr = std::unique_ptr<Expr>;

struct ParseError {
  int offset;
  std::string message;
};

// Parses `text`. On failure returns nullptr and sets *error.
ExprPtr parse_expr(const std::string& text, ParseError* error);

// Splits a boolean expression at its top-level `&&`s (for explaining which
// conjunct of an outcome an observed result broke).
std::vector<const Expr*> conjuncts(const Expr& e);

// Prints an expression back in canonical form (fully spaced, minimal parens).
std::string to_string(const Expr& e);

}  // namespace xabi::gen
