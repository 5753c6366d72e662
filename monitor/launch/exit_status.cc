// Reaping; see exit_status.h.
#include "exit_status.h"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace xabi::launch {

std::string ExitStatus::describe() const {
  if (exited) return "exited with status " + std::to_string(code);
  return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
}

Result<ExitStatus> reap(int pidfd) {
  siginfo_t info{};
  while (waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED) != 0) {
    if (errno != EINTR) return system_error(ErrorCode::kSystem, "waitid(P_PIDFD)");
  }
  ExitStatus s;
  s.exited = info.si_code == CLD_EXITED;
  (s.exited ? s.code : s.signal) = info.si_status;
  return s;
}

}  // namespace xabi::launch
