// Launching and sealing a picoprocess.
//
// Usage:
//   LaunchSpec spec{.image_path = "guest", .args = {"a"}, .memory_quota = 64 << 20,
//                   .bootstrap_path = "/abs/xabi-bootstrap", .mode = Mode::kKill};
//   Result<Picoprocess> p = launch(spec);
//   if (!p) ... describe(p.error()) ...
//   if (Status s = await_sealed(p.value(), std::chrono::seconds(2)); !s) ...
//   // sealed: the guest runs; serve p.value().listener_fd() and the slots
//
// launch() validates the image here first (named ELF errors), hands the
// bootstrap a sealed copy of exactly those bytes, builds the filter for a
// random region, writes the call area, and spawns (spawn.h). await_sealed()
// waits for the doorbell, takes the seccomp listener with pidfd_getfd,
// confirms it is one and that /proc/PID/status says Seccomp 2 and NoNewPrivs 1,
// and only then lets the guest start (go = 1 + FUTEX_WAKE). On any failure
// after spawning, the child is killed and reaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "launch_params.h"
#include "picoprocess.h"
#include "result.h"

namespace xabi::launch {

struct LaunchSpec {
  std::string image_path;
  std::vector<std::string> args;  // what xabi_args() shows the guest
  uint64_t memory_quota = 0;      // bytes of arena; rounded up to pages
  std::string bootstrap_path;     // absolute path of xabi-bootstrap
  Mode mode = Mode::kKill;
};

// Address space the bootstrap may need beyond the arena and the image (its own
// static binary, the call area, the stack, the vDSO, glibc's start-up heap).
inline constexpr uint64_t kAddressSpaceAllowance = 256ull << 20;

Result<Picoprocess> launch(const LaunchSpec& spec);

Status await_sealed(Picoprocess& p, std::chrono::milliseconds timeout);

}  // namespace xabi::launch
