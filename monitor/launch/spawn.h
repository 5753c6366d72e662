// Starting the bootstrap in a fresh child: namespaces, fds 3..6, rlimits,
// empty environment, parent-death kill.
//
// Usage:
//   SpawnRequest r{.bootstrap_path = "/abs/xabi-bootstrap",
//                  .fds = {image, calls, arena, doorbell}, .address_space = bytes};
//   Result<Spawned> s = spawn_bootstrap(r);   // s.value().pid / pidfd / namespaces
//
// clone3 with CLONE_PIDFD and new pid, net, ipc, mount and uts namespaces (plus
// a user namespace when not root). If the kernel refuses, it retries with
// smaller sets: without the network namespace, then without the user
// namespace, then with none; `namespaces` records what was applied.
//
// In the child, before execve: PR_SET_PDEATHSIG SIGKILL, then a re-check that
// the parent process still lives (a pidfd of it, opened before clone; getppid()
// says 0 in a new pid namespace); the four fds moved to 3..6 and every other
// fd closed (close_range); RLIMIT_NOFILE 8, CORE/FSIZE/MEMLOCK/MSGQUEUE 0,
// RLIMIT_AS = address_space. RLIMIT_NPROC is not set: it counts every process
// of the real uid (root is exempt anyway), and threads are bounded by the PAL
// and the filter's clone flags. Note: PDEATHSIG fires when the launching
// THREAD exits, so launch from a thread that outlives the picoprocess.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>

#include "result.h"
#include "../host/unique_fd.h"

namespace xabi::launch {

using host::UniqueFd;  // the monitor's one owned-fd type (monitor/host/unique_fd.h)

struct SpawnRequest {
  std::string bootstrap_path;  // absolute
  std::array<int, 4> fds{};    // become 3, 4, 5, 6 in the child
  uint64_t address_space = 0;  // RLIMIT_AS in bytes
};

struct Spawned {
  pid_t pid = -1;
  UniqueFd pidfd;
  int namespaces = 0;  // CLONE_NEW* flags applied
};

Result<Spawned> spawn_bootstrap(const SpawnRequest& request);

// Exit statuses of the child before execve (127: execve failed).
inline constexpr int kChildSetupFailed = 125;
inline constexpr int kChildExecFailed = 127;

}  // namespace xabi::launch
