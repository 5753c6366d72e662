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

// One name per way a launch or a check can fail, and what it means in words
// a user of xabi-host reads (explain()).
#define XABI_LAUNCH_ERRORS(X)                                                                   \
  X(kInvalidArgument, "the launch request is unusable")                                        \
  X(kImageUnreadable, "the image cannot be read")                                              \
  X(kInvalidImage, "the image is not a valid guest image")                                     \
  X(kArgsTooLarge, "the guest's arguments do not fit the picoprocess's argument block")       \
  X(kSeccompLibrary, "the system-call filter could not be built (libseccomp refused it)")      \
  X(kFilterTooLong, "the system-call filter is longer than the bootstrap can install")         \
  X(kUnknownSyscall, "the allow-list names a system call this system's libseccomp lacks")      \
  X(kSystem, "a system call in the host failed")                                               \
  X(kSpawnFailed, "the picoprocess could not be created")                                      \
  X(kBootstrapFailed, "the bootstrap ended before sealing the picoprocess")                    \
  X(kSealTimeout, "the bootstrap did not seal the picoprocess in time")                        \
  X(kSealBroken, "the picoprocess's seal could not be confirmed")                              \
  X(kWrongState, "the picoprocess is not in a state that allows this")                         \
  X(kNoNotification, "no system-call notification could be received")

enum class ErrorCode {
#define XABI_LAUNCH_ENUM(name, msg) name,
  XABI_LAUNCH_ERRORS(XABI_LAUNCH_ENUM)
#undef XABI_LAUNCH_ENUM
};

std::string_view error_name(ErrorCode c);     // "kSealTimeout"
std::string_view error_message(ErrorCode c);  // one line, plain words

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

// "kSealTimeout: <detail>": for logs and tests, where the name is the point.
std::string describe(const Error& e);

// "<error_message>: <detail>", for users (xabi-host's messages and report):
// "the image is not a valid guest image: image asks for an interpreter
// (PT_INTERP)". The ELF validator's error name that leads an invalid
// image's detail is left out.
std::string explain(const Error& e);

// An Error from the current errno: "what: strerror(errno)".
Error system_error(ErrorCode code, std::string_view what);

}  // namespace xabi::launch
