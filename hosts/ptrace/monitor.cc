#include "monitor.h"

#include <grp.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "channels.h"
#include "elf_image.h"
#include "mutants.h"
#include "ptrace_link.h"
#include "xabi/host_dispatch.hpp"
#include "xabi/host_exits.h"
#include "xabi/wire.h"
#include "xabi/xabi.h"

namespace xabi::ptrace_host {
namespace {

constexpr uint64_t kPage = XABI_PAGE;
using Alarms = struct xabi_alarms;  // xabi.h also has a function xabi_alarms()

uint64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

// ---------------------------------------------------------------- the child

struct Launch {
  std::vector<uint8_t> image;
  elf_image elf{};
  int ro_fd = -1;     // memfd: struct xabi_alarms, then the argument block
  int arena_fd = -1;  // memfd of --memory bytes: the kernel bounds it, the monitor hands it out
  uint64_t memory = 0;
};

int prot_of(unsigned flags) {
  return ((flags & ELF_SEG_R) ? PROT_READ : 0) | ((flags & ELF_SEG_W) ? PROT_WRITE : 0) | ((flags & ELF_SEG_X) ? PROT_EXEC : 0);
}

void* map_fixed(uint64_t at, uint64_t len, int prot, int flags, int fd) {
  void* p = mmap(reinterpret_cast<void*>(at), len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
  if (p != reinterpret_cast<void*>(at)) _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  return p;
}

// Runs in the forked child: lays out the picoprocess, lets the monitor attach,
// seals every system call behind RET_TRACE and jumps to the guest. Nothing
// here returns.
[[noreturn]] void become_picoprocess(const Launch& l, pid_t monitor) {
  // Started as root: the picoprocess is nobody, with no capability (a uid
  // change clears them, and the death signal, so that comes after).
  constexpr uid_t kNobody = 65534;
  if (geteuid() == 0)
    for (int cap = 0; cap < 64; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  // EINVAL past the last one
  if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
                         setresuid(kNobody, kNobody, kNobody) != 0))
    _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != monitor) _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  const rlimit no_core{0, 0};  // a crash or a SIGSYS leaves no core file behind
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  const uint64_t span = l.elf.span_hi - l.elf.span_lo;
  map_fixed(XABI_PTRACE_IMAGE, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  for (size_t i = 0; i < l.elf.n_segments; ++i) {
    const elf_image_segment& s = l.elf.segments[i];
    std::memcpy(reinterpret_cast<void*>(XABI_PTRACE_IMAGE + (s.vaddr - l.elf.span_lo)), l.image.data() + s.offset, s.filesz);
  }
  for (size_t i = 0; i < l.elf.n_segments; ++i) {
    const elf_image_segment& s = l.elf.segments[i];
    const uint64_t lo = (s.vaddr - l.elf.span_lo) & ~(kPage - 1);
    const uint64_t hi = (s.vaddr - l.elf.span_lo + s.memsz + kPage - 1) & ~(kPage - 1);
    if (mprotect(reinterpret_cast<void*>(XABI_PTRACE_IMAGE + lo), hi - lo, prot_of(s.flags)) != 0)
      _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  }
  map_fixed(XABI_PTRACE_RO, XABI_PTRACE_RO_SIZE, PROT_READ, MAP_SHARED, l.ro_fd);
  map_fixed(XABI_PTRACE_STACK, kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  map_fixed(XABI_PTRACE_STACK + kPage, XABI_PTRACE_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  map_fixed(XABI_PTRACE_ARENA, l.memory, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, l.arena_fd);
  xabi_ptrace_pal_init();
  const uint64_t entry = XABI_PTRACE_IMAGE + (l.elf.entry - l.elf.span_lo);
  const uint64_t stack_top = XABI_PTRACE_STACK + kPage + XABI_PTRACE_STACK_SIZE;
  // No descriptor survives: every channel lives in the monitor.
  if (syscall(SYS_close_range, 0u, ~0u, 0u) != 0) _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  // The monitor sets PTRACE_O_EXITKILL at this stop, before anything of the guest runs.
  if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  raise(SIGSTOP);
  // Every x86-64 system call stops at the monitor; one of another ABI (int $0x80:
  // i386) is not worth a stop: the kernel ends the picoprocess at once (SIGSYS).
  sock_filter trace_all[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
  };
  sock_fprog prog{static_cast<unsigned short>(std::size(trace_all)), trace_all};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    _exit(XABI_HOST_EXIT_LAUNCH_FAILED);
  // The entry contract (pal/sdk/README.md): %rdi = table, fresh stack, other registers zero.
  __asm__ volatile(
      "mov %0, %%rsp\n"
      "mov %1, %%rax\n"
      "xor %%ebx, %%ebx\n xor %%ecx, %%ecx\n xor %%edx, %%edx\n xor %%esi, %%esi\n xor %%ebp, %%ebp\n"
      "xor %%r8d, %%r8d\n xor %%r9d, %%r9d\n xor %%r10d, %%r10d\n xor %%r11d, %%r11d\n"
      "xor %%r12d, %%r12d\n xor %%r13d, %%r13d\n xor %%r14d, %%r14d\n xor %%r15d, %%r15d\n"
      "cld\n"
      "jmp *%%rax\n"
      :
      : "r"(stack_top), "r"(entry), "D"(&xabi_ptrace_table)
      : "memory");
  __builtin_unreachable();
}

// ---------------------------------------------------------------- the monitor

struct Waiter {
  pid_t tid;
  std::vector<uint64_t> words;
};

class Monitor final : public dispatch::Handler {
 public:
  Monitor(const Options& o, pid_t pid, int arena_fd, struct xabi_alarms* alarms, Channels& channels)
      : o_(o), pid_(pid), arena_fd_(arena_fd), alarms_(alarms), pages_(o.memory / kPage, false), channels_(channels) {}

  int loop();
  void add_initial_region(uint64_t lo, uint64_t hi, bool writable) { regions_.push_back({lo, hi, writable}); }

  // ---- HOST calls (dispatch::Handler)
  uint64_t alloc(uint64_t len) override;
  int64_t free(uint64_t base, uint64_t len) override;
  int64_t alarm_set(uint64_t deadline) override {
    alarm_ = deadline;
    return 0;
  }
  int64_t accept() override { return channels_.accept(); }
  int64_t open_url(std::string_view method, std::string_view url) override { return channels_.open_url(method, url); }
  int64_t read(int32_t ch, dispatch::OutBytes& buf, uint64_t len) override { return channels_.read(ch, buf, len); }
  int64_t write(int32_t ch, std::span<const uint8_t> buf, uint64_t len) override { return channels_.write(ch, buf, len); }
  int64_t poll(std::span<xabi_pollfd> fds, uint32_t n, uint32_t) override { return channels_.poll(fds, n); }
  int64_t close(int32_t ch) override { return channels_.close(ch); }
  int64_t console() override { return channels_.console(); }
  int64_t stdio(uint32_t) override { return XABI_E_UNSUPPORTED; }  // no `stdio` capability (yet)

 private:
  struct Region {
    uint64_t lo, hi;
    bool writable;
  };
  struct Thread {
    std::optional<uint64_t> reserved_sp;  // a clone the PAL announced
    bool fresh = true;                    // not yet past its first stop
  };

  bool accessible(uint64_t p, uint64_t len, bool write) const;
  bool string_accessible(uint64_t s, uint64_t max) const;
  bool peek(uint64_t addr, void* out, size_t len) const {
    iovec local{out, len}, remote{reinterpret_cast<void*>(addr), len};
    return process_vm_readv(pid_, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
  }
  bool poke(uint64_t addr, const void* in, size_t len) const {
    iovec local{const_cast<void*>(in), len}, remote{reinterpret_cast<void*>(addr), len};
    return process_vm_writev(pid_, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
  }
  void on_stop(pid_t tid, int status);
  void on_system_call(pid_t tid);
  // Serves an ABI op; nullopt when the thread stays parked.
  std::optional<int64_t> serve(pid_t tid, const user_regs_struct& r);
  int64_t serve_host(const user_regs_struct& r);
  std::optional<int64_t> zutex_wait(pid_t tid, uint64_t specs, uint64_t n);
  int64_t zutex_wake(uint64_t word, uint32_t expect, uint64_t n_wake, uint64_t n_requeue, uint64_t requeue);
  int64_t thread_reserve(pid_t tid, uint64_t entry, uint64_t stack);
  void resume(pid_t tid, int64_t result);  // a parked thread
  void resume(pid_t tid, user_regs_struct r, int64_t result);
  void bump(uint32_t Alarms::* word);
  [[noreturn]] void fatal(const char* what);
  void violation(pid_t tid, const user_regs_struct& r);
  void end(int status);

  const Options& o_;
  pid_t pid_;
  int arena_fd_;
  struct xabi_alarms* alarms_;  // the monitor's writable mapping of the guest's read-only page
  std::vector<bool> pages_;
  std::vector<Region> regions_;  // image, argument block and stack (the arena is pages_)
  std::map<pid_t, Thread> threads_;
  std::deque<Waiter> waiters_;
  uint64_t alarm_ = 0;
  std::optional<int> result_;
  Channels& channels_;
};

bool Monitor::accessible(uint64_t p, uint64_t len, bool write) const {
  if (mutant("accessible_always")) return true;
  if (len == 0 || p + len < p) return false;
  uint64_t at = p;
  const uint64_t end = p + len;
  while (at < end) {
    if (at >= XABI_PTRACE_ARENA && at < XABI_PTRACE_ARENA + o_.memory) {
      const uint64_t page = (at - XABI_PTRACE_ARENA) / kPage;
      if (!pages_[page]) return false;
      at = XABI_PTRACE_ARENA + (page + 1) * kPage;
      continue;
    }
    auto r = std::find_if(regions_.begin(), regions_.end(), [&](const Region& g) { return at >= g.lo && at < g.hi; });
    if (r == regions_.end() || (write && !r->writable)) return false;
    at = r->hi;
  }
  return true;
}

bool Monitor::string_accessible(uint64_t s, uint64_t max) const {
  char buf[256];
  for (uint64_t off = 0; off < max;) {
    const uint64_t chunk = std::min<uint64_t>({sizeof buf, max - off, kPage - ((s + off) % kPage)});
    if (!accessible(s + off, chunk, false) || !peek(s + off, buf, chunk)) return false;
    if (std::memchr(buf, 0, chunk)) return true;
    off += chunk;
  }
  return true;
}

uint64_t Monitor::alloc(uint64_t len) {
  if (len == 0 || len > XABI_LIMIT_ALLOC) return 0;
  const size_t want = (len + kPage - 1) / kPage;
  for (size_t i = 0, run = 0; i < pages_.size(); ++i) {
    run = pages_[i] ? 0 : run + 1;
    if (run == want) {
      const size_t first = i + 1 - want;
      if (!mutant("alloc_shares_pages"))
        std::fill(pages_.begin() + static_cast<long>(first), pages_.begin() + static_cast<long>(i + 1), true);
      return XABI_PTRACE_ARENA + first * kPage;
    }
  }
  return 0;
}

int64_t Monitor::free(uint64_t base, uint64_t len) {
  if (base % kPage || len == 0 || len % kPage) return XABI_E_INVAL;
  if (base < XABI_PTRACE_ARENA || base + len < base || base + len > XABI_PTRACE_ARENA + o_.memory) return XABI_E_NOT_MAPPED;
  const size_t first = (base - XABI_PTRACE_ARENA) / kPage, n = len / kPage;
  for (size_t i = first; i < first + n; ++i)
    if (!pages_[i]) return XABI_E_NOT_MAPPED;
  std::fill(pages_.begin() + static_cast<long>(first), pages_.begin() + static_cast<long>(first + n), false);
  // Freed pages come back zero-filled; the memfd's pages are shared with the child.
  if (!mutant("free_not_zeroed") && fallocate(arena_fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(first * kPage), static_cast<off_t>(len)) != 0)
    fatal("fallocate on the arena failed");
  return 0;
}

int64_t Monitor::serve_host(const user_regs_struct& r) {
  // Copied out of the tracee once, into a bounded buffer; only the copy is read.
  std::array<uint8_t, XABI_WIRE_MAX_REQUEST> req;
  std::array<uint8_t, XABI_WIRE_MAX_RESPONSE> resp;
  const uint64_t len = r.rdx;
  if (len == 0 || len > req.size() || r.r8 < resp.size() || !peek(r.rsi, req.data(), len)) return XABI_E_BAD_FRAME;
  const dispatch::Dispatched d = dispatch::dispatch(std::span<const uint8_t>(req.data(), len), *this, resp);
  if (d.response_size == 0 || !poke(r.r10, resp.data(), d.response_size)) return XABI_E_BAD_FRAME;
  return static_cast<int64_t>(d.response_size);
}

std::optional<int64_t> Monitor::zutex_wait(pid_t tid, uint64_t specs_at, uint64_t n) {
  if (n < 1 || n > XABI_LIMIT_ZUTEX_SPECS) return XABI_E_INVAL;
  std::array<xabi_zutex_spec, XABI_LIMIT_ZUTEX_SPECS> specs{};
  if (!accessible(specs_at, n * sizeof(xabi_zutex_spec), false) || !peek(specs_at, specs.data(), n * sizeof(xabi_zutex_spec)))
    return XABI_E_FAULT;
  Waiter w{tid, {}};
  for (uint64_t i = 0; i < n; ++i) {
    if (specs[i].word % 4 || specs[i].reserved) return XABI_E_INVAL;
    uint32_t v = 0;
    if (!accessible(specs[i].word, 4, false) || !peek(specs[i].word, &v, 4)) return XABI_E_FAULT;
    if (v != specs[i].expected) return XABI_E_AGAIN;
    w.words.push_back(specs[i].word);
  }
  waiters_.push_back(std::move(w));
  return std::nullopt;
}

int64_t Monitor::zutex_wake(uint64_t word, uint32_t expect, uint64_t n_wake, uint64_t n_requeue, uint64_t requeue) {
  if (word % 4 || n_wake > XABI_ZUTEX_COUNT_MAX || n_requeue > XABI_ZUTEX_COUNT_MAX || (n_requeue && requeue % 4))
    return XABI_E_INVAL;
  uint32_t v = 0;
  if (!accessible(word, 4, false) || !peek(word, &v, 4)) return XABI_E_FAULT;
  if (n_requeue && !accessible(requeue, 4, false)) return XABI_E_FAULT;
  if (v != expect) return XABI_E_AGAIN;
  int64_t done = 0;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto hit = std::find(it->words.begin(), it->words.end(), word);
    if (hit == it->words.end()) {
      ++it;
    } else if (n_wake > 0) {
      --n_wake;
      ++done;
      const pid_t tid = it->tid;
      const int64_t index = hit - it->words.begin();
      it = waiters_.erase(it);
      if (!mutant("wake_resumes_nobody")) resume(tid, index);
    } else if (n_requeue > 0) {
      --n_requeue;
      ++done;
      *hit = requeue;
      ++it;
    } else {
      break;
    }
  }
  return done;
}

void Monitor::bump(uint32_t Alarms::* word) {
  __atomic_fetch_add(&(alarms_->*word), 1u, __ATOMIC_SEQ_CST);
  const uint64_t at = XABI_PTRACE_RO + (reinterpret_cast<uint64_t>(&(alarms_->*word)) - reinterpret_cast<uint64_t>(alarms_));
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto hit = std::find(it->words.begin(), it->words.end(), at);
    if (hit == it->words.end()) {
      ++it;
      continue;
    }
    const pid_t tid = it->tid;
    const int64_t index = hit - it->words.begin();
    it = waiters_.erase(it);
    resume(tid, index);
  }
}

int64_t Monitor::thread_reserve(pid_t tid, uint64_t entry, uint64_t stack) {
  if (entry == 0 || stack % XABI_STACK_ALIGN || stack >= XABI_ADDR_LIMIT) return XABI_E_INVAL;
  if (threads_.size() >= XABI_LIMIT_THREADS + (mutant("thread_limit_plus_one") ? 1 : 0)) return XABI_E_LIMIT;
  threads_[tid].reserved_sp = stack;
  return 0;
}

std::optional<int64_t> Monitor::serve(pid_t tid, const user_regs_struct& r) {
  switch (r.rdi) {
    case XABI_PTRACE_OP_HOST: return serve_host(r);
    case XABI_PTRACE_OP_EXIT: end(static_cast<int>(r.rsi & 0xff)); return 0;
    case XABI_PTRACE_OP_ACCESSIBLE: return accessible(r.rsi, r.rdx, r.r10 != 0) ? 1 : 0;
    case XABI_PTRACE_OP_STRING_ACCESSIBLE: return string_accessible(r.rsi, r.rdx) ? 1 : 0;
    case XABI_PTRACE_OP_TIME_NOW: return static_cast<int64_t>(now_ns());
    case XABI_PTRACE_OP_RANDOM: {
      if (r.rdx > XABI_LIMIT_RANDOM) return XABI_E_INVAL;
      if (r.rdx == 0) return 0;
      if (!accessible(r.rsi, r.rdx, true)) return XABI_E_FAULT;
      std::array<uint8_t, XABI_LIMIT_RANDOM> buf;
      if (getrandom(buf.data(), r.rdx, 0) != static_cast<ssize_t>(r.rdx) || !poke(r.rsi, buf.data(), r.rdx))
        return XABI_E_FAULT;
      return static_cast<int64_t>(r.rdx);
    }
    case XABI_PTRACE_OP_ZUTEX_WAIT: return zutex_wait(tid, r.rsi, r.rdx);
    case XABI_PTRACE_OP_ZUTEX_WAKE:
      return zutex_wake(r.rsi, static_cast<uint32_t>(r.rdx), static_cast<uint32_t>(r.r10), static_cast<uint32_t>(r.r8), r.r9);
    case XABI_PTRACE_OP_SET_TLS: {
      if (r.rsi >= XABI_ADDR_LIMIT - kPage) return XABI_E_INVAL;
      user_regs_struct n = r;
      n.fs_base = r.rsi;
      n.fs = 0;
      if (::ptrace(PTRACE_SETREGS, tid, nullptr, &n) != 0) fatal("PTRACE_SETREGS failed");
      return 0;
    }
    case XABI_PTRACE_OP_THREAD_RESERVE: return thread_reserve(tid, r.rsi, r.rdx);
    default: violation(tid, r); return 0;
  }
}

void Monitor::resume(pid_t tid, int64_t result) {
  user_regs_struct r{};
  if (::ptrace(PTRACE_GETREGS, tid, nullptr, &r) != 0) return;  // killed meanwhile
  resume(tid, r, result);
}

void Monitor::resume(pid_t tid, user_regs_struct r, int64_t result) {
  r.orig_rax = ~0ull;  // skip the system call: it never runs
  r.rax = static_cast<uint64_t>(result);
  ::ptrace(PTRACE_SETREGS, tid, nullptr, &r);
  ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);
}

void Monitor::on_system_call(pid_t tid) {
  user_regs_struct r{};
  if (::ptrace(PTRACE_GETREGS, tid, nullptr, &r) != 0) return;
  if (r.orig_rax == XABI_PTRACE_NR) {
    const std::optional<int64_t> result = serve(tid, r);
    if (result_ || !result) return;
    if (r.rdi == XABI_PTRACE_OP_SET_TLS && *result == 0) {
      resume(tid, *result);  // serve() changed fs_base: take the registers as they are now
    } else {
      resume(tid, r, *result);
    }
    return;
  }
  Thread& t = threads_[tid];
  const uint64_t site = r.rip;
  if (r.orig_rax == SYS_clone && site == reinterpret_cast<uint64_t>(xabi_ptrace_clone_site) && t.reserved_sp &&
      r.rdi == XABI_PTRACE_CLONE_FLAGS && r.rsi == *t.reserved_sp && r.rdx == 0 && r.r10 == 0 && r.r8 == 0) {
    t.reserved_sp.reset();
    ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);  // the one clone the monitor lets run
    return;
  }
  // Status 0 only: the last thread's end is reported as 0, whatever the guest put in %rdi.
  if (r.orig_rax == SYS_exit && site == reinterpret_cast<uint64_t>(xabi_ptrace_exit_site) && r.rdi == 0) {
    ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);  // xabi_thread_exit
    return;
  }
  if (mutant("getpid_allowed") && r.orig_rax == SYS_getpid) {
    ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);
    return;
  }
  violation(tid, r);
}

void Monitor::violation(pid_t tid, const user_regs_struct& r) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, static_cast<int>(r.orig_rax));
  std::fprintf(stderr,
               "xabi-ptrace: violation: thread %d made system call %s (%lld) at %#llx; the picoprocess was ended\n", tid,
               name ? name : "unknown", static_cast<long long>(r.orig_rax), static_cast<unsigned long long>(r.rip));
  std::free(name);
  end(XABI_HOST_EXIT_VIOLATION);
}

void Monitor::end(int status) {
  if (!result_) result_ = status;
  kill(pid_, SIGKILL);
}

void Monitor::fatal(const char* what) {
  std::fprintf(stderr, "xabi-ptrace: internal error: %s: %s\n", what, std::strerror(errno));
  kill(pid_, SIGKILL);
  std::exit(XABI_HOST_EXIT_INTERNAL);
}

void Monitor::on_stop(pid_t tid, int status) {
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    threads_.erase(tid);
    std::erase_if(waiters_, [&](const Waiter& w) { return w.tid == tid; });
    if (tid == pid_ && !result_ && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
      // Only the filter sends SIGSYS: the guest cannot send signals.
      std::fprintf(stderr, "xabi-ptrace: violation: a system call of another ABI (int $0x80, i386); the picoprocess was ended\n");
      result_ = XABI_HOST_EXIT_VIOLATION;
    }
    if (tid == pid_ && !result_) result_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return;
  }
  if (!WIFSTOPPED(status)) return;
  const int sig = WSTOPSIG(status), event = status >> 16;
  Thread& t = threads_[tid];
  if (event == PTRACE_EVENT_SECCOMP) {
    t.fresh = false;
    on_system_call(tid);
  } else if (event == PTRACE_EVENT_CLONE) {
    unsigned long child = 0;  // counted from now on, so LIMIT_THREADS holds before its first stop
    if (::ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0) threads_[static_cast<pid_t>(child)];
    ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);
  } else if (event != 0 || sig == SIGTRAP) {
    ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);
  } else if (sig == SIGSTOP && t.fresh) {
    // A new thread's first stop: it starts with no TLS base.
    t.fresh = false;
    user_regs_struct r{};
    if (::ptrace(PTRACE_GETREGS, tid, nullptr, &r) == 0) {
      r.fs_base = 0;
      ::ptrace(PTRACE_SETREGS, tid, nullptr, &r);
    }
    ::ptrace(PTRACE_CONT, tid, nullptr, nullptr);
  } else {
    ::ptrace(PTRACE_CONT, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));  // a crash ends it
  }
}

int Monitor::loop() {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  const int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) fatal("signalfd");
  threads_[pid_].fresh = false;
  for (;;) {
    // Reap every stop first: the tracee may have stopped before the signalfd existed.
    int status = 0;
    pid_t tid;
    while ((tid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
      on_stop(tid, status);
      if (tid == pid_ && (WIFEXITED(status) || WIFSIGNALED(status))) {
        ::close(sfd);
        return *result_;
      }
    }
    if (result_) {  // ended by the monitor: reap every thread; the leader comes last
      tid = waitpid(-1, &status, __WALL);
      if (tid < 0 || (tid == pid_ && !WIFSTOPPED(status))) {
        ::close(sfd);
        return *result_;
      }
      continue;
    }
    if (alarm_ && now_ns() >= alarm_ && !mutant("alarm_never_fires")) {
      alarm_ = 0;
      bump(&Alarms::clock);
    }
    const bool watch = std::any_of(waiters_.begin(), waiters_.end(), [&](const Waiter& w) {
      return std::find(w.words.begin(), w.words.end(), XABI_PTRACE_RO + offsetof(Alarms, channels)) != w.words.end();
    });
    if (!watch && !alarm_) {
      // Nothing but the tracee to wait for: the hot path, one blocking waitpid per call.
      tid = waitpid(-1, &status, __WALL);
      if (tid < 0) fatal("waitpid");
      on_stop(tid, status);
      if (tid == pid_ && (WIFEXITED(status) || WIFSIGNALED(status))) {
        ::close(sfd);
        return *result_;
      }
      continue;
    }
    std::vector<pollfd> fds{{sfd, POLLIN, 0}};
    if (watch) channels_.watch(fds);
    int timeout = -1;
    if (alarm_) timeout = static_cast<int>(std::min<uint64_t>((alarm_ - std::min(alarm_, now_ns())) / 1000000 + 1, 1000));
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) fatal("poll");
    signalfd_siginfo si;
    while (::read(sfd, &si, sizeof si) == sizeof si) {
    }
    if (watch && std::any_of(fds.begin() + 1, fds.end(), [](const pollfd& p) { return p.revents != 0; }))
      bump(&Alarms::channels);
  }
}

std::optional<std::vector<uint8_t>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return data;
}

// The argument block at XABI_PTRACE_ARGS_OFFSET: count, pointers, strings.
bool write_args(uint8_t* ro, const Options& o) {
  std::vector<std::string> all{o.image};
  all.insert(all.end(), o.args.begin(), o.args.end());
  const uint64_t table = 8 + 8 * all.size();
  uint64_t at = table;
  const uint64_t room = XABI_PTRACE_RO_SIZE - XABI_PTRACE_ARGS_OFFSET;
  uint8_t* block = ro + XABI_PTRACE_ARGS_OFFSET;
  if (table > room) return false;
  const uint64_t n = all.size();
  std::memcpy(block, &n, 8);
  for (size_t i = 0; i < all.size(); ++i) {
    if (at + all[i].size() + 1 > room) return false;
    const uint64_t p = XABI_PTRACE_RO + XABI_PTRACE_ARGS_OFFSET + at;
    std::memcpy(block + 8 + 8 * i, &p, 8);
    std::memcpy(block + at, all[i].c_str(), all[i].size() + 1);
    at += all[i].size() + 1;
  }
  return true;
}

int launch_failed(const std::string& why) {
  std::fprintf(stderr, "xabi-ptrace: cannot launch: %s\n", why.c_str());
  return XABI_HOST_EXIT_LAUNCH_FAILED;
}

}  // namespace

int run(const Options& o) {
  Launch l;
  auto image = read_file(o.image);
  if (!image) return launch_failed(o.image + ": cannot read");
  l.image = std::move(*image);
  if (const elf_image_error e = elf_image_validate(l.image.data(), l.image.size(), &l.elf); e != ELF_IMAGE_OK)
    return launch_failed(o.image + ": " + elf_image_error_message(e));
  l.memory = (o.memory + kPage - 1) & ~(kPage - 1);
  if (l.memory > XABI_ADDR_LIMIT - XABI_PTRACE_ARENA) return launch_failed("--memory is larger than the arena's room");
  l.ro_fd = memfd_create("xabi-ptrace-ro", MFD_CLOEXEC);
  l.arena_fd = memfd_create("xabi-ptrace-arena", MFD_CLOEXEC);
  if (l.ro_fd < 0 || l.arena_fd < 0 || ftruncate(l.ro_fd, XABI_PTRACE_RO_SIZE) != 0 ||
      ftruncate(l.arena_fd, static_cast<off_t>(l.memory)) != 0)
    return launch_failed(std::string("memfd: ") + std::strerror(errno));
  auto* ro = static_cast<uint8_t*>(mmap(nullptr, XABI_PTRACE_RO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, l.ro_fd, 0));
  if (ro == MAP_FAILED) return launch_failed("mmap of the read-only page");
  if (!write_args(ro, o)) return launch_failed("the arguments do not fit their block");
  Options opts = o;
  opts.memory = l.memory;
  Channels channels(opts);
  if (auto why = channels.open_listener(); !why.empty()) return launch_failed(why);

  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  std::fflush(nullptr);
  const pid_t monitor = getpid();
  const pid_t pid = fork();
  if (pid < 0) return launch_failed("fork failed");
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    become_picoprocess(l, monitor);
  }
  int status = 0;
  if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
    kill(pid, SIGKILL);
    return launch_failed("the picoprocess did not reach its first stop");
  }
  if (::ptrace(PTRACE_SETOPTIONS, pid, nullptr,
               PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE) != 0) {
    kill(pid, SIGKILL);
    return launch_failed(std::string("PTRACE_SETOPTIONS: ") + std::strerror(errno));
  }
  Monitor m(opts, pid, l.arena_fd, reinterpret_cast<struct xabi_alarms*>(ro), channels);
  for (size_t i = 0; i < l.elf.n_segments; ++i) {
    const elf_image_segment& s = l.elf.segments[i];
    m.add_initial_region(XABI_PTRACE_IMAGE + (s.vaddr - l.elf.span_lo), XABI_PTRACE_IMAGE + (s.vaddr - l.elf.span_lo) + s.memsz,
                         (s.flags & ELF_SEG_W) != 0);
  }
  m.add_initial_region(XABI_PTRACE_RO, XABI_PTRACE_RO + XABI_PTRACE_RO_SIZE, false);
  m.add_initial_region(XABI_PTRACE_STACK + kPage, XABI_PTRACE_STACK + kPage + XABI_PTRACE_STACK_SIZE, true);
  ::ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  return m.loop();
}

}  // namespace xabi::ptrace_host
