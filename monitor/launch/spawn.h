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
// In the child, before execve (raw system calls only: the child shares the
// monitor's memory, and glibc's set*id would signal the monitor's threads):
//   1. PR_SET_PDEATHSIG SIGKILL, then a re-check that the parent process still
//      lives (a pidfd of it, opened before clone; getppid() says 0 in a new pid
//      namespace);
//   2. it joins its cgroups (writes "0" to each cgroup.procs fd), still privileged;
//   3. the four fds moved to 3..6, the bootstrap's O_PATH fd to 7 (close-on-exec),
//      every other fd closed (close_range);
//   4. rlimits: NOFILE 8, CORE/FSIZE/MEMLOCK/MSGQUEUE 0, AS = address_space,
//      NPROC = nproc when the picoprocess has a uid of its own (RLIMIT_NPROC
//      counts the real uid's tasks, threads included, so it is then exactly the
//      picoprocess's thread limit; with a shared uid it would count others);
//   5. privileges dropped for good: the bounding and ambient sets cleared,
//      securebits NOROOT, NO_CAP_AMBIENT_RAISE and KEEP_CAPS off, all locked;
//      as root, supplementary groups dropped and uid/gid set to the
//      picoprocess's own unprivileged id (which clears the permitted and
//      effective sets); then every capability set emptied; NO_NEW_PRIVS;
//   6. execveat of the bootstrap's fd (no path lookup as the new uid).
// A step that fails is named in the returned Error (the child writes which
// step and errno into memory it shares with the parent, then exits 120).
// Note: PDEATHSIG fires when the launching THREAD exits, so launch from a
// thread that outlives the picoprocess.
//
// The picoprocess's id: kPicoIdBase + its pid in the monitor's pid namespace
// (unique among live processes) when the monitor is root in the initial user
// namespace; 65534 (nobody) when only that is mapped (root in a container);
// without root, the user namespace above gives it no id of the monitor's but
// its unmapped overflow id, and no capability outside that namespace.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "result.h"
#include "xabi/unique_fd.h"

namespace xabi::launch {


// The first uid/gid of picoprocesses (2,000,000,000 + pid: readable in /proc
// and far from system, user and container-subordinate ranges).
inline constexpr uint32_t kPicoIdBase = 2000000000u;
inline constexpr uint32_t kNobodyId = 65534u;

struct SpawnRequest {
  std::string bootstrap_path;  // absolute
  std::array<int, 5> fds{-1, -1, -1, -1, -1};  // become 3, 4, 5, 6 (and 8: --linux's, if >= 0) in the child
  uint64_t address_space = 0;  // RLIMIT_AS in bytes
  std::vector<int> cgroup_procs_fds;  // cgroup.procs files the child joins
  uint64_t nproc = 0;                 // RLIMIT_NPROC when the uid is the picoprocess's own
  std::string bootstrap_arg;          // its one argument after its name; empty: none
};

struct Spawned {
  pid_t pid = -1;
  UniqueFd pidfd;
  int namespaces = 0;  // CLONE_NEW* flags applied
  uint32_t uid = 0;    // the picoprocess's uid and gid as the monitor sees them
  bool own_uid = false;  // no other process has it (RLIMIT_NPROC was set)
};

Result<Spawned> spawn_bootstrap(const SpawnRequest& request);

// Exit status of the child when a step before execve failed (the step is
// named in spawn_bootstrap's Error); distinct from the host's own statuses.
inline constexpr int kChildSetupFailed = 120;

}  // namespace xabi::launch
