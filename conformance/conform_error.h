// The ways xabi-conform's parts can fail (the case language, the runner, the
// report writers), as the project's Result (common/xabi/result.h). A case that
// fails is no error: it is the case's outcome (CaseFail, runner/case_status.h).
#pragma once

#include "xabi/result.h"

namespace xabi::conform {

#define XABI_CONFORM_ERRORS(X)                                                \
  X(kUsage, "the command line is unusable")                                   \
  X(kCaseSyntax, "a case cannot be parsed")                                   \
  X(kModelInput, "a judge step's values cannot be given to the model")        \
  X(kExpectations, "the expectations file is unusable")                       \
  X(kAdapter, "the host adapter cannot be used")                              \
  X(kHostStart, "the host could not be started")                              \
  X(kOrigin, "the origin server could not start")                             \
  X(kAgent, "the agent could not be reached")                                 \
  X(kIo, "a file cannot be read or written")                                  \
  X(kBadReport, "a report.json cannot be read")                               \
  X(kMerge, "the reports cannot be merged")

XABI_ERROR_CODES(ConformError, XABI_CONFORM_ERRORS)

using Error = xabi::Error<ConformError>;
template <class T>
using Result = xabi::Result<T, ConformError>;
using Status = xabi::Status<ConformError>;

}  // namespace xabi::conform
