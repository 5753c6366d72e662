// call_service.h: the KVM host's side of every HOST call (the generated
// xabi::dispatch::Handler) for one picoprocess: memory from its GuestSpace,
// channels (accepted connections, the console, same-origin URL requests),
// the alarm and the alarm words. Its own code: it shares nothing with the
// seccomp host's monitor/calls.
//
// Calls arrive on several threads (the ring server and vCPU threads serving
// a slot themselves): serve() takes one lock around the decode and the
// handler. An event thread watches the alarm's timerfd, the listen socket
// and every channel (edge-triggered epoll) and bumps the alarm words, then
// wakes their waiters, only after what it announces is visible to a poll.
//
//   CallService s({&space, &ro->alarms, listen_fd, /*console=*/true, origin});
//   xabi::dispatch::Dispatched d = s.serve(request_copy, response);
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "guest_space.h"
#include "url.h"
#include "xabi/host_dispatch.hpp"
#include "xabi/xabi.h"
#include "xabi/unique_fd.h"

namespace xabi::kvm {

// Wakes every thread blocked on the host's mapping of a guest word, after
// bumping it (the alarm words' contract).
void bump_and_wake(uint32_t* word);


class CallService : public dispatch::Handler {
 public:
  struct Config {
    GuestSpace* space = nullptr;
    struct ::xabi_alarms* alarms = nullptr;  // the host's view of the guest's read-only alarm words
    int listen_fd = -1;             // borrowed; -1: no listen endpoint
    bool console = true;
    std::string origin;             // "http://host[:port]"; empty: none
  };
  // The bytes of host memory each open channel is counted at against
  // LIMIT_HOST_BYTES (its table entry, object and epoll registration).
  static constexpr uint64_t kChannelCost = 4096;

  explicit CallService(const Config& c);
  ~CallService() override;
  CallService(const CallService&) = delete;
  CallService& operator=(const CallService&) = delete;

  // False (with the reason) when the timerfd, epoll or event thread could not be had.
  bool ready(std::string* why) const;
  // Decodes one request frame (already copied out of guest memory), serves
  // it, encodes the response.
  dispatch::Dispatched serve(std::span<const uint8_t> request, std::span<uint8_t> response);

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
  int64_t stdio(uint32_t) override { return XABI_E_UNSUPPORTED; }  // no `stdio` capability (yet)

  class Channel {
   public:
    virtual ~Channel() = default;
    // 1 <= len <= LIMIT_IO; never block.
    virtual int64_t read(uint8_t* buf, size_t len) = 0;
    virtual int64_t write(const uint8_t* buf, size_t len) = 0;
    virtual uint32_t poll(uint32_t events) = 0;  // XABI_POLL_IN | OUT | HUP that hold now
    virtual int fd() const { return -1; }       // watched for readiness, or -1
    virtual uint64_t host_bytes() const { return kChannelCost; }
  };

 private:
  int64_t install(std::unique_ptr<Channel> ch);
  void event_loop();

  Config cfg_;
  std::optional<Url> origin_;
  std::mutex mu_;
  std::map<int32_t, std::unique_ptr<Channel>> channels_;
  uint64_t host_bytes_ = 0;  // held for the picoprocess, against LIMIT_HOST_BYTES
  std::shared_ptr<std::atomic<int>> url_workers_ = std::make_shared<std::atomic<int>>(0);
  UniqueFd timer_, epoll_, stop_;
  std::thread events_;
};

}  // namespace xabi::kvm
