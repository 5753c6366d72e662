// monitor_loop.h: ONE epoll event loop serving many picoprocesses: their
// call slots (doorbell eventfds + adaptive spinning), alarm timerfds, channel
// sockets, listen sockets, HTTP completions, pidfds (exit -> every resource
// released) and seccomp notification fds (handed to the launcher's hook).
// Nothing in the loop blocks except epoll_wait itself, so a guest that stops
// answering, floods, sends garbage or dies delays no other.
//
//   MonitorLoop::Options o;
//   o.hooks.on_notify = [](ServedPicoprocess& p) { /* NOTIF_RECV / NOTIF_SEND */ };
//   o.hooks.on_exit = [](const ServedPicoprocess& p, ExitInfo e) { report(p.pid, e); };
//   MonitorLoop loop(o);                       // check loop.valid()
//   int64_t id = loop.add(std::move(p));       // see picoprocess.h
//   std::thread t([&] { loop.run(); });  ...  loop.stop(); t.join();
//   // or drive it step by step: while (loop.size()) loop.run_once(100);
//
// Spinning (docs/callpath.md): after serving anything the loop keeps polling
// the slots for `spin` (about one cross-CPU wakeup) before it sleeps; before
// epoll_wait it sets monitor_sleeping = 1 in every call area, fences and
// re-scans, so a request stored meanwhile is either seen or rings the doorbell.
// Fairness: each pass visits picoprocesses round-robin and serves at most
// one request per slot.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "console_channel.h"
#include "http_fetcher.h"
#include "served_picoprocess.h"
#include "stdio_channel.h"
#include "slot_server.h"
#include "xabi/unique_fd.h"

namespace xabi::calls {
class Handler;
class CallServer;
struct CallServerConfig;
}  // namespace xabi::calls

namespace xabi::monitor {

struct LoopHooks {
  // The picoprocess's seccomp notification fd is readable. Must not block.
  std::function<void(ServedPicoprocess&)> on_notify;
  // The picoprocess has exited; called before its resources are released.
  std::function<void(const ServedPicoprocess&, ExitInfo)> on_exit;
};

// How the loop makes each picoprocess's host. Both empty: a CallServer of the
// loop's configuration serves every call. xabi-host-mutant injects its faults
// through them (docs/mutants.md).
struct HostHooks {
  // Changes the configuration before the CallServer is made from it.
  std::function<void(calls::CallServerConfig&)> configure;
  // A decorator of the CallServer: the call slots are served by what it returns.
  std::function<std::unique_ptr<dispatch::Handler>(calls::CallServer&, const calls::CallServerConfig&)> wrap;
};

struct LoopStats {
  SlotStats slots;           // requests served, refused frames by wire status
  uint64_t sleeps = 0;       // epoll_wait calls that could block
  uint64_t doorbells = 0;    // doorbell wake-ups
  uint64_t exits = 0;        // picoprocesses cleaned up
};

class MonitorLoop {
 public:
  struct Options {
    std::chrono::nanoseconds spin = std::chrono::microseconds(50);
    int console_fd = 1;  // the console sink (stdout); -1: no console capability
    LoopHooks hooks;
    HostHooks host{};
  };

  explicit MonitorLoop(Options o);
  ~MonitorLoop();
  MonitorLoop(const MonitorLoop&) = delete;
  MonitorLoop& operator=(const MonitorLoop&) = delete;

  bool valid() const { return epoll_.valid() && wake_.valid(); }

  // Registers a picoprocess: an id > 0, or a negative errno (-EINVAL for a
  // call area that is too small or missing fds; the caller keeps ownership).
  int64_t add(ServedPicoprocess p);
  // Releases a picoprocess's resources now (it is not killed: the launcher's job).
  void remove(int64_t id);
  size_t size() const { return entries_.size(); }
  xabi::calls::CallServer* host(int64_t id);

  // One round: serve and spin while busy, then sleep at most timeout_ms
  // (-1: until something happens) unless stop() was called.
  void run_once(int timeout_ms);
  // Runs until stop().
  void run();
  // Thread-safe; makes run() return.
  void stop();

  const LoopStats& stats() const { return stats_; }

 private:
  struct Entry;
  enum Kind : uint8_t { kWake, kCompletion, kDoorbell, kTimer, kPidfd, kNotify, kListen, kChannel };
  static uint64_t key(int64_t id, Kind k) { return (static_cast<uint64_t>(id) << 8) | k; }

  bool scan_pass(bool all_slots);
  bool handle_events(int timeout_ms);
  void on_event(uint64_t data, uint32_t events);
  void exit_entry(int64_t id);
  void set_sleeping(uint32_t v);
  void http_done(uint64_t owner);

  Options opt_;
  UniqueFd epoll_;
  UniqueFd wake_;        // eventfd: stop() and HTTP completions
  bool stop_ = false;
  std::mutex done_mu_;         // guards done_ (worker threads push)
  std::vector<uint64_t> done_;
  std::unique_ptr<calls::ConsoleSink> console_;
  calls::StdStreams stdio_;  // lent only to picoprocesses that ask (ServedPicoprocess::stdio)
  std::map<int64_t, std::unique_ptr<Entry>> entries_;
  std::vector<int64_t> order_;  // round-robin order
  size_t rr_ = 0;
  int64_t next_id_ = 1;
  std::unique_ptr<SlotBuffers> buf_;
  LoopStats stats_;
  std::chrono::steady_clock::time_point last_busy_{};
  // Last, so its workers are joined before anything they notify goes away.
  std::unique_ptr<calls::HttpFetcher> fetcher_;
};

}  // namespace xabi::monitor
