// mutant_handler.h: the faults of xabi-host-mutant that can be produced at the
// handler boundary (docs/mutants.md): a decorator of the real CallServer that
// changes what one call answers, and otherwise forwards it. The real host
// itself is untouched: the shipped xabi-host has none of this code.
//
//   monitor::HostHooks hooks = mutant_host_hooks(mutants::Id::write_drops);
//   // MonitorLoop (via app::ServeOptions::host) then serves the slots through
//   // MutantHandler(Id::write_drops, call_server, config).
#pragma once

#include <cstdint>
#include <memory>

#include "interval_set.h"
#include "monitor_loop.h"
#include "mutant_list.h"
#include "call_server.h"
#include "xabi/host_dispatch.hpp"

namespace xabi::mutants {

class MutantHandler : public dispatch::ForwardingHandler {
 public:
  // `host` is the real host of the picoprocess and `config` what it was made from.
  MutantHandler(Id mutant, calls::CallServer& host, const calls::CallServerConfig& config);
  ~MutantHandler() override;

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

 private:
  // channel_limit_ignored: channels past LIMIT_CHANNELS live in a second host
  // of the same configuration, under ids kSpareBase.. kSpareBase + kSpares - 1.
  static constexpr int32_t kSpareBase = XABI_LIMIT_CHANNELS;
  static constexpr int32_t kSpares = 8;
  bool is_spare(int32_t channel) const { return spare_ && channel >= kSpareBase && channel < kSpareBase + kSpares; }
  template <class Open>
  int64_t open_channel(Open open);  // opens in the real host, else (when it is full) in the spare
  int64_t poll_both(std::span<xabi_pollfd> fds, uint32_t n, uint32_t block);

  Id mutant_;
  calls::CallServerConfig config_;
  calls::IntervalSet live_;        // alloc_overlap, free_partial_whole: the guest's allocations
  uint64_t last_ = 0;             // alloc_overlap: the previous allocation
  calls::IntervalSet past_quota_;  // alloc_ignores_quota: what it handed out beyond the quota
  std::unique_ptr<calls::CallServer> spare_;
};

// The loop hooks that put mutant `m` between the loop and each CallServer.
monitor::HostHooks mutant_host_hooks(Id m);

}  // namespace xabi::mutants
