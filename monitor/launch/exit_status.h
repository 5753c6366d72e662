// How a picoprocess ended, from waitid(P_PIDFD).
//
// Usage:
//   Result<ExitStatus> e = reap(pidfd);            // blocks until it has ended
//   if (e && e.value().exited && e.value().code == 0) ...
//   e.value().describe()   // "exited with status 3" / "killed by signal 9 (Killed)"
#pragma once

#include <string>

#include "result.h"

namespace xabi::launch {

struct ExitStatus {
  bool exited = false;  // through exit/exit_group: `code` is the status
  int code = 0;         // exit status (0..255) when exited
  int signal = 0;       // the fatal signal otherwise
  std::string describe() const;
  bool exited_with(int c) const { return exited && code == c; }
  bool killed_by(int s) const { return !exited && signal == s; }
};

// Waits for the process behind `pidfd` (our child) to end and reaps it.
Result<ExitStatus> reap(int pidfd);

}  // namespace xabi::launch
