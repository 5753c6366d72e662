// One launched picoprocess, as the monitor holds it.
//
// Usage:
//   Result<Picoprocess> p = launch(spec);          // launcher.h
//   await_sealed(p.value(), 2s);                   // then guest code runs
//   ... poll p.value().listener_fd() and pidfd() ... handle_notification(...)
//   Result<ExitStatus> e = p.value().wait();       // reaps
//
// Destroying a Picoprocess that was not reaped kills it (SIGKILL through the
// pidfd) and reaps it, so no child outlives its handle and none is left a
// zombie. Everything it shares with the guest (the call area) is hostile once
// the bootstrap has run: copy, then validate.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "call_area.h"
#include "cgroup.h"
#include "exit_status.h"
#include "launch_params.h"
#include "result.h"
#include "xabi/unique_fd.h"

namespace xabi::launch {


class Picoprocess {
 public:
  enum class State { kLaunched, kSealed, kEnded };

  Picoprocess(pid_t pid, UniqueFd pidfd, UniqueFd doorbell, UniqueFd arena, CallArea area,
              uint64_t region_base, uint64_t arena_size, Mode mode, int namespaces);
  Picoprocess(Picoprocess&&) noexcept = default;
  Picoprocess& operator=(Picoprocess&&) noexcept = default;
  ~Picoprocess();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  int doorbell_fd() const { return doorbell_.get(); }
  int arena_fd() const { return arena_.get(); }
  int listener_fd() const { return listener_.get(); }  // -1 until sealed
  uint64_t region_base() const { return region_base_; }
  uint64_t arena_size() const { return arena_size_; }
  Mode mode() const { return mode_; }
  // CLONE_NEW* flags the kernel accepted (see spawn.h for the fallbacks).
  int namespaces() const { return namespaces_; }
  State state() const { return state_; }
  CallArea& call_area() { return area_; }
  const std::optional<ExitStatus>& exit_status() const { return exit_; }

  // Sends SIGKILL (no-op once ended).
  Status kill();
  // Blocks until the picoprocess ends, reaps it and remembers how.
  Result<ExitStatus> wait();

  // The uid/gid it runs as (as the monitor sees it) and whether it is its own.
  uint32_t uid() const { return uid_; }
  bool own_uid() const { return own_uid_; }
  // Its cgroup (empty where cgroups are unavailable); removed with it.
  const PicoCgroup& cgroup() const { return cgroup_; }

  // For launch.
  void set_identity(uint32_t uid, bool own_uid, PicoCgroup cgroup) {
    uid_ = uid;
    own_uid_ = own_uid;
    cgroup_ = std::move(cgroup);
  }
  // For await_sealed.
  void set_sealed(UniqueFd listener) {
    listener_ = std::move(listener);
    state_ = State::kSealed;
  }

 private:
  PicoCgroup cgroup_;  // first member: removed last, after the process is reaped
  pid_t pid_ = -1;
  UniqueFd pidfd_, doorbell_, arena_, listener_;
  CallArea area_;
  uint64_t region_base_ = 0, arena_size_ = 0;
  Mode mode_ = Mode::kKill;
  int namespaces_ = 0;
  uint32_t uid_ = 0;
  bool own_uid_ = false;
  State state_ = State::kLaunched;
  std::optional<ExitStatus> exit_;
};

}  // namespace xabi::launch
