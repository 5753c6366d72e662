// Result<T, Code>: the one error style of xabi's host-side C++
// (docs/error-style.md). A function that can fail returns its value or an
// Error{code, detail}; no bool + out-string, no exceptions across an API.
//
// Each component names its own ways to fail, with a plain-words message each:
//
//   #define XABI_CASE_FILE_ERRORS(X) X(kSyntax, "the case file cannot be parsed") X(kUnreadable, "...")
//   XABI_ERROR_CODES(CaseFileError, XABI_CASE_FILE_ERRORS)
//
// (one X per line, ending in a backslash, in real lists).
//
//   template <class T> using Result = xabi::Result<T, CaseFileError>;
//   using Status = xabi::Status<CaseFileError>;
//
//   Result<Step> r = parse_step(line);
//   if (!r) { log(describe(r.error())); return r.error(); }
//   Step s = std::move(r).value();
//
// XABI_ERROR_CODES defines the enum and error_name()/error_message() for it
// in the current namespace, so describe()/explain() below find them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#define XABI_ERROR_CODE_ENUM_(name, msg) name,
#define XABI_ERROR_CODE_NAME_(name, msg) \
  case decltype(c)::name:                \
    return #name;
#define XABI_ERROR_CODE_MSG_(name, msg) \
  case decltype(c)::name:               \
    return msg;

// enum class Enum { names... }; error_name(Enum) -> "kName";
// error_message(Enum) -> the list's words.
#define XABI_ERROR_CODES(Enum, LIST)                               \
  enum class Enum { LIST(XABI_ERROR_CODE_ENUM_) };                 \
  [[maybe_unused]] inline std::string_view error_name(Enum c) {    \
    switch (c) { LIST(XABI_ERROR_CODE_NAME_) }                     \
    return "unknown";                                              \
  }                                                                \
  [[maybe_unused]] inline std::string_view error_message(Enum c) { \
    switch (c) { LIST(XABI_ERROR_CODE_MSG_) }                      \
    return "unknown error";                                        \
  }

// XABI_TRY(status): returns the status's error from the enclosing function
// (which returns a Result or Status of the same Code); goes on if it is ok.
#define XABI_TRY(...)                                       \
  do {                                                      \
    if (auto xabi_try_ = (__VA_ARGS__); !xabi_try_) return xabi_try_.error(); \
  } while (0)

namespace xabi {

template <class Code>
struct Error {
  Code code;
  std::string detail;  // what exactly: a path, an errno text, a line
};

template <class T, class Code>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error<Code> error) : error_(std::move(error)) {}
  explicit operator bool() const { return value_.has_value(); }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& value() const& { return *value_; }
  const Error<Code>& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<Error<Code>> error_;
};

template <class Code>
class [[nodiscard]] Result<void, Code> {
 public:
  Result() = default;
  Result(Error<Code> error) : error_(std::move(error)) {}
  explicit operator bool() const { return !error_.has_value(); }
  const Error<Code>& error() const { return *error_; }

 private:
  std::optional<Error<Code>> error_;
};

template <class Code>
using Status = Result<void, Code>;

// Moves `r`'s value into `into`; else its error. For filling a field:
//   XABI_TRY(store(parse_expr(text), step.rhs));
template <class T, class Code>
Status<Code> store(Result<T, Code> r, T& into) {
  if (!r) return r.error();
  into = std::move(r).value();
  return {};
}

// "kName: <detail>": for logs and tests, where the name is the point.
template <class Code>
std::string describe(const Error<Code>& e) {
  return std::string(error_name(e.code)) + ": " + e.detail;
}

// "<error_message>: <detail>" (or only the message): for users.
template <class Code>
std::string explain(const Error<Code>& e) {
  std::string out(error_message(e.code));
  if (!e.detail.empty()) out.append(": ").append(e.detail);
  return out;
}

}  // namespace xabi
