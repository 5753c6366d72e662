// Starting the bootstrap; see spawn.h.
#include "spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "mutant.h"

namespace xabi::launch {
namespace {

constexpr int kBaseNamespaces = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWUTS;

// Runs in the child: only async-signal-safe system calls, no allocation.
[[noreturn]] void child_main(const SpawnRequest& r, int parent_pidfd, char* const argv[],
                             char* const envp[]) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) _exit(kChildSetupFailed);
  pollfd parent{parent_pidfd, POLLIN, 0};
  if (poll(&parent, 1, 0) != 0) _exit(kChildSetupFailed);  // the parent already died
  // Move the four fds above anything they could collide with, then into place.
  int high[4];
  for (int i = 0; i < 4; ++i)
    if ((high[i] = fcntl(r.fds[i], F_DUPFD, 16)) < 0) _exit(kChildSetupFailed);
  for (int i = 0; i < 4; ++i)
    if (dup2(high[i], 3 + i) != 3 + i) _exit(kChildSetupFailed);  // clears FD_CLOEXEC
  if (XABI_MUTANT(fd_leak) && dup2(2, 7) != 7) _exit(kChildSetupFailed);  // the monitor's stderr
  const unsigned first_closed = XABI_MUTANT(fd_leak) ? 8u : 7u;
  if (syscall(SYS_close_range, 0u, 2u, 0u) != 0 || syscall(SYS_close_range, first_closed, ~0u, 0u) != 0)
    _exit(kChildSetupFailed);
  const struct {
    int resource;
    rlim_t value;
  } limits[] = {{RLIMIT_NOFILE, 8},   {RLIMIT_CORE, 0},     {RLIMIT_FSIZE, 0},
                {RLIMIT_MEMLOCK, 0},  {RLIMIT_MSGQUEUE, 0}, {RLIMIT_AS, r.address_space}};
  for (const auto& l : limits) {
    const rlimit rl{l.value, l.value};
    if (setrlimit(static_cast<__rlimit_resource>(l.resource), &rl) != 0) _exit(kChildSetupFailed);
  }
  execve(r.bootstrap_path.c_str(), argv, envp);
  _exit(kChildExecFailed);
}

}  // namespace

Result<Spawned> spawn_bootstrap(const SpawnRequest& r) {
  if (r.bootstrap_path.empty() || r.bootstrap_path[0] != '/')
    return Error{ErrorCode::kInvalidArgument, "bootstrap path must be absolute"};
  UniqueFd parent(static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0)));
  if (!parent) return system_error(ErrorCode::kSystem, "pidfd_open(self)");
  // Everything the child needs is built before clone: it must not allocate.
  std::vector<char> arg0{'x', 'a', 'b', 'i', '-', 'b', 'o', 'o', 't', 's', 't', 'r', 'a', 'p', '\0'};
  char* const argv[] = {arg0.data(), nullptr};
  char* const envp[] = {nullptr};

  const int wanted = kBaseNamespaces | (geteuid() != 0 ? CLONE_NEWUSER : 0);
  const int attempts[] = {wanted, wanted & ~CLONE_NEWNET, wanted & ~(CLONE_NEWNET | CLONE_NEWUSER),
                          0};
  // posix_spawn-style: the child shares our memory (CLONE_VM) and we wait
  // until it has exec'd (CLONE_VFORK), so no page tables are copied: a large
  // monitor spawns as fast as a small one. The child runs child_main on a
  // stack of its own and only makes system calls before execve.
  struct Start {
    const SpawnRequest* r;
    int parent;
    char* const* argv;
    char* const* envp;
  } start{&r, parent.get(), argv, envp};
  constexpr size_t kStack = 256 * 1024;
  std::vector<char> stack(kStack);
  auto entry = [](void* p) -> int {
    auto* s = static_cast<Start*>(p);
    child_main(*s->r, s->parent, s->argv, s->envp);
  };
  int last_errno = 0;
  for (int ns : attempts) {
    int pidfd = -1;
    const int pid = ::clone(entry, stack.data() + kStack, ns | CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &start, &pidfd);
    if (pid > 0) return Spawned{static_cast<pid_t>(pid), UniqueFd(pidfd), ns};
    last_errno = errno;
    if (errno != EPERM && errno != EINVAL && errno != ENOSPC && errno != EUSERS) break;
  }
  errno = last_errno;
  return system_error(ErrorCode::kSpawnFailed, "clone");
}

}  // namespace xabi::launch
