#include "picoprocess.h"

#include <linux/futex.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "guest_image.h"
#include "xabi/host_exits.h"

namespace xabi::kvm {
namespace {

constexpr uint64_t kPage = PageTables::kPage, kLarge = PageTables::kLargePage;
// The ring server spins this long after the last call before it sleeps.
constexpr uint64_t kServerIdleNs = 200000;

uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

uint64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

long futex(uint32_t* word, int op, uint32_t val, const timespec* timeout, uint32_t* word2 = nullptr, uint32_t val3 = 0) {
  return syscall(SYS_futex, word, op, val, timeout, word2, val3);
}

// What a Linux process would have died of, for the exit-status convention
// (128 + signal): the vector of a guest exception that is not an escape.
int crash_signal(uint32_t vector) {
  switch (vector) {
    case 0: case 16: case 19: return 8;  // SIGFPE
    case 1: case 3: return 5;            // SIGTRAP
    case 6: return 4;                    // SIGILL
    case 11: case 12: case 17: return 7; // SIGBUS
    default: return 11;                  // SIGSEGV
  }
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

// struct futex_waitv (linux/futex.h, 5.16).
struct FutexWaitv {
  uint64_t val, uaddr;
  uint32_t flags, reserved;
};
constexpr uint32_t kFutex2SizeU32 = 0x02, kFutex2Private = 128;

}  // namespace

Result<std::unique_ptr<KvmPicoprocess>> KvmPicoprocess::launch(const Options& o) {
  if (o.memory == 0 || o.memory % kPage || o.memory > XABI_KVM_MAX_ARENA)
    return Error<KvmError>{KvmError::kLayout, "the memory quota must be a page multiple of at most " + std::to_string(XABI_KVM_MAX_ARENA >> 20) + " MiB"};
  Result<uint64_t> pal_span = image_span(o.pal);
  if (!pal_span) return Error<KvmError>{pal_span.error().code, "the KVM PAL: " + pal_span.error().detail};
  Result<uint64_t> image = image_span(o.image);
  if (!image) return image.error();
  // Guest memory: the arena first (2 MiB-aligned in guest physical memory,
  // so it maps with large pages), then the fixed blocks, the PAL, the image.
  static_assert((Machine::kGuestPa + (1u << 20)) % kLarge == 0);
  const uint64_t arena_off = 1u << 20;
  const uint64_t ro_off = arena_off + round_up(o.memory, kLarge);
  const uint64_t slots_off = ro_off + XABI_KVM_RO_BYTES;
  const uint64_t stack_off = slots_off + XABI_KVM_SLOTS * XABI_KVM_SLOT_BYTES;
  const uint64_t pal_off = stack_off + XABI_KVM_STACK_BYTES;
  const uint64_t image_off = pal_off + pal_span.value();
  Result<Machine> m = Machine::create(image_off + image.value());
  if (!m) return m.error();
  std::unique_ptr<KvmPicoprocess> p(new KvmPicoprocess(std::move(m).value()));
  Machine& mc = p->machine_;

  XABI_TRY(mc.map_guest(XABI_KVM_ARENA_VA, arena_off, o.memory, Access::kReadWrite));
  XABI_TRY(mc.map_guest(XABI_KVM_RO_VA, ro_off, XABI_KVM_RO_BYTES, Access::kRead));
  XABI_TRY(mc.map_guest(XABI_KVM_SLOTS_VA, slots_off, XABI_KVM_SLOTS * XABI_KVM_SLOT_BYTES, Access::kReadWrite));
  XABI_TRY(mc.map_guest(XABI_KVM_STACK_TOP - XABI_KVM_STACK_BYTES, stack_off, XABI_KVM_STACK_BYTES, Access::kReadWrite));
  Result<LoadedImage> pal = load_image(mc, o.pal, XABI_KVM_PAL_VA, pal_off);
  if (!pal) return pal.error();
  Result<LoadedImage> guest = load_image(mc, o.image, XABI_KVM_IMAGE_VA, image_off);
  if (!guest) return guest.error();

  p->ro_ = reinterpret_cast<xabi_kvm_ro*>(mc.guest(ro_off));
  p->slots_ = mc.guest(slots_off);
  auto* bitmap = reinterpret_cast<uint64_t*>(mc.guest(ro_off + XABI_KVM_BITMAP_OFFSET));
  p->space_.set_arena(XABI_KVM_ARENA_VA, o.memory, mc.guest(arena_off), bitmap, mc.vm().memory_fd(),
                      Machine::kGuestPa + arena_off);
  // Static memory: the image's segments, the initial stack, the alarm words
  // and the argument block (read-only). The PAL and the slots are not the
  // guest's memory: the ABI's E_FAULT holds for them.
  auto add_static = [&](uint64_t va, uint64_t len, uint64_t off, bool writable) -> Status {
    if (p->ro_->n_static >= XABI_KVM_MAX_STATIC) return Error<KvmError>{KvmError::kLayout, "too many image segments"};
    p->ro_->statics[p->ro_->n_static++] = {va, va + len, writable ? 1u : 0u, 0};
    p->space_.add_static(va, len, mc.guest(off), writable);
    return {};
  };
  for (const LoadedImage::Segment& s : guest.value().segments)
    XABI_TRY(add_static(s.lo, s.hi - s.lo, image_off + (s.lo - XABI_KVM_IMAGE_VA), s.access == Access::kReadWrite));
  XABI_TRY(add_static(XABI_KVM_STACK_TOP - XABI_KVM_STACK_BYTES, XABI_KVM_STACK_BYTES, stack_off, true));
  XABI_TRY(add_static(XABI_KVM_RO_VA, XABI_KVM_ARGS_OFFSET + XABI_KVM_ARGS_BYTES, ro_off, false));
  p->ro_->arena_base = XABI_KVM_ARENA_VA;
  p->ro_->arena_size = o.memory;

  // The argument block: count, pointers, then the strings.
  uint8_t* args = mc.guest(ro_off + XABI_KVM_ARGS_OFFSET);
  uint64_t strings = 8 * (1 + o.args.size());
  for (const std::string& a : o.args) strings += a.size() + 1;
  if (strings > XABI_KVM_ARGS_BYTES) return Error<KvmError>{KvmError::kLayout, "the arguments exceed " + std::to_string(XABI_KVM_ARGS_BYTES) + " bytes"};
  uint64_t at = 8 * (1 + o.args.size());
  const uint64_t count = o.args.size();
  std::memcpy(args, &count, 8);
  for (size_t i = 0; i < o.args.size(); ++i) {
    const uint64_t va = XABI_KVM_RO_VA + XABI_KVM_ARGS_OFFSET + at;
    std::memcpy(args + 8 * (1 + i), &va, 8);
    std::memcpy(args + at, o.args[i].c_str(), o.args[i].size() + 1);
    at += o.args[i].size() + 1;
  }

  CallService::Config cc;
  cc.space = &p->space_;
  cc.alarms = &p->ro_->alarms;
  cc.listen_fd = o.listen_fd;
  cc.console = o.console;
  cc.origin = o.origin;
  p->calls_ = std::make_unique<CallService>(cc);
  if (std::string why; !p->calls_->ready(&why)) return Error<KvmError>{KvmError::kSystem, why};

  // The initial thread: the PAL's entry on the guest's stack, which it then
  // hands to the guest (pal/kvm/pal_calls.c).
  Result<Vcpu*> cpu = mc.start_vcpu(pal.value().entry, XABI_KVM_STACK_TOP - 0x48, guest.value().entry, XABI_KVM_STACK_TOP);
  if (!cpu) return cpu.error();
  __atomic_store_n(&p->ro_->server_awake, 1, __ATOMIC_SEQ_CST);
  std::thread([raw = p.get()] { raw->ring_server(); }).detach();
  p->live_threads_ = 1;
  XABI_TRY(p->start_thread(cpu.value()));
  return p;
}

// The host threads are detached and may be blocked in KVM_RUN or a futex
// wait: the picoprocess is never destroyed, only ended with its process
// (xabi-kvm exits right after wait()).
KvmPicoprocess::~KvmPicoprocess() = default;

int KvmPicoprocess::wait() {
  std::unique_lock<std::mutex> g(mu_);
  ended_cv_.wait(g, [&] { return ended_; });
  return status_;
}

void KvmPicoprocess::end(int status, const std::string& report) {
  std::lock_guard<std::mutex> g(mu_);
  if (ended_) return;
  ended_ = true;
  status_ = status & 0xff;
  if (!report.empty()) std::fprintf(stderr, "xabi-kvm: %s\n", report.c_str());
  ended_cv_.notify_all();
}

Status KvmPicoprocess::start_thread(Vcpu* cpu) {
  try {
    std::thread([this, cpu] { run_vcpu(cpu); }).detach();
  } catch (const std::system_error& e) {
    return Error<KvmError>{KvmError::kSystem, std::string("a vCPU thread: ") + e.what()};
  }
  return {};
}

void KvmPicoprocess::end_thread(Vcpu* cpu) {
  std::lock_guard<std::mutex> g(mu_);
  // vCPU 0 stays out of the pool: thread id 0 is the initial thread's.
  if (cpu->id() != 0) idle_vcpus_.push_back(cpu);
  if (--live_threads_ == 0 && !ended_) {
    ended_ = true;
    status_ = 0;
    ended_cv_.notify_all();
  }
}

void KvmPicoprocess::run_vcpu(Vcpu* cpu) {
  for (;;) {
    Result<Exit> e = cpu->run();
    if (!e) return end(XABI_HOST_EXIT_INTERNAL, "KVM_RUN failed: " + describe(e.error()));
    const Exit& x = e.value();
    if (x.kind == Exit::Kind::kIo && x.out && x.port == XABI_KVM_OP_PORT && x.size == 4) {
      __atomic_add_fetch(&op_exits_, 1, __ATOMIC_RELAXED);
      if (!serve_op(*cpu)) return;
      continue;
    }
    if (x.kind == Exit::Kind::kInterrupted) continue;
    if (x.kind == Exit::Kind::kIo && x.out && x.port == Machine::kExceptionPort) {
      Result<bool> guest = machine_.from_guest(*cpu);
      if (guest && !guest.value()) {  // a stub's report: the guest raised an exception
        const Machine::ExceptionReport r = machine_.report_exception(*cpu, x.value);
        if (r.escape) return end(XABI_HOST_EXIT_VIOLATION, "violation: the picoprocess tried " + r.what + "; it was ended");
        const int sig = crash_signal(x.value);
        return end(128 + sig, "the picoprocess crashed: " + r.what + " (reported as signal " + std::to_string(sig) + ")");
      }
    }
    std::string what = x.kind == Exit::Kind::kShutdown ? "a triple fault"
                       : x.kind == Exit::Kind::kMmio   ? "an MMIO access at " + hex(x.address)
                       : x.kind == Exit::Kind::kIo     ? std::string("port ") + (x.out ? "output" : "input") + " on port " + hex(x.port) + " outside the call protocol"
                                                       : describe(x);
    return end(XABI_HOST_EXIT_VIOLATION, "violation: the picoprocess made " + what + "; it was ended");
  }
}

bool KvmPicoprocess::serve_op(Vcpu& cpu) {
  Result<kvm_regs> got = cpu.registers();
  if (!got) {
    end(XABI_HOST_EXIT_INTERNAL, "reading a vCPU's registers: " + describe(got.error()));
    return false;
  }
  kvm_regs r = got.value();
  int64_t result = 0;
  switch (static_cast<uint32_t>(r.rax)) {
    case XABI_KVM_OP_SERVE:
      __atomic_add_fetch(&slot_exits_, 1, __ATOMIC_RELAXED);
      result = serve_slot(static_cast<uint32_t>(r.rdi));
      break;
    case XABI_KVM_OP_EXIT: end(static_cast<int>(r.rdi & 0xff), ""); return false;
    case XABI_KVM_OP_THREAD_CREATE: result = thread_create(r.rdi, r.rsi, r.rdx, r.r10); break;
    case XABI_KVM_OP_THREAD_EXIT: end_thread(&cpu); return false;
    case XABI_KVM_OP_SET_TLS:
      if (r.rdi >= XABI_ADDR_LIMIT - XABI_PAGE) result = XABI_E_INVAL;
      else result = machine_.set_fs_base(cpu, r.rdi) ? 0 : XABI_E_NO_RESOURCES;
      break;
    case XABI_KVM_OP_ZUTEX_WAIT: result = zutex_wait(r.rdi, r.rsi); break;
    case XABI_KVM_OP_ZUTEX_WAKE: result = zutex_wake(r.rdi, r.rsi, r.rdx, r.r10, r.r8); break;
    case XABI_KVM_OP_TIME_NOW: result = static_cast<int64_t>(now_ns()); break;
    case XABI_KVM_OP_RANDOM: {
      if (r.rsi > XABI_LIMIT_RANDOM) { result = XABI_E_INVAL; break; }
      if (r.rsi == 0) { result = 0; break; }
      uint8_t* p = space_.translate(r.rdi, r.rsi, true);
      if (!p) { result = XABI_E_FAULT; break; }
      for (uint64_t done = 0; done < r.rsi;) {
        const ssize_t n = getrandom(p + done, r.rsi - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { end(XABI_HOST_EXIT_INTERNAL, "getrandom failed"); return false; }
        done += static_cast<uint64_t>(n);
      }
      result = static_cast<int64_t>(r.rsi);
      break;
    }
    default:
      end(XABI_HOST_EXIT_VIOLATION, "violation: the picoprocess asked for host op " + std::to_string(static_cast<uint32_t>(r.rax)) +
                                        ", which the KVM host does not offer; it was ended");
      return false;
  }
  r.rax = static_cast<uint64_t>(result);
  if (!cpu.set_registers(r)) {
    end(XABI_HOST_EXIT_INTERNAL, "writing a vCPU's registers failed");
    return false;
  }
  return true;
}

// Serves one slot: copies the request out of guest memory once, decodes and
// serves it, writes the response back and publishes RESPONSE.
static void serve_request(xabi_kvm_slot* s, CallService& calls) {
  thread_local std::vector<uint8_t> req(XABI_WIRE_MAX_REQUEST), resp(XABI_WIRE_MAX_RESPONSE);
  uint32_t len = __atomic_load_n(&s->req_len, __ATOMIC_ACQUIRE);
  if (len > XABI_WIRE_MAX_REQUEST) len = 0;  // refused by the decoder: E_BAD_FRAME
  std::memcpy(req.data(), s->req, len);
  const dispatch::Dispatched d = calls.serve(std::span<const uint8_t>(req.data(), len), resp);
  std::memcpy(s->resp, resp.data(), d.response_size);
  __atomic_store_n(&s->resp_len, static_cast<uint32_t>(d.response_size), __ATOMIC_RELAXED);
  __atomic_store_n(&s->state, static_cast<uint32_t>(XABI_KVM_SLOT_RESPONSE), __ATOMIC_SEQ_CST);
  futex(&s->state, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr);
}

static xabi_kvm_slot* slot_at(uint8_t* slots, uint32_t i) {
  return reinterpret_cast<xabi_kvm_slot*>(slots + static_cast<uint64_t>(i) * XABI_KVM_SLOT_BYTES);
}

static bool take(xabi_kvm_slot* s) {
  uint32_t expected = XABI_KVM_SLOT_REQUEST;
  return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == XABI_KVM_SLOT_REQUEST &&
         __atomic_compare_exchange_n(&s->state, &expected, XABI_KVM_SLOT_SERVING, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

int64_t KvmPicoprocess::serve_slot(uint32_t index) {
  if (index >= XABI_KVM_SLOTS) return XABI_E_BAD_FRAME;
  xabi_kvm_slot* s = slot_at(slots_, index);
  if (take(s)) {
    serve_request(s, *calls_);
  } else {
    // The ring server has it: wait for its RESPONSE (the guest cannot
    // change SERVING; only we do).
    const timespec tick{0, 10000000};
    while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == XABI_KVM_SLOT_SERVING)
      futex(&s->state, FUTEX_WAIT_PRIVATE, XABI_KVM_SLOT_SERVING, &tick);
  }
  wake_server();  // the calls that follow take the ring
  return 0;
}

void KvmPicoprocess::wake_server() {
  if (__atomic_load_n(&ro_->server_awake, __ATOMIC_SEQ_CST)) return;
  __atomic_store_n(&ro_->server_awake, 1, __ATOMIC_SEQ_CST);
  bump_and_wake(&server_wake_);
}

void KvmPicoprocess::ring_server() {
  uint64_t last_call = now_ns();
  for (;;) {
    bool served = false;
    for (uint32_t i = 0; i < XABI_KVM_SLOTS; ++i) {
      xabi_kvm_slot* s = slot_at(slots_, i);
      if (take(s)) {
        serve_request(s, *calls_);
        __atomic_add_fetch(&ring_served_, 1, __ATOMIC_RELAXED);
        served = true;
      }
    }
    if (served) {
      last_call = now_ns();
      continue;
    }
    if (now_ns() - last_call < kServerIdleNs) {
      __builtin_ia32_pause();
      continue;
    }
    // Sleep. A guest that still saw server_awake = 1 spins, runs out and
    // exits to be served by its vCPU thread, which wakes us.
    const uint32_t seen = __atomic_load_n(&server_wake_, __ATOMIC_SEQ_CST);
    __atomic_store_n(&ro_->server_awake, 0, __ATOMIC_SEQ_CST);
    const timespec nap{0, 100000000};
    while (!__atomic_load_n(&ro_->server_awake, __ATOMIC_SEQ_CST) && __atomic_load_n(&server_wake_, __ATOMIC_SEQ_CST) == seen)
      futex(&server_wake_, FUTEX_WAIT_PRIVATE, seen, &nap);
    last_call = now_ns();
  }
}

int64_t KvmPicoprocess::thread_create(uint64_t start, uint64_t stack, uint64_t entry, uint64_t arg) {
  if (entry == 0 || start == 0 || stack % XABI_STACK_ALIGN != 0 || stack >= XABI_ADDR_LIMIT) return XABI_E_INVAL;
  Vcpu* cpu = nullptr;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (live_threads_ >= static_cast<int>(XABI_LIMIT_THREADS)) return XABI_E_LIMIT;
    if (!idle_vcpus_.empty()) {
      cpu = idle_vcpus_.back();
      idle_vcpus_.pop_back();
      if (!machine_.restart_vcpu(*cpu, start, stack, entry, arg)) {
        idle_vcpus_.push_back(cpu);
        return XABI_E_NO_RESOURCES;
      }
    } else {
      Result<Vcpu*> made = machine_.start_vcpu(start, stack, entry, arg);
      if (!made) return XABI_E_NO_RESOURCES;
      cpu = made.value();
    }
    ++live_threads_;
  }
  if (!start_thread(cpu)) {
    std::lock_guard<std::mutex> g(mu_);
    --live_threads_;
    idle_vcpus_.push_back(cpu);
    return XABI_E_NO_RESOURCES;
  }
  return cpu->id();
}

int64_t KvmPicoprocess::zutex_wait(uint64_t specs_va, uint64_t n) {
  if (n == 0 || n > XABI_LIMIT_ZUTEX_SPECS) return XABI_E_INVAL;
  const uint8_t* specs = space_.translate(specs_va, n * sizeof(xabi_zutex_spec), false);
  if (!specs) return XABI_E_FAULT;
  xabi_zutex_spec copy[XABI_LIMIT_ZUTEX_SPECS];
  std::memcpy(copy, specs, n * sizeof(xabi_zutex_spec));  // once: the guest may change them
  FutexWaitv w[XABI_LIMIT_ZUTEX_SPECS] = {};
  for (uint64_t i = 0; i < n; ++i)
    if (copy[i].reserved != 0 || copy[i].word % 4 != 0) return XABI_E_INVAL;
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t* word = space_.translate(copy[i].word, 4, false);
    if (!word) return XABI_E_FAULT;
    w[i] = {copy[i].expected, reinterpret_cast<uint64_t>(word), kFutex2SizeU32 | kFutex2Private, 0};
  }
  for (;;) {
    const long r = syscall(SYS_futex_waitv, w, static_cast<unsigned>(n), 0u, nullptr, CLOCK_MONOTONIC);
    if (r >= 0) return r;
    if (errno == EAGAIN) return XABI_E_AGAIN;
    if (errno != EINTR) return XABI_E_INVAL;
  }
}

int64_t KvmPicoprocess::zutex_wake(uint64_t word, uint64_t expect, uint64_t n_wake, uint64_t n_requeue, uint64_t requeue) {
  if (word % 4 != 0 || n_wake > XABI_ZUTEX_COUNT_MAX || n_requeue > XABI_ZUTEX_COUNT_MAX || (n_requeue > 0 && requeue % 4 != 0))
    return XABI_E_INVAL;
  uint8_t* w = space_.translate(word, 4, false);
  uint8_t* rq = n_requeue > 0 ? space_.translate(requeue, 4, false) : w;
  if (!w || !rq) return XABI_E_FAULT;
  const long r = syscall(SYS_futex, w, FUTEX_CMP_REQUEUE_PRIVATE, static_cast<uint32_t>(n_wake),
                         reinterpret_cast<void*>(static_cast<uintptr_t>(n_requeue)), rq, static_cast<uint32_t>(expect));
  if (r >= 0) return r;
  return errno == EAGAIN ? XABI_E_AGAIN : XABI_E_INVAL;
}

}  // namespace xabi::kvm
