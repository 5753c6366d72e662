// Starting the bootstrap; see spawn.h.
#include "spawn.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "exec_contract.h"
#include "mutant.h"

namespace xabi::launch {
namespace {

constexpr int kBaseNamespaces = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWUTS;
constexpr int kBootstrapFd = XABI_EXEC_CONTRACT_EXTRA_FD;  // the bootstrap's O_PATH fd in the child, until execveat

// How the child picks its uid/gid (decided by the parent, before clone).
struct IdPolicy {
  bool change = false;   // root: set uid/gid (else a user namespace already isolates them)
  bool per_pid = false;  // kPicoIdBase + host pid; else `fixed`
  uint32_t fixed = 0;
};

// Everything the child reads, and what it writes back: it shares the parent's
// memory (CLONE_VM) and the parent sleeps until it has exec'd or exited.
struct Start {
  const SpawnRequest* r;
  int parent;
  int bootstrap;
  IdPolicy ids;
  char* const* argv;
  char* const* envp;
  const char* failed_step = nullptr;  // written by the child before _exit
  int failed_errno = 0;
  uint32_t uid = 0;
};

[[noreturn]] void fail(Start& s, const char* step) {
  s.failed_errno = errno;
  s.failed_step = step;
  _exit(kChildSetupFailed);
}

// The child's pid as the monitor's /proc shows it (not 1, as in its own pid
// namespace): /proc/self resolves in the namespace of the /proc mount.
long host_pid() {
  char buf[24];
  const ssize_t n = readlink("/proc/self", buf, sizeof buf);
  if (n <= 0 || n >= static_cast<ssize_t>(sizeof buf)) return -1;
  long v = 0;
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[i] < '0' || buf[i] > '9') return -1;
    v = v * 10 + (buf[i] - '0');
  }
  return v;
}

// Step 5 of spawn.h. Raw syscall() for the id changes: glibc's wrappers would
// broadcast the change to the threads of the monitor, whose memory we share.
void drop_privileges(Start& s) {
  for (int cap = 0; cap < 64; ++cap)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) fail(s, "PR_CAPBSET_DROP");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) fail(s, "PR_CAP_AMBIENT_CLEAR_ALL");
  // KEEP_CAPS and NO_SETUID_FIXUP stay off (so the uid change below clears the
  // permitted set) and are locked that way; uid 0 never regains anything.
  const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
                             SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                             SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
  if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) fail(s, "PR_SET_SECUREBITS");
  if (s.ids.change) {
    long id = s.ids.fixed;
    if (s.ids.per_pid) {
      const long pid = host_pid();
      if (pid <= 0) fail(s, "readlink(/proc/self)");
      id = static_cast<long>(kPicoIdBase) + pid;
    }
    if (syscall(SYS_setgroups, 0, nullptr) != 0) fail(s, "setgroups");
    if (syscall(SYS_setresgid, id, id, id) != 0) fail(s, "setresgid");
    if (syscall(SYS_setresuid, id, id, id) != 0) fail(s, "setresuid");
    s.uid = static_cast<uint32_t>(id);
  }
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct none[2] = {};
  if (syscall(SYS_capset, &hdr, none) != 0) fail(s, "capset");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(s, "PR_SET_NO_NEW_PRIVS");
}

// The picoprocess dies with its monitor: SIGKILL when the monitor's thread
// ends, and a look at the monitor's pidfd for a death before that was armed.
// Run at the start and again after every credential change, which clears
// the parent-death signal (prctl(2)); without the second, a monitor killed
// later left its picoprocess running, unserved.
void die_with_the_monitor(Start& s, int monitor_pidfd) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(s, "PR_SET_PDEATHSIG");
  pollfd parent{monitor_pidfd, POLLIN, 0};
  if (poll(&parent, 1, 0) != 0) fail(s, "the monitor died");
}

// Runs in the child: only async-signal-safe system calls, no allocation.
[[noreturn]] void child_main(Start& s) {
  const SpawnRequest& r = *s.r;
  die_with_the_monitor(s, s.parent);
  // Above the descriptors the exec contract places (3..7), so placing them
  // cannot replace it; close-on-exec, and closed with the rest below.
  const int monitor_pidfd = fcntl(s.parent, F_DUPFD_CLOEXEC, 64);
  if (monitor_pidfd < 0) fail(s, "fcntl(F_DUPFD_CLOEXEC) of the monitor's pidfd");
  for (int fd : r.cgroup_procs_fds)
    if (write(fd, "0", 1) != 1) fail(s, "joining its cgroup");
  // The bootstrap's fds at 3..6 (and 8 with --linux), its own O_PATH fd at 7 until execveat, nothing else.
  if (const char* failed = xabi_exec_contract_place(r.fds.data(), s.bootstrap)) fail(s, failed);
  if (XABI_MUTANT(fd_leak) && dup2(2, kBootstrapFd + 1) != kBootstrapFd + 1) fail(s, "dup2");  // the monitor's stderr
  const unsigned first_closed = XABI_MUTANT(fd_leak) ? kBootstrapFd + 2u : xabi_exec_contract_first_free(r.fds.data(), s.bootstrap);
  const struct {
    int resource;
    rlim_t value;
  } limits[] = {{RLIMIT_NOFILE, 8},   {RLIMIT_CORE, 0},     {RLIMIT_FSIZE, 0},
                {RLIMIT_MEMLOCK, 0},  {RLIMIT_MSGQUEUE, 0}, {RLIMIT_AS, r.address_space}};
  for (const auto& l : limits) {
    const rlimit rl{l.value, l.value};
    if (setrlimit(static_cast<__rlimit_resource>(l.resource), &rl) != 0) fail(s, "setrlimit");
  }
  if (s.ids.per_pid && r.nproc != 0) {
    const rlimit rl{r.nproc, r.nproc};
    if (setrlimit(RLIMIT_NPROC, &rl) != 0) fail(s, "setrlimit(RLIMIT_NPROC)");
  }
  if (!XABI_MUTANT(privileges_kept)) drop_privileges(s);
  die_with_the_monitor(s, monitor_pidfd);  // closed with the rest just below
  if (const char* failed = xabi_exec_contract_close_rest(first_closed)) fail(s, failed);
  syscall(SYS_execveat, kBootstrapFd, "", s.argv, s.envp, AT_EMPTY_PATH);
  fail(s, "execveat of the bootstrap");
}

// "0 0 4294967295" lines: is [first, first + count) inside one mapped range?
bool id_range_mapped(const char* map_file, uint64_t first, uint64_t count) {
  std::ifstream in(map_file);
  uint64_t inside = 0, outside = 0, len = 0;
  while (in >> inside >> outside >> len)
    if (first >= inside && first + count <= inside + len) return true;
  return false;
}

Result<IdPolicy> id_policy() {
  if (geteuid() != 0) return IdPolicy{};  // a user namespace is asked for instead
  uint64_t pid_max = 4194304;  // PID_MAX_LIMIT on 64-bit
  if (std::ifstream in("/proc/sys/kernel/pid_max"); in) in >> pid_max;
  auto mapped = [](uint64_t first, uint64_t count) {
    return id_range_mapped("/proc/self/uid_map", first, count) &&
           id_range_mapped("/proc/self/gid_map", first, count);
  };
  if (mapped(kPicoIdBase, pid_max + 1)) return IdPolicy{true, true, 0};
  if (mapped(kNobodyId, 1)) return IdPolicy{true, false, kNobodyId};
  return Error{ErrorCode::kSpawnFailed,
               "no unprivileged uid/gid is mapped in the monitor's user namespace "
               "(neither 2000000000 + pids nor 65534)"};
}

}  // namespace

Result<Spawned> spawn_bootstrap(const SpawnRequest& r) {
  if (r.bootstrap_path.empty() || r.bootstrap_path[0] != '/')
    return Error{ErrorCode::kInvalidArgument, "bootstrap path must be absolute"};
  UniqueFd parent(static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0)));
  if (!parent) return system_error(ErrorCode::kSystem, "pidfd_open(self)");
  // Opened here, executed by fd in the child: its new uid needs no search
  // permission on the directories above the bootstrap.
  UniqueFd bootstrap(open(r.bootstrap_path.c_str(), O_PATH | O_CLOEXEC));
  if (!bootstrap) return system_error(ErrorCode::kSpawnFailed, r.bootstrap_path);
  Result<IdPolicy> ids = id_policy();
  if (!ids) return ids.error();
  // Everything the child needs is built before clone: it must not allocate.
  std::vector<char> arg0{'x', 'a', 'b', 'i', '-', 'b', 'o', 'o', 't', 's', 't', 'r', 'a', 'p', '\0'};
  std::vector<char> arg1(r.bootstrap_arg.begin(), r.bootstrap_arg.end());
  arg1.push_back('\0');
  char* const argv[] = {arg0.data(), r.bootstrap_arg.empty() ? nullptr : arg1.data(), nullptr};
  char* const envp[] = {nullptr};

  const int wanted = kBaseNamespaces | (geteuid() != 0 ? CLONE_NEWUSER : 0);
  const int attempts[] = {wanted, wanted & ~CLONE_NEWNET, wanted & ~(CLONE_NEWNET | CLONE_NEWUSER),
                          0};
  // posix_spawn-style: the child shares our memory (CLONE_VM) and we wait
  // until it has exec'd (CLONE_VFORK), so no page tables are copied: a large
  // monitor spawns as fast as a small one. The child runs child_main on a
  // stack of its own and only makes system calls before execve.
  Start start{&r, parent.get(), bootstrap.get(), ids.value(), argv, envp};
  constexpr size_t kStack = 256 * 1024;
  std::vector<char> stack(kStack);
  auto entry = [](void* p) -> int { child_main(*static_cast<Start*>(p)); };
  int last_errno = 0;
  for (int ns : attempts) {
    int pidfd = -1;
    const int pid = ::clone(entry, stack.data() + kStack, ns | CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &start, &pidfd);
    if (pid > 0) {
      UniqueFd fd(pidfd);
      if (start.failed_step != nullptr) {  // it exited before execve: say where
        siginfo_t info{};
        (void)waitid(P_PIDFD, static_cast<id_t>(fd.get()), &info, WEXITED);
        return Error{ErrorCode::kSpawnFailed, std::string("before execve, ") + start.failed_step +
                                                  ": " + std::strerror(start.failed_errno)};
      }
      return Spawned{static_cast<pid_t>(pid), std::move(fd), ns,
                     start.ids.change ? start.uid : static_cast<uint32_t>(getuid()), start.ids.per_pid};
    }
    last_errno = errno;
    if (errno != EPERM && errno != EINVAL && errno != ENOSPC && errno != EUSERS) break;
  }
  errno = last_errno;
  return system_error(ErrorCode::kSpawnFailed, "clone");
}

}  // namespace xabi::launch
