// What the filter binds and how a denied system call ends.
//
// Usage:
//   LaunchParams p{.doorbell_fd = XABI_LINK_FD_DOORBELL, .region_base = base,
//                  .region_mask = XABI_LINK_REGION_MASK};
//   build_filter(p, Mode::kKill);
#pragma once

#include <cstdint>
#include <string_view>

#include "xabi/syscalls.hpp"

namespace xabi::launch {

// kKill (the default) ends the picoprocess at its first denied system call;
// kErrno is the documented compatibility mode: the call fails with ENOSYS.
// Either way the monitor learns of it through a seccomp notification.
// kLinux (--linux) allows the trap list as well and turns every other call
// into a SIGSYS the Linux personality serves inside the picoprocess; the
// monitor hears of none of them.
enum class Mode { kKill, kErrno, kLinux };

std::string_view mode_name(Mode m);  // "kill" / "errno" / "linux"

// Values for the allow-list's launch parameters: generated from the spec's
// launch_params, so a parameter the allow-list names is a field here.
using LaunchParams = meta::LaunchParams;

}  // namespace xabi::launch
