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
// confirms it is one and that /proc/PID/status says Seccomp 2, NoNewPrivs 1,
// every capability set empty and no uid or gid 0, and only then lets the guest start (go = 1 + FUTEX_WAKE). On any failure
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
  // Put it in a cgroup of its own where cgroups() can (tests turn this off to
  // check the rlimit fallback).
  bool use_cgroups = true;
  // Bound its threads by RLIMIT_NPROC as well, where its uid is its own (tests
  // turn this off to see the pids cgroup refuse on its own).
  bool use_rlimit_threads = true;
  // One argument for the bootstrap after its name; empty: none. xabi-bootstrap
  // refuses any; xabi-bootstrap-mutant takes "mutant=NAME" (docs/mutants.md).
  std::string bootstrap_arg;
  // --linux: an unmodified static Linux program (ET_EXEC), loaded at its link
  // address in region 0 and run over the Linux personality; image_path is then
  // the Linux runner guest (pal/personality/runner), and args the program's
  // argv. linux_fs: a tar image for its file system, or empty. The mode
  // becomes kLinux.
  std::string linux_program;
  std::string linux_fs;
  // --linux's CLOCK_REALTIME: frozen at this many seconds since the epoch
  // (--clock, for reproducible runs), or when negative the host's clock at
  // launch, advancing with the ABI's monotonic time_now.
  int64_t linux_clock = -1;
};

// Address space the bootstrap may need beyond the arena and the image (its own
// static binary, the call area, the stack, the vDSO, glibc's start-up heap).
inline constexpr uint64_t kAddressSpaceAllowance = 256ull << 20;
// What its memory cgroup allows beyond the arena, image, stack and call area:
// the bootstrap's own pages, page tables, kernel stacks of LIMIT_THREADS threads.
inline constexpr uint64_t kCgroupMemoryAllowance = 64ull << 20;
// Every picoprocess's CPU weight (cgroup v2 scale, 100 = default): equal
// among picoprocesses; the monitor competes with their whole subtree.
inline constexpr uint64_t kCgroupCpuWeight = 100;

Result<Picoprocess> launch(const LaunchSpec& spec);

Status await_sealed(Picoprocess& p, std::chrono::milliseconds timeout);

}  // namespace xabi::launch
