#include "monitor_loop.h"

#include <sched.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>

#include "mutant.h"
#include "call_server.h"

namespace xabi::monitor {

namespace {

void cpu_relax() { __builtin_ia32_pause(); }

void drain_eventfd(int fd) {
  uint64_t v;
  while (::read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) {
  }
}

}  // namespace

// One registered picoprocess. It is the FdWatcher of its own channels, so a
// channel event maps straight back to its alarm words.
struct MonitorLoop::Entry : public calls::FdWatcher {
  int64_t id = 0;
  int epoll_fd = -1;
  ServedPicoprocess p;
  xabi_link_header* header = nullptr;
  xabi_link_slot* slots = nullptr;
  std::unique_ptr<dispatch::Handler> calls;  // what serves the slots: HostHooks::wrap's decorator; null: *host
  std::unique_ptr<calls::CallServer> host;  // after calls: a decorator may refer to it until destroyed
  bool scan_all = true;  // the doorbell rang: look at every slot once

  int watch(int fd) override {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = key(id, kChannel);
    return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
  }
  void unwatch(int fd) override { ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr); }
};

MonitorLoop::MonitorLoop(Options o)
    : opt_(std::move(o)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      buf_(std::make_unique<SlotBuffers>()),
      fetcher_(std::make_unique<calls::HttpFetcher>([this](uint64_t owner) { http_done(owner); })) {
  if (opt_.console_fd >= 0) console_ = std::make_unique<calls::ConsoleSink>(opt_.console_fd);
  if (valid()) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key(0, kWake);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) != 0) epoll_.reset();
  }
}

MonitorLoop::~MonitorLoop() {
  while (!entries_.empty()) remove(entries_.begin()->first);
  fetcher_.reset();  // join the HTTP workers while done_mu_ and wake_ still exist
}

void MonitorLoop::http_done(uint64_t owner) {
  {
    std::lock_guard<std::mutex> g(done_mu_);
    done_.push_back(owner);
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

void MonitorLoop::stop() {
  {
    std::lock_guard<std::mutex> g(done_mu_);
    stop_ = true;
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

int64_t MonitorLoop::add(ServedPicoprocess p) {
  if (!valid()) return -EBADF;
  if (!p.call_area || p.call_area_size < XABI_LINK_AREA_SIZE || p.doorbell_fd < 0 || p.pidfd < 0 ||
      p.arena_fd < 0 || p.arena_size % XABI_PAGE != 0)
    return -EINVAL;
  auto e = std::make_unique<Entry>();
  e->id = next_id_++;
  e->epoll_fd = epoll_.get();
  e->header = static_cast<xabi_link_header*>(p.call_area);
  // The layout is fixed by host_link.h: never trust the offsets in the
  // (guest-writable) header.
  e->slots = reinterpret_cast<xabi_link_slot*>(static_cast<uint8_t*>(p.call_area) + XABI_LINK_SLOTS_OFFSET);
  auto* ro = reinterpret_cast<xabi_link_ro*>(static_cast<uint8_t*>(p.call_area) + XABI_LINK_RO_OFFSET);

  calls::CallServerConfig c;
  c.arena_base = p.region_base + XABI_LINK_ARENA_OFFSET;
  c.arena_size = p.arena_size;
  c.arena_fd = p.arena_fd;
  c.alarms = &ro->alarms;
  c.listen_fd = p.listen_fd;
  c.origin = p.origin;
  c.console = p.console ? console_.get() : nullptr;
  c.stdio = p.stdio ? &stdio_ : nullptr;
  c.fetcher = fetcher_.get();
  c.watcher = e.get();
  c.owner = static_cast<uint64_t>(e->id);
  if (opt_.host.configure) opt_.host.configure(c);
  e->host = std::make_unique<calls::CallServer>(c);
  if (e->host->timer_fd() < 0) return -EMFILE;
  if (opt_.host.wrap) e->calls = opt_.host.wrap(*e->host, c);

  // The doorbell must never block our drain; O_NONBLOCK on the shared file
  // description only makes the guest's (single-word) writes non-blocking too.
  const int fl = ::fcntl(p.doorbell_fd, F_GETFL);
  if (fl < 0 || ::fcntl(p.doorbell_fd, F_SETFL, fl | O_NONBLOCK) != 0) return -errno;

  struct Reg {
    int fd;
    Kind kind;
    uint32_t events;
  };
  const Reg regs[] = {{p.doorbell_fd, kDoorbell, EPOLLIN},
                      {e->host->timer_fd(), kTimer, EPOLLIN},
                      {p.pidfd, kPidfd, EPOLLIN},
                      {opt_.hooks.on_notify ? p.notify_fd : -1, kNotify, EPOLLIN},
                      {p.listen_fd, kListen, EPOLLIN | EPOLLET}};
  size_t added = 0;
  for (const Reg& r : regs) {
    if (r.fd < 0) continue;
    epoll_event ev{};
    ev.events = r.events;
    ev.data.u64 = key(e->id, r.kind);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, r.fd, &ev) != 0) {
      const int err = errno;
      for (size_t i = 0; i < added; ++i)
        if (regs[i].fd >= 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, regs[i].fd, nullptr);
      return -err;
    }
    ++added;
  }
  e->p = std::move(p);
  const int64_t id = e->id;
  order_.push_back(id);
  entries_.emplace(id, std::move(e));
  return id;
}

calls::CallServer* MonitorLoop::host(int64_t id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second->host.get();
}

void MonitorLoop::remove(int64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  std::unique_ptr<Entry> e = std::move(it->second);
  entries_.erase(it);
  std::erase(order_, id);
  ServedPicoprocess& p = e->p;
  for (int fd : {p.doorbell_fd, p.pidfd, p.notify_fd, p.listen_fd, e->host->timer_fd()})
    if (fd >= 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  e->calls.reset();  // a decorator's own channels, if it has any
  e->host.reset();   // closes (and unwatches) every channel, the timerfd
  for (int fd : {p.doorbell_fd, p.pidfd, p.notify_fd, p.listen_fd, p.calls_fd, p.arena_fd})
    if (fd >= 0) ::close(fd);
  if (p.call_area) ::munmap(p.call_area, p.call_area_size);
}

void MonitorLoop::exit_entry(int64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  ExitInfo info;
  siginfo_t si{};
  // Reap it if it is our child; a pidfd of someone else's child says ECHILD.
  if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(it->second->p.pidfd), &si,
               WEXITED | WNOHANG) == 0) {
    info.code = si.si_code;
    info.status = si.si_status;
  }
  if (opt_.hooks.on_exit) opt_.hooks.on_exit(it->second->p, info);
  ++stats_.exits;
  remove(id);
}

void MonitorLoop::on_event(uint64_t data, uint32_t) {
  const auto kind = static_cast<Kind>(data & 0xff);
  const auto id = static_cast<int64_t>(data >> 8);
  if (kind == kWake) {
    drain_eventfd(wake_.get());
    std::vector<uint64_t> done;
    {
      std::lock_guard<std::mutex> g(done_mu_);
      done.swap(done_);
    }
    for (uint64_t owner : done)
      if (auto* h = host(static_cast<int64_t>(owner))) h->on_channel_event();
    return;
  }
  auto it = entries_.find(id);
  if (it == entries_.end()) return;  // an event of a picoprocess removed earlier in this batch
  Entry& e = *it->second;
  switch (kind) {
    case kDoorbell:
      ++stats_.doorbells;
      drain_eventfd(e.p.doorbell_fd);
      e.scan_all = true;
      break;  // the scan that follows serves the slot
    case kTimer:
      e.host->on_timer();
      break;
    case kPidfd:
      exit_entry(id);
      break;
    case kNotify:
      if (opt_.hooks.on_notify) opt_.hooks.on_notify(e.p);
      break;
    case kListen:
    case kChannel:
      e.host->on_channel_event();
      break;
    default:
      break;
  }
}

bool MonitorLoop::handle_events(int timeout_ms) {
  epoll_event evs[64];
  const int n = ::epoll_wait(epoll_.get(), evs, 64, timeout_ms);
  for (int i = 0; i < n; ++i) on_event(evs[i].data.u64, evs[i].events);
  return n > 0;
}

bool MonitorLoop::scan_pass(bool all_slots) {
  // Round-robin over picoprocesses, one request per slot: a flooding guest
  // gets its turn but cannot push the others' requests back. Only the slots
  // the PAL posted, unless all_slots or the doorbell rang: scanning 64 idle
  // slots costs about as much as the rest of a null call (docs/benchmarks.md).
  bool any = false;
  const size_t n = order_.size();
  if (n == 0) return false;
  rr_ = (rr_ + 1) % n;
  for (size_t k = 0; k < n; ++k) {
    auto it = entries_.find(order_[(rr_ + k) % n]);
    if (it == entries_.end()) continue;
    Entry& e = *it->second;
    uint64_t todo = __atomic_exchange_n(&e.header->posted, 0, __ATOMIC_SEQ_CST);
    if (all_slots || e.scan_all) todo = ~0ull >> (64 - XABI_LINK_SLOTS);
    e.scan_all = false;
    if (XABI_MUTANT(serve_slot0_only)) todo &= 1;
    dispatch::Handler& calls = e.calls ? *e.calls : *e.host;
    for (; todo != 0; todo &= todo - 1)
      any |= serve_slot(&e.slots[std::countr_zero(todo)], calls, *buf_, stats_.slots);
  }
  return any;
}

void MonitorLoop::set_sleeping(uint32_t v) {
  for (auto& [id, e] : entries_) __atomic_store_n(&e->header->monitor_sleeping, v, __ATOMIC_SEQ_CST);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void MonitorLoop::run_once(int timeout_ms) {
  using clock = std::chrono::steady_clock;
  // Busy phase: serve, and poll for events now and then without blocking.
  unsigned pass = 0;
  for (;;) {
    // Every 32nd pass looks at every slot: a request whose posted bit was
    // never set is served too, later.
    const bool served = scan_pass(++pass % 32 == 0);
    const bool events = (pass % 32 == 0 || !served) ? handle_events(0) : false;
    const auto now = clock::now();
    if (served || events) last_busy_ = now;
    if (now - last_busy_ >= opt_.spin) break;
    if (!served) {
      cpu_relax();
      // On a shared core, spinning would keep the very picoprocess we wait
      // for from running: give the CPU away now and then (2-core machines).
      if (pass % 16 == 0) sched_yield();
    }
  }
  {
    std::lock_guard<std::mutex> g(done_mu_);
    if (stop_) return;
  }
  // Sleep phase (Dekker with the PAL): announce, fence, look once more.
  set_sleeping(1);
  if (scan_pass(true)) {
    set_sleeping(0);
    last_busy_ = clock::now();
    return;
  }
  ++stats_.sleeps;
  const bool events = handle_events(timeout_ms);
  set_sleeping(0);
  if (events) last_busy_ = clock::now();
}

void MonitorLoop::run() {
  for (;;) {
    {
      std::lock_guard<std::mutex> g(done_mu_);
      if (stop_) return;
    }
    run_once(-1);
  }
}

}  // namespace xabi::monitor
