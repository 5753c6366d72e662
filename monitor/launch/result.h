// Named errors and Result<T> for the launcher: no exceptions cross its API.
// The types are common/xabi/result.h's, with the launcher's codes.
//
// Usage:
//   Result<Picoprocess> r = launch(spec);
//   if (!r) { log(error_name(r.error().code), r.error().detail); return; }
//   Picoprocess p = std::move(r).value();
//   Status s = await_sealed(p, 2s);      // Status = Result<void>
//   if (!s) ...
#pragma once

#include <string>
#include <string_view>

#include "xabi/result.h"

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

XABI_ERROR_CODES(ErrorCode, XABI_LAUNCH_ERRORS)

using Error = xabi::Error<ErrorCode>;
template <class T>
using Result = xabi::Result<T, ErrorCode>;
using Status = xabi::Status<ErrorCode>;

// describe(e): "kSealTimeout: <detail>" (common/xabi/result.h).
using xabi::describe;

// "<error_message>: <detail>", for users (xabi-host's messages and report):
// "the image is not a valid guest image: image asks for an interpreter
// (PT_INTERP)". The ELF validator's error name that leads an invalid
// image's detail is left out.
std::string explain(const Error& e);

// An Error from the current errno: "what: strerror(errno)".
Error system_error(ErrorCode code, std::string_view what);

}  // namespace xabi::launch
