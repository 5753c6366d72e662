// call_server.h: the host side of one picoprocess: its arena bookkeeping,
// channel table, alarm timer and alarm words, implementing the generated
// xabi::dispatch::Handler. It answers only what the rules in docs/abi.md allow.
// OS interaction lives in the small classes it owns (Arena/MemfdPuncher,
// AlarmTimer, SocketChannel, ConsoleSink, HttpFetcher); the event loop drives
// it through dispatch() and the on_* hooks.
//
//   CallServerConfig c;  c.arena_base = base + XABI_LINK_ARENA_OFFSET; c.arena_size = quota;
//                  c.arena_fd = memfd; c.alarms = &ro->alarms; c.console = &sink; ...
//   CallServer h(c);
//   auto d = xabi::dispatch::dispatch(frame_copy, h, response);
//   if (readable(h.timer_fd())) h.on_timer();
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "alarm_timer.h"
#include "alarm_words.h"
#include "arena.h"
#include "channel_table.h"
#include "console_channel.h"
#include "stdio_channel.h"
#include "fd_watcher.h"
#include "host_budget.h"
#include "http_fetcher.h"
#include "url.h"
#include "xabi/host_dispatch.hpp"

namespace xabi::calls {

struct CallServerConfig {
  uint64_t arena_base = 0;        // guest address of the arena
  uint64_t arena_size = 0;        // bytes; the quota
  int arena_fd = -1;              // borrowed: the arena memfd (hole punching)
  HolePuncher* puncher = nullptr; // borrowed; null: punch arena_fd (xabi-host-mutant's free_no_punch sets one)
  struct xabi_alarms* alarms = nullptr;  // the monitor's mapping of the alarm words; may be null
  int listen_fd = -1;             // borrowed; -1: no `listen` capability
  std::string origin;             // "http://host[:port]"; empty: no `origin` capability
  ConsoleSink* console = nullptr; // null: no `console` capability
  StdStreams* stdio = nullptr;    // null: no `stdio` capability
  HttpFetcher* fetcher = nullptr; // needed with an origin
  FdWatcher* watcher = nullptr;   // null: nothing is watched (in-process tests)
  uint64_t owner = 0;             // identifies this picoprocess to the fetcher's notify
};

// An origin as --origin takes it: an http URL with no path. nullopt if not.
std::optional<HttpUrl> parse_origin(std::string_view origin);

class CallServer : public dispatch::Handler {
 public:
  // What every open channel costs the budget (LIMIT_HOST_BYTES): the host's own
  // structures for it (table entry, object, epoll registration), counted generously.
  static constexpr size_t kChannelCost = 4096;

  explicit CallServer(const CallServerConfig& c);
  ~CallServer() override;
  CallServer(const CallServer&) = delete;
  CallServer& operator=(const CallServer&) = delete;

  // ---- the HOST calls
  uint64_t alloc(uint64_t len) override;
  int64_t free(uint64_t base, uint64_t len) override;
  int64_t alarm_set(uint64_t deadline) override;
  int64_t accept() override;
  int64_t open_url(std::string_view method, std::string_view url) override;
  int64_t read(int32_t channel, dispatch::OutBytes& buf, uint64_t len) override;
  int64_t write(int32_t channel, std::span<const uint8_t> buf, uint64_t len) override;
  int64_t poll(std::span<xabi_pollfd> fds, uint32_t n, uint32_t block) override;
  int64_t close(int32_t channel) override;
  int64_t console() override;
  int64_t stdio(uint32_t stream) override;

  // ---- events the loop delivers
  int timer_fd() const { return timer_.fd(); }
  void on_timer();           // the timerfd is readable
  void on_channel_event();   // a watched fd, the listen socket or an HTTP job changed
  void close_all_channels(); // the picoprocess is gone

  // ---- introspection (tests, reports)
  size_t open_channels() const { return chans_.count(); }
  uint64_t allocated() const { return arena_.allocated(); }
  size_t host_bytes() const { return budget_.used(); }  // held on its behalf (LIMIT_HOST_BYTES)
  uint64_t host_failures() const { return host_failures_ + arena_.punch_failures(); }
  AlarmWords& words() { return words_; }

 private:
  int64_t install(std::unique_ptr<Channel> ch);
  bool can_open(size_t extra) const;  // a channel (plus `extra` bytes) fits the budget

  CallServerConfig cfg_;
  std::optional<HttpUrl> origin_;
  MemfdPuncher puncher_;
  Arena arena_;
  HostBudget budget_{XABI_LIMIT_HOST_BYTES};  // before chans_: channels give back to it
  ChannelTable chans_;
  AlarmTimer timer_;
  AlarmWords words_;
  uint64_t host_failures_ = 0;
};

}  // namespace xabi::calls
