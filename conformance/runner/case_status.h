// A failing case, as a value: every runner function that can fail the case
// returns CaseOr<T> (its value, or the CaseFail that ends the case) or
// CaseStatus (CaseOr<void>), and its callers pass the failure up with
// XABI_TRY (xabi/result.h) or XABI_CASE_LET. execute_case (execute.h) turns
// it into the case's FAIL. A failing case is the case's outcome, not an
// error of the runner, so it carries its own fields, not an Error<Code>.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "xabi/result.h"

namespace xabi::conform {

// A case failed: what was expected, what was observed, which rule.
struct CaseFail {
  std::string summary, expected, observed, rule;
  int spec_line = 0;
};

template <class T>
class [[nodiscard]] CaseOr {
 public:
  CaseOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  CaseOr(CaseFail fail) : fail_(std::move(fail)) {}  // NOLINT: implicit by design
  explicit operator bool() const { return !fail_.has_value(); }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const CaseFail& error() const { return *fail_; }

 private:
  std::optional<T> value_;
  std::optional<CaseFail> fail_;
};

template <>
class [[nodiscard]] CaseOr<void> {
 public:
  CaseOr() = default;
  CaseOr(CaseFail fail) : fail_(std::move(fail)) {}  // NOLINT: implicit by design
  explicit operator bool() const { return !fail_.has_value(); }
  const CaseFail& error() const { return *fail_; }

 private:
  std::optional<CaseFail> fail_;
};

using CaseStatus = CaseOr<void>;

}  // namespace xabi::conform

// XABI_CASE_LET(name, expr): `expr` gives a CaseOr<T>; returns its CaseFail
// from the enclosing function, else declares `name`, a T& to its value (which
// lives as long as `name`).
#define XABI_CASE_LET(name, ...)              \
  auto name##_or_ = (__VA_ARGS__);            \
  if (!name##_or_) return name##_or_.error(); \
  auto& name = name##_or_.value()
