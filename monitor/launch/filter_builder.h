// The exact seccomp program a picoprocess installs, built from the spec's
// allow-list (xabi::meta::kAllowList) with libseccomp.
//
// Usage:
//   Result<Filter> f = build_filter(params, Mode::kKill);
//   if (!f) ...;  f.value().size() instructions, ready for the call area.
//
// Shape: arch == x86-64 else KILL_PROCESS (libseccomp's bad-arch action; it
// also routes x32 numbers, nr >= 0x40000000, there); each allow-list entry is
// an ALLOW rule with its argument checks (EQ: all 64 bits; MASKED_EQ: both
// halves); everything else is SECCOMP_RET_USER_NOTIF in kKill and kErrno, so
// the monitor hears of every denied call from the kernel and decides (kill or
// ENOSYS). kLinux adds the profile's trap list (kTrapAllowList) and makes
// everything else SECCOMP_RET_TRAP, a SIGSYS the picoprocess serves itself. The program is a pure function of (params, mode): proofs and
// fuzzers take this very vector.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "launch_params.h"
#include "xabi/syscalls.hpp"
#include "result.h"

namespace xabi::launch {

using Filter = std::vector<sock_filter>;

Result<Filter> build_filter(const LaunchParams& params, Mode mode);

// As build_filter, refusing programs longer than `max_insns` (build_filter
// uses XABI_LINK_FILTER_MAX); exposed so the refusal can be tested.
Result<Filter> build_filter_limited(const LaunchParams& params, Mode mode, size_t max_insns);
// From another allow-list than the spec's: for the proof's negative test
// (a filter with one call too many must fail the proof).
Result<Filter> build_filter_from(const LaunchParams& params, Mode mode, std::span<const meta::SyscallRule> allow,
                                 size_t max_insns);

// libseccomp's human-readable pseudo-filter (PFC) for the same rules: for
// reports and debugging, not for installing.
Result<std::string> filter_pfc(const LaunchParams& params, Mode mode);

}  // namespace xabi::launch
