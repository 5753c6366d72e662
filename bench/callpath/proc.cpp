#include "proc.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <vector>

namespace xabi::bench {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) Reset(o.Release());
  return *this;
}

int UniqueFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

std::string ErrnoMessage(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

bool ReadFull(int fd, void* buf, size_t n) {
  auto* p = static_cast<unsigned char*>(buf);
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteFull(int fd, const void* buf, size_t n) {
  const auto* p = static_cast<const unsigned char*>(buf);
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

const char* PlacementName(Placement p) {
  switch (p) {
    case Placement::kUnpinned: return "unpinned";
    case Placement::kSplit: return "split";
    case Placement::kSame: return "same";
  }
  return "?";
}

CpuPlan PlanCpus(Placement p) {
  CpuPlan plan;
  if (p == Placement::kUnpinned) return plan;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    plan.error = ErrnoMessage("sched_getaffinity", errno);
    return plan;
  }
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  if (cpus.empty() || (p == Placement::kSplit && cpus.size() < 2)) {
    plan.error = "placement needs 2 usable CPUs";
    return plan;
  }
  plan.client_cpu = cpus[0];
  plan.server_cpu = p == Placement::kSplit ? cpus[1] : cpus[0];
  return plan;
}

bool PinThisThread(int cpu) {
  if (cpu < 0) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // pid 0 = the calling thread, so this also works for the seccomp supervisor
  // thread without touching the rest of the process.
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

AffinityGuard::AffinityGuard(int cpu) {
  if (cpu < 0) return;
  if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) {
    ok_ = false;
    return;
  }
  pinned_ = PinThisThread(cpu);
  ok_ = pinned_;
}

AffinityGuard::~AffinityGuard() {
  if (pinned_) sched_setaffinity(0, sizeof saved_, &saved_);
}

ChildProcess::ChildProcess(const std::function<int()>& body) {
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ != 0) return;  // parent (or fork failure: pid_ < 0, errno kept)

  // Child. Die with the parent so a crashed or killed benchmark run leaves
  // nothing behind; the getppid() recheck closes the race where the parent
  // died before prctl().
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  // _exit, never return or exit(): the child must not run the parent's atexit
  // handlers or flush its copy of the parent's stdio buffers.
  _exit(body());
}

bool ChildProcess::Running() const {
  if (pid_ <= 0) return false;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so Reap() still collects the status.
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return info.si_pid == 0;
}

int ChildProcess::Reap(int grace_ms) {
  if (pid_ <= 0) return -1;
  int status = 0;
  for (int waited = 0;; ++waited) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
    if (waited >= grace_ms) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    timespec ms{0, 1000 * 1000};
    nanosleep(&ms, nullptr);
  }
  pid_ = -1;
  return status;
}

}  // namespace xabi::bench
