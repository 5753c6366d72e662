// Named errors and Result<T> for the launcher: no exceptions cross its API.
//
// Usage:
//   Result<Picoprocess> r = launch(spec);
//   if (!r) { log(error_name(r.error().code), r.error().detail); return; }
//   Picoprocess p = std::move(r).value();
//   Status s = await_sealed(p, 2s);      // Status = Result<void>
//   if (!s) ...
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xabi::launch {

// One name per way a launch or a check can fail.
#define XABI_LAUNCH_ERRORS(X)                                                      \
  X(kInvalidArgument, "an argument to the launcher is unusable")                   \
  X(kImageUnreadable, "the guest image cannot be read")                           \
  X(kInvalidImage, "the guest image failed validation")                           \
  X(kArgsTooLarge, "the argument block does not fit the call area")               \
  X(kSeccompLibrary, "libseccomp refused to build or export the filter")          \
  X(kFilterTooLong, "the filter program exceeds XABI_LINK_FILTER_MAX")            \
  X(kUnknownSyscall, "an allow-list entry names a system call libseccomp lacks")  \
  X(kUnboundParameter, "an allow-list entry names an unknown launch parameter")   \
  X(kSystem, "a system call in the monitor failed")                               \
  X(kSpawnFailed, "the picoprocess could not be created")                         \
  X(kBootstrapFailed, "the bootstrap exited before sealing")                      \
  X(kSealTimeout, "the bootstrap did not seal in time")                           \
  X(kSealBroken, "the seal could not be confirmed")                               \
  X(kWrongState, "the picoprocess is not in a state that allows this")            \
  X(kNoNotification, "no seccomp notification could be received")

enum class ErrorCode {
#define XABI_LAUNCH_ENUM(name, msg) name,
  XABI_LAUNCH_ERRORS(XABI_LAUNCH_ENUM)
#undef XABI_LAUNCH_ENUM
};

std::string_view error_name(ErrorCode c);     // "kSealTimeout"
std::string_view error_message(ErrorCode c);  // one line

struct Error {
  ErrorCode code;
  std::string detail;  // what exactly: a path, an errno text, a field
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) {}
  explicit operator bool() const { return value_.has_value(); }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& value() const& { return *value_; }
  const Error& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}
  explicit operator bool() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

// "kSealTimeout: <detail>".
std::string describe(const Error& e);

// An Error from the current errno: "what: strerror(errno)".
Error system_error(ErrorCode code, std::string_view what);

}  // namespace xabi::launch
