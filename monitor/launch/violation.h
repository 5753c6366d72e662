// Denied system calls: receiving the kernel's report and acting on it.
//
// Usage (when p.listener_fd() polls readable):
//   Result<ViolationReport> r = handle_notification(p, p.mode());
//   if (r) log(to_json(r.value()));
// and when a picoprocess died of SIGSYS:
//   if (auto r = violation_from_exit(status)) log(to_json(*r));
//
// Every denied x86-64 call reaches the monitor as a seccomp user notification
// (the filter's default action), so the report comes from the kernel and the
// guest cannot forge it. Kill mode: SIGKILL through the pidfd and the
// notification is never answered, so the call never runs. Errno mode: the
// call fails with ENOSYS. Calls of another architecture (int $0x80) and x32
// numbers never notify: the filter kills the process with SIGSYS
// (SECCOMP_RET_KILL_PROCESS), which violation_from_exit reports.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "exit_status.h"
#include "launch_params.h"
#include "picoprocess.h"
#include "result.h"

namespace xabi::launch {

struct ViolationReport {
  enum class Source { kNotification, kSeccompKill };
  Source source = Source::kNotification;
  pid_t tid = 0;         // the calling thread, in the monitor's pid namespace
  int64_t nr = -1;       // system call number (-1: unknown, kSeccompKill)
  std::string name;      // libseccomp's name for nr, or "" if it has none
  uint32_t arch = 0;     // AUDIT_ARCH_* the call was made with
  uint64_t instruction_pointer = 0;
  std::array<uint64_t, 6> args{};
  Mode mode = Mode::kKill;
  std::string action;    // "killed" or "ENOSYS"
};

Result<ViolationReport> handle_notification(Picoprocess& p, Mode mode);

// A report for a picoprocess the filter itself killed (SIGSYS), else nullopt.
std::optional<ViolationReport> violation_from_exit(const ExitStatus& status, Mode mode);

// One JSON object; keys: source, tid, nr, name, arch, ip, args, mode, action.
std::string to_json(const ViolationReport& r);

}  // namespace xabi::launch
