// The ways the reference host can fail before it serves a guest (its options,
// the launch), as the project's Result (common/xabi/result.h). It shares no
// code with xabi-host, so the codes are its own.
#pragma once

#include "xabi/result.h"

namespace xabi::refhost {

#define XABI_REFHOST_ERRORS(X)                                                   \
  X(kBadOption, "an option's value is unusable")                                 \
  X(kInvalidArgument, "the launch request is unusable")                          \
  X(kImageUnreadable, "the image cannot be read")                                \
  X(kBootstrapUnusable, "the bootstrap cannot be run")                           \
  X(kSystem, "a system call in the host failed")                                 \
  X(kBootstrapFailed, "the bootstrap ended before sealing the picoprocess")      \
  X(kSealTimeout, "the bootstrap did not seal the picoprocess in time")          \
  X(kSealBroken, "the picoprocess's seal could not be confirmed")

XABI_ERROR_CODES(RefhostError, XABI_REFHOST_ERRORS)

using Error = xabi::Error<RefhostError>;
template <class T>
using Result = xabi::Result<T, RefhostError>;
using Status = xabi::Status<RefhostError>;

}  // namespace xabi::refhost
