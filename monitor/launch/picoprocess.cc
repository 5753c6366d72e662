// One launched picoprocess; see picoprocess.h.
#include "picoprocess.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

namespace xabi::launch {

Picoprocess::Picoprocess(pid_t pid, UniqueFd pidfd, UniqueFd doorbell, UniqueFd arena,
                         CallArea area, uint64_t region_base, uint64_t arena_size, Mode mode,
                         int namespaces)
    : pid_(pid),
      pidfd_(std::move(pidfd)),
      doorbell_(std::move(doorbell)),
      arena_(std::move(arena)),
      area_(std::move(area)),
      region_base_(region_base),
      arena_size_(arena_size),
      mode_(mode),
      namespaces_(namespaces) {}

Picoprocess::~Picoprocess() {
  if (pidfd_ && state_ != State::kEnded) {
    (void)kill();
    (void)wait();
  }
}

Status Picoprocess::kill() {
  if (state_ == State::kEnded || !pidfd_) return {};
  if (syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0) != 0 && errno != ESRCH)
    return system_error(ErrorCode::kSystem, "pidfd_send_signal");
  return {};
}

Result<ExitStatus> Picoprocess::wait() {
  if (exit_) return *exit_;
  if (!pidfd_) return Error{ErrorCode::kWrongState, "no process"};
  Result<ExitStatus> e = reap(pidfd_.get());
  if (!e) return e;
  exit_ = e.value();
  state_ = State::kEnded;
  listener_.reset();
  return e;
}

}  // namespace xabi::launch
