// Shared plumbing for the call path benchmarks: the request/response frames,
// file descriptor ownership, CPU placement and forked server processes that are
// always reaped.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace xabi::bench {

// One host call: a 32-byte request frame and a 16-byte response frame, the
// size of a small syscall-like call (opcode + a few arguments).
struct Request {
  uint32_t op;
  uint32_t seq;
  uint64_t arg[3];
};
static_assert(sizeof(Request) == 32);

struct Response {
  uint64_t value;
  uint32_t seq;
  int32_t error;
};
static_assert(sizeof(Response) == 16);

enum : uint32_t { kOpCall = 1, kOpQuit = 2 };

// The "host call" every server implements: trivial, so we time the path only.
inline Response Serve(const Request& r) {
  return Response{r.arg[0] + r.arg[1] + r.arg[2], r.seq, 0};
}

inline Request MakeRequest(uint32_t seq) {
  return Request{kOpCall, seq, {seq, 2, 3}};
}

// True when `resp` is the answer to MakeRequest(seq).
inline bool CheckResponse(const Response& resp, uint32_t seq) {
  return resp.seq == seq && resp.error == 0 && resp.value == uint64_t{seq} + 5;
}

// Owns one file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// "what: strerror(errno)", for SkipWithError messages.
std::string ErrnoMessage(const char* what, int err);

// read()/write() exactly n bytes, retrying on EINTR and short transfers (pipes
// are byte streams). Return false on EOF or error.
bool ReadFull(int fd, void* buf, size_t n);
bool WriteFull(int fd, const void* buf, size_t n);

// Where client and server run. The machine this was written for has 2 cores, so
// the interesting cases are "let the scheduler decide", "one core each" and
// "both on one core" (the latter makes spinning useless but helps direct
// wakeups).
enum class Placement { kUnpinned, kSplit, kSame };
const char* PlacementName(Placement p);

struct CpuPlan {
  int client_cpu = -1;  // -1: leave affinity alone
  int server_cpu = -1;
  std::string error;    // non-empty: placement impossible here
};
// Picks CPUs for `p` from the process's current affinity mask.
CpuPlan PlanCpus(Placement p);

// Pins the calling thread to `cpu` (no-op for -1). Returns false on failure.
bool PinThisThread(int cpu);

// Pins the calling thread for its lifetime and restores the old mask after, so
// one benchmark's placement does not leak into the next.
class AffinityGuard {
 public:
  explicit AffinityGuard(int cpu);
  ~AffinityGuard();
  AffinityGuard(const AffinityGuard&) = delete;
  AffinityGuard& operator=(const AffinityGuard&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = true;
  bool pinned_ = false;
  cpu_set_t saved_{};
};

// A forked process running `body`; the child _exit()s with body's return
// value. The child gets PR_SET_PDEATHSIG(SIGKILL) so it cannot outlive the
// benchmark, and the destructor SIGKILLs and reaps it if it is still running,
// so no path (including SkipWithError early returns) leaves a process behind.
class ChildProcess {
 public:
  // On fork failure, valid() is false and errno is preserved.
  explicit ChildProcess(const std::function<int()>& body);
  ~ChildProcess() { Reap(0); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool valid() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Waits up to grace_ms for the child to exit on its own, then SIGKILLs it.
  // Returns the wait status (or -1 if there was no child).
  int Reap(int grace_ms);

  // True while the child has not exited (does not reap it).
  bool Running() const;

 private:
  pid_t pid_ = -1;
};

}  // namespace xabi::bench
