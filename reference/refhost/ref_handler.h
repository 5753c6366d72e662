// ref_handler.h: the reference host's answer to every HOST call, with the
// reference model as its bookkeeping. Each answer is decided from the model's
// state (memory map, channel set), then checked with Model::check before it is
// given; a refusal is a bug in the refhost and ends it (exit 70).
//
//   alloc   the lowest-addressed page range of the arena the model's `mem`
//           does not cover, within the quota; the pages are punched out of
//           the arena memfd first, so they read as zero
//   free    the model's rule, then the pages are punched (zero on reuse)
//   channel ids: the lowest id not in the model's `chan`
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <poll.h>
#include <string>

#include "ref_channels.h"
#include "reference/model.h"
#include "xabi/host_dispatch.hpp"

namespace xabi::refhost {

struct HandlerConfig {
  uint64_t quota = 0;       // --memory
  uint64_t arena_base = 0;  // guest address of the arena
  uint64_t arena_size = 0;
  int arena_fd = -1;
  int listen_fd = -1;       // -1: no --listen
  std::string origin;       // empty: no --origin
  bool console = true;      // false: --no-console
};

class RefHandler final : public xabi::dispatch::Handler {
 public:
  explicit RefHandler(const HandlerConfig& c);
  ~RefHandler() override;

  uint64_t alloc(uint64_t len) override;
  int64_t free(uint64_t base, uint64_t len) override;
  int64_t alarm_set(uint64_t deadline) override;
  int64_t accept() override;
  int64_t open_url(std::string_view method, std::string_view url) override;
  int64_t read(int32_t channel, xabi::dispatch::OutBytes& buf, uint64_t len) override;
  int64_t write(int32_t channel, std::span<const uint8_t> buf, uint64_t len) override;
  int64_t poll(std::span<xabi_pollfd> fds, uint32_t n, uint32_t block) override;
  int64_t close(int32_t channel) override;
  int64_t console() override;
  int64_t stdio(uint32_t stream) override;  // E_UNSUPPORTED: the reference host lends no streams

  // The alarm deadline (CLOCK_MONOTONIC ns), 0 when none; the loop fires it.
  uint64_t alarm_deadline() const { return alarm_; }
  void alarm_fired() { alarm_ = 0; }
  // One value per open channel plus the listen endpoint: when it changes,
  // some channel may have become ready (the loop bumps alarms->channels).
  std::string readiness_signature() const;
  // Adds what the loop should sleep on: each socket channel for the events
  // that do not hold yet (none once it reports POLL_HUP), and the listen
  // endpoint while no connection is pending.
  void add_watches(std::vector<pollfd>& out) const;
  const xabi::ref::Model& model() const { return model_; }
  uint64_t calls() const { return calls_; }

 private:
  // Checks (call, args, result) with the model; never returns on refusal.
  // Ends the refhost (status 70) if the model refuses its own answer.
  void verify(const xabi::ref::Verdict& v);
  int32_t lowest_free_id() const;
  bool channels_full() const;
  void add_channel(int32_t id, Channel c);  // after verify() accepted the id
  Channel* find(int32_t id);

  HandlerConfig cfg_;
  xabi::ref::Model model_;
  std::map<int32_t, Channel> chans_;
  uint64_t alarm_ = 0;
  uint64_t calls_ = 0;
};

}  // namespace xabi::refhost
