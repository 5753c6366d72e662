// kvm_error.h: the named ways the KVM host's machine layer fails
// (docs/error-style.md), for Result/Status.
#pragma once

#include "xabi/result.h"

namespace xabi::kvm {

#define XABI_KVM_ERRORS(X)                                                                  \
  X(kNoKvm, "/dev/kvm cannot be opened (no KVM on this machine, or no permission)")       \
  X(kKvmApi, "the kernel's KVM API is not the one this host was written for")              \
  X(kKvmCall, "a KVM ioctl failed")                                                        \
  X(kSystem, "a system call in the host failed")                                           \
  X(kLayout, "the requested guest layout does not fit the machine")                        \
  X(kInvalidImage, "the image is not a valid guest image")                                 \
  X(kTooManyVcpus, "no vCPU is left in the machine's pool")
XABI_ERROR_CODES(KvmError, XABI_KVM_ERRORS)

template <class T>
using Result = xabi::Result<T, KvmError>;
using Status = xabi::Status<KvmError>;

// An Error for a failed system call or ioctl: `what` plus strerror(errno).
Error<KvmError> errno_error(KvmError code, const char* what);

}  // namespace xabi::kvm
