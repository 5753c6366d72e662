// seccomp user notification call path (SECCOMP_RET_USER_NOTIF, Linux 5.0+).
//
// The notifying side must be the filtered process, so here the roles flip: the
// forked child installs a filter that turns one otherwise unused syscall
// number into a notification, hands the listener fd to this process with
// SCM_RIGHTS, and then runs the timed calls itself. A supervisor thread here
// answers them with SECCOMP_IOCTL_NOTIF_RECV / SECCOMP_IOCTL_NOTIF_SEND. The
// child times each batch with CLOCK_MONOTONIC and reports it back, and the
// benchmark reports that through manual time.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <iterator>
#include <thread>

#include "mechanisms.hpp"

// Newer than Debian 12's kernel headers (Linux 6.6+): lets the supervisor ask
// for synchronous wakeups, where the woken task is moved to the waker's CPU.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace xabi::bench {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
constexpr uint32_t kAuditArch = 0;  // unsupported: the child reports it
#endif

// A syscall number no kernel assigns (x86_64 and arm64 are in the 400s). The
// filter answers it before the syscall table is consulted, so it behaves like
// a dedicated "host call" trap and cannot collide with anything libc does.
constexpr uint32_t kHostCallNr = 1000;

// Control messages on the SOCK_SEQPACKET socket between the two processes.
struct Hello {      // child -> parent, carries the listener fd via SCM_RIGHTS
  int32_t error;    // 0, or the errno of the failed setup step
  int32_t step;     // which SetupStep failed
};
struct Batch {      // parent -> child; count 0 means "exit"
  uint64_t count;
};
struct BatchResult {  // child -> parent
  uint64_t elapsed_ns;
  uint64_t failures;
};

enum SetupStep : int32_t { kStepOk, kStepArch, kStepAffinity, kStepNoNewPrivs, kStepFilter };
constexpr const char* kSetupSteps[] = {"ok", "unsupported architecture", "sched_setaffinity",
                                       "prctl(PR_SET_NO_NEW_PRIVS)",
                                       "seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)"};

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// The host call as the guest issues it: 4 x 8 bytes of arguments (the 32-byte
// request), answered with a 64-bit value or an errno.
long HostCall(uint64_t seq) {
  return syscall(kHostCallNr, seq, uint64_t{2}, uint64_t{3}, uint64_t{0});
}

// Installs "kHostCallNr -> USER_NOTIF, everything else -> ALLOW".
int InstallFilter() {
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // foreign ABI: not ours to trap
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kHostCallNr, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  return static_cast<int>(
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

bool SendHello(int sock, Hello hello, int fd) {
  iovec iov{&hello, sizeof hello};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == ssize_t{sizeof hello};
}

// Returns false if the child is gone; *fd is -1 unless an fd came with it.
bool RecvHello(int sock, Hello* hello, int* fd) {
  *fd = -1;
  iovec iov{hello, sizeof *hello};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n != ssize_t{sizeof *hello}) return false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      std::memcpy(fd, CMSG_DATA(c), sizeof *fd);
    }
  }
  return true;
}

// The filtered guest: set up, hand over the listener, then run batches of host
// calls on request until told to stop.
int GuestMain(int sock, int cpu) {
  Hello hello{0, kStepOk};
  int listener = -1;
  if (kAuditArch == 0) {
    hello = {ENOSYS, kStepArch};
  } else if (!PinThisThread(cpu)) {
    hello = {errno, kStepAffinity};
  } else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {  // lets us filter unprivileged
    hello = {errno, kStepNoNewPrivs};
  } else if ((listener = InstallFilter()) < 0) {
    hello = {errno, kStepFilter};
  }
  if (!SendHello(sock, hello, listener)) return 1;
  if (hello.error != 0) return 1;
  // Only the supervisor may hold the listener; a guest owning it could answer
  // its own calls.
  close(listener);

  Batch batch;
  while (ReadFull(sock, &batch, sizeof batch) && batch.count > 0) {
    BatchResult result{0, 0};
    const uint64_t start = NowNs();
    for (uint64_t i = 0; i < batch.count; ++i) {
      // The expected answer depends on i, so a dropped or misrouted reply shows.
      if (HostCall(i) != long(i + 5)) ++result.failures;
    }
    result.elapsed_ns = NowNs() - start;
    if (!WriteFull(sock, &result, sizeof result)) return 1;
  }
  return 0;
}

extern "C" void IgnoreSignal(int) {}

// The monitor side: a thread answering notifications until stopped. A blocked
// SECCOMP_IOCTL_NOTIF_RECV does not return when the guest exits, so Stop()
// interrupts it with a signal (RECV fails with EINTR, never restarted).
class Supervisor {
 public:
  Supervisor(int listener, int cpu) : listener_(listener), cpu_(cpu) {
    static const bool installed = [] {
      struct sigaction sa{};
      sa.sa_handler = IgnoreSignal;  // no SA_RESTART
      sigemptyset(&sa.sa_mask);
      return sigaction(SIGUSR1, &sa, nullptr) == 0;
    }();
    (void)installed;
    thread_ = std::thread([this] { Loop(); });
  }
  ~Supervisor() { Stop(); }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void Stop() {
    if (!thread_.joinable()) return;
    stop_.store(true);
    // Repeat: the signal may land just before the thread enters the ioctl.
    while (!done_.load()) {
      pthread_kill(thread_.native_handle(), SIGUSR1);
      timespec ms{0, 1000 * 1000};
      nanosleep(&ms, nullptr);
    }
    thread_.join();
  }

  // errno of the first unexpected ioctl failure, 0 if none.
  int error() const { return error_.load(); }

 private:
  void Loop() {
    if (!PinThisThread(cpu_)) error_.store(errno);
    seccomp_notif req;
    seccomp_notif_resp resp;
    while (!stop_.load(std::memory_order_relaxed)) {
      std::memset(&req, 0, sizeof req);  // RECV rejects a non-zeroed buffer
      if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
        if (errno == EINTR || errno == ENOENT) continue;  // ENOENT: caller died first
        error_.store(errno);
        break;
      }
      std::memset(&resp, 0, sizeof resp);
      resp.id = req.id;
      resp.val = static_cast<int64_t>(req.data.args[0] + req.data.args[1] + req.data.args[2]);
      while (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) {
        if (errno == EINTR && !stop_.load(std::memory_order_relaxed)) continue;
        if (errno != ENOENT && errno != EINTR) error_.store(errno);
        break;
      }
    }
    done_.store(true);
  }

  int listener_;
  int cpu_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<int> error_{0};
  std::thread thread_;
};

// Runs one batch in the guest; false (with *why set) if it did not come back.
bool RunBatch(int sock, uint64_t count, BatchResult* result, const char** why) {
  const Batch batch{count};
  if (!WriteFull(sock, &batch, sizeof batch)) {
    *why = "guest died";
    return false;
  }
  // Generous timeout so a lost notification fails the benchmark instead of
  // hanging it.
  pollfd p{sock, POLLIN, 0};
  int r;
  do {
    r = poll(&p, 1, 60 * 1000);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) {
    *why = "guest batch timed out";
    return false;
  }
  if (!ReadFull(sock, result, sizeof *result)) {
    *why = "guest died";
    return false;
  }
  return true;
}

}  // namespace

void BM_SeccompNotif(benchmark::State& state, bool sync_wakeup, Placement placement) {
  const CpuPlan cpus = PlanCpus(placement);
  if (!cpus.error.empty()) return state.SkipWithError(cpus.error.c_str());

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return state.SkipWithError(ErrnoMessage("socketpair", errno).c_str());
  }
  UniqueFd sock(sv[0]), guest_sock(sv[1]);

  // The guest is the client here, so it gets the client CPU.
  ChildProcess guest([&] {
    sock.Reset();
    return GuestMain(guest_sock.get(), cpus.client_cpu);
  });
  if (!guest.valid()) return state.SkipWithError(ErrnoMessage("fork", errno).c_str());
  guest_sock.Reset();  // so a dead guest reads as EOF

  Hello hello{};
  int fd = -1;
  if (!RecvHello(sock.get(), &hello, &fd)) return state.SkipWithError("guest died during setup");
  UniqueFd listener(fd);
  if (hello.error != 0 || !listener.valid()) {
    const int step = hello.step >= 0 && hello.step < int(std::size(kSetupSteps)) ? hello.step : 0;
    const std::string msg = "kernel refused seccomp user notification: " +
                            ErrnoMessage(kSetupSteps[step], hello.error);
    return state.SkipWithError(msg.c_str());
  }
  if (sync_wakeup &&
      ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) != 0) {
    return state.SkipWithError(
        ErrnoMessage("SECCOMP_IOCTL_NOTIF_SET_FLAGS(SYNC_WAKE_UP) (needs Linux 6.6+)", errno).c_str());
  }

  Supervisor supervisor(listener.get(), cpus.server_cpu);
  const char* why = nullptr;
  BatchResult warm{}, timed{};
  // Warm-up batch (untimed): first calls fault in pages and settle the
  // scheduler. Then one batch of exactly the iterations the library asked for.
  const uint64_t n = static_cast<uint64_t>(state.max_iterations);
  if (!RunBatch(sock.get(), 100, &warm, &why) || !RunBatch(sock.get(), n, &timed, &why)) {
    state.SkipWithError(why);
  } else if (warm.failures + timed.failures != 0 || supervisor.error() != 0) {
    state.SkipWithError(supervisor.error() != 0
                            ? ErrnoMessage("supervisor ioctl", supervisor.error()).c_str()
                            : "host call returned a wrong value");
  } else {
    const double per_call_s = double(timed.elapsed_ns) / 1e9 / double(n);
    for (auto _ : state) state.SetIterationTime(per_call_s);
  }

  // Orderly shutdown: tell the guest to exit, reap it, then stop the thread
  // (whose RECV would otherwise block forever).
  const Batch stop{0};
  WriteFull(sock.get(), &stop, sizeof stop);
  guest.Reap(1000);
  supervisor.Stop();
}

}  // namespace xabi::bench
