// Launching under the bootstrap; see ref_launch.h.
#include "ref_launch.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstring>

#include "bootstrap_exit.h"
#include "exec_contract.h"
#include "xabi/host_exits.h"
#include "xabi/xabi.h"

namespace xabi::refhost {
namespace {

constexpr uint64_t kPage = XABI_PAGE;  // the ABI's page is the x86-64 page the kernel maps

// "what: strerror(errno)" under `code`.
Error errno_error(RefhostError code, const std::string& what) { return {code, what + ": " + std::strerror(errno)}; }

// Why the bootstrap gave up, from its exit status (bootstrap_exit.h: it has
// no stderr), in words for the refhost's user.
std::string bootstrap_gave_up(int status) {
  switch (status) {
    case XABI_BOOTSTRAP_BAD_USAGE: return "the bootstrap was started with unexpected arguments or environment";
    case XABI_BOOTSTRAP_BAD_LINK_HEADER: return "the bootstrap found the call area's header invalid";
    case XABI_BOOTSTRAP_MAP_CALL_AREA: return "the bootstrap could not map the call area";
    case XABI_BOOTSTRAP_MAP_ARENA: return "the bootstrap could not map the arena (is --memory more than this system allows?)";
    case XABI_BOOTSTRAP_READ_IMAGE: return "the bootstrap could not read the image";
    case XABI_BOOTSTRAP_INVALID_IMAGE: return "the image is not a valid guest image (the bootstrap refused it)";
    case XABI_BOOTSTRAP_MAP_IMAGE: return "the bootstrap could not map the image";
    case XABI_BOOTSTRAP_MAP_STACK: return "the bootstrap could not map the guest's stack";
    case XABI_BOOTSTRAP_NO_NEW_PRIVS: return "the bootstrap could not set no_new_privs";
    case XABI_BOOTSTRAP_SECCOMP: return "the bootstrap could not install its seccomp filter";
    case XABI_BOOTSTRAP_DOORBELL: return "the bootstrap could not ring its doorbell";
    case 127: return "the bootstrap could not be executed";
  }
  return "the bootstrap exited with status " + std::to_string(status) + " before running the guest";
}

// The argument block xabi_args() returns (host_link.h): u64 count, count
// guest pointers into the strings, then the NUL-terminated strings.
Result<std::vector<uint8_t>> encode_args(const std::vector<std::string>& args, uint64_t block_address) {
  uint64_t size = 8 + 8 * static_cast<uint64_t>(args.size());
  for (const auto& a : args) {
    if (a.find('\0') != std::string::npos) return Error{RefhostError::kInvalidArgument, "an argument contains a NUL byte"};
    size += a.size() + 1;
  }
  if (size > XABI_LINK_ARGS_MAX)
    return Error{RefhostError::kInvalidArgument, "arguments take more than " + std::to_string(XABI_LINK_ARGS_MAX) + " bytes"};
  std::vector<uint8_t> out(size, 0);
  const uint64_t count = args.size();
  std::memcpy(out.data(), &count, 8);
  uint64_t at = 8 + 8 * count;
  for (size_t i = 0; i < args.size(); ++i) {
    const uint64_t ptr = block_address + at;
    std::memcpy(out.data() + 8 + 8 * i, &ptr, 8);
    std::memcpy(out.data() + at, args[i].data(), args[i].size());
    at += args[i].size() + 1;
  }
  return out;
}

// One of the 1 TiB regions 1..63 (addresses 1..64 TiB), chosen at random.
uint64_t pick_region_base() {
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) r = static_cast<uint64_t>(getpid());
  return (1 + r % 63) << XABI_LINK_REGION_SHIFT;
}

void close_quietly(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void discard(RefLaunch& l) {
  if (l.pid > 0) {
    ::kill(l.pid, SIGKILL);
    int st = 0;
    while (::waitpid(l.pid, &st, 0) < 0 && errno == EINTR) {
    }
    l.pid = -1;
  }
  close_quietly(l.pidfd);
  close_quietly(l.doorbell);
  close_quietly(l.arena);
  if (l.header) ::munmap(l.header, XABI_LINK_AREA_SIZE);
  l.header = nullptr;
}

}  // namespace

xabi_link_ro* RefLaunch::ro() const {
  return reinterpret_cast<xabi_link_ro*>(reinterpret_cast<char*>(header) + XABI_LINK_RO_OFFSET);
}

xabi_link_slot* RefLaunch::slot(uint32_t i) const {
  return reinterpret_cast<xabi_link_slot*>(reinterpret_cast<char*>(header) + XABI_LINK_SLOTS_OFFSET) + i;
}

Result<RefLaunch> ref_launch(const LaunchRequest& req) {
  if (req.quota > XABI_LINK_REGION_SIZE - XABI_LINK_ARENA_OFFSET)
    return Error{RefhostError::kInvalidArgument, "memory quota larger than the arena can be"};
  const int image = ::open(req.image.c_str(), O_RDONLY | O_CLOEXEC);
  if (image < 0) return errno_error(RefhostError::kImageUnreadable, req.image);
  struct stat st {};
  if (::fstat(image, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(image);
    return Error{RefhostError::kImageUnreadable,
                 req.image + (S_ISDIR(st.st_mode) ? ": it is a directory, not a guest image" : ": not a regular file")};
  }
  RefLaunch l;
  l.region_base = pick_region_base();
  l.arena_size = (req.quota + kPage - 1) & ~(kPage - 1);
  int calls = -1;
  auto fail = [&](Error e) {
    ::close(image);
    close_quietly(calls);
    discard(l);
    return e;
  };
  auto system_failed = [&](const std::string& what) { return fail(errno_error(RefhostError::kSystem, what)); };

  const uint64_t args_address = l.region_base + XABI_LINK_CALLS_OFFSET + XABI_LINK_RO_OFFSET + offsetof(xabi_link_ro, args);
  auto encoded = encode_args(req.args, args_address);
  if (!encoded) return fail(encoded.error());
  const std::vector<uint8_t>& args = encoded.value();

  calls = ::memfd_create("xabi-refhost-calls", MFD_CLOEXEC);
  if (calls < 0 || ::ftruncate(calls, XABI_LINK_AREA_SIZE) != 0) return system_failed("call area memfd");
  void* map = ::mmap(nullptr, XABI_LINK_AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, calls, 0);
  if (map == MAP_FAILED) return system_failed("mmap(call area)");
  l.header = static_cast<xabi_link_header*>(map);
  l.arena = ::memfd_create("xabi-refhost-arena", MFD_CLOEXEC);
  if (l.arena < 0 || ::ftruncate(l.arena, static_cast<off_t>(l.arena_size)) != 0)
    return system_failed("arena memfd");
  l.doorbell = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (l.doorbell < 0) return system_failed("eventfd");

  // The header (a fresh memfd is all zeros: sealed = go = 0).
  xabi_link_header* h = l.header;
  h->magic = XABI_LINK_MAGIC;
  h->version = XABI_LINK_VERSION;
  h->region_base = l.region_base;
  h->arena_size = l.arena_size;
  h->ro_offset = XABI_LINK_RO_OFFSET;
  h->slots_offset = XABI_LINK_SLOTS_OFFSET;
  h->area_size = XABI_LINK_AREA_SIZE;
  h->n_slots = XABI_LINK_SLOTS;
  // The one-instruction program: allow every system call.
  h->filter_len = 1;
  h->filter[0] = xabi_link_insn{static_cast<uint16_t>(BPF_RET | BPF_K), 0, 0, SECCOMP_RET_ALLOW};
  h->listener_fd = -1;
  // We never sleep without watching the doorbell, so the PAL always rings it.
  h->monitor_sleeping = 1;
  std::memcpy(l.ro()->args, args.data(), args.size());

  const pid_t parent = ::getpid();
  const int fds[5] = {image, calls, l.arena, l.doorbell, -1};
  char arg0[] = "xabi-bootstrap";
  char* const argv[] = {arg0, nullptr};
  char* const envp[] = {nullptr};
  const std::string bootstrap = req.bootstrap;
  const pid_t pid = ::fork();
  if (pid < 0) return system_failed("fork");
  if (pid == 0) {
    // The child: system calls only, then execve.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != parent) ::_exit(XABI_HOST_EXIT_LAUNCH_FAILED);
    if (xabi_exec_contract_place(fds, -1) || xabi_exec_contract_close_rest(xabi_exec_contract_first_free(fds, -1)))
      ::_exit(XABI_HOST_EXIT_LAUNCH_FAILED);
    ::execve(bootstrap.c_str(), argv, envp);
    ::_exit(127);  // the shell's "cannot execute": the bootstrap path is unusable
  }
  l.pid = pid;
  ::close(image);
  close_quietly(calls);  // the mapping stays
  l.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (l.pidfd < 0) return system_failed("pidfd_open");
  return l;
}

Status ref_await_sealed(RefLaunch& l, int timeout_ms) {
  auto fail = [&](Error e) {
    discard(l);
    return e;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0)
      return fail({RefhostError::kSealTimeout,
                   "the bootstrap did not ring its doorbell within " + std::to_string(timeout_ms) + " ms"});
    pollfd p[2] = {{l.doorbell, POLLIN, 0}, {l.pidfd, POLLIN, 0}};
    const int n = ::poll(p, 2, static_cast<int>(left));
    if (n < 0 && errno != EINTR) return fail(errno_error(RefhostError::kSystem, "poll"));
    if (n <= 0) continue;
    if (p[0].revents & POLLIN) break;
    if (p[1].revents) {
      int st = 0;
      while (::waitpid(l.pid, &st, 0) < 0 && errno == EINTR) {
      }
      l.pid = -1;
      return fail({RefhostError::kBootstrapFailed, WIFEXITED(st) ? bootstrap_gave_up(WEXITSTATUS(st))
                                                                 : "the bootstrap was killed by signal " +
                                                                       std::to_string(WTERMSIG(st))});
    }
  }
  uint64_t rings = 0;
  if (::read(l.doorbell, &rings, sizeof rings) != static_cast<ssize_t>(sizeof rings))
    return fail(errno_error(RefhostError::kSystem, "read(doorbell)"));
  if (__atomic_load_n(&l.header->sealed, __ATOMIC_ACQUIRE) != 1)
    return fail({RefhostError::kSealBroken, "the doorbell rang before the bootstrap said it had installed its filter"});
  // The go word: shared futex, the bootstrap waits on its own mapping.
  __atomic_store_n(&l.header->go, 1u, __ATOMIC_RELEASE);
  ::syscall(SYS_futex, &l.header->go, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
  return {};
}

int wait_status_to_exit(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return XABI_HOST_EXIT_INTERNAL;  // waitpid without WUNTRACED reports neither only on a bug
}

}  // namespace xabi::refhost
