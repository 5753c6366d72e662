// channels.h: xabi-ptrace's channel table: accepted unix-socket connections
// and the console, all held by the monitor (the picoprocess has no
// descriptors). Every call is non-blocking, as the ABI says.
#pragma once

#include <poll.h>

#include <array>
#include <optional>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "monitor.h"
#include "xabi/host_dispatch.hpp"
#include "xabi/xabi.h"

namespace xabi::ptrace_host {

class Channels {
 public:
  explicit Channels(const Options& o) : o_(o) {}
  ~Channels();
  Channels(const Channels&) = delete;
  Channels& operator=(const Channels&) = delete;

  // Binds --listen and parses --origin, if given; the reason on failure, else empty.
  std::string open_listener();
  // Adds what a waiter on alarms()->channels waits for: a pending connection, readable bytes, a hang-up.
  void watch(std::vector<pollfd>& fds) const;

  int64_t accept();
  int64_t open_url(std::string_view method, std::string_view url);
  int64_t read(int32_t ch, dispatch::OutBytes& buf, uint64_t len);
  int64_t write(int32_t ch, std::span<const uint8_t> buf, uint64_t len);
  int64_t poll(std::span<xabi_pollfd> fds, uint32_t n);
  int64_t close(int32_t ch);
  int64_t console();

 private:
  enum class Kind { kFree, kSocket, kConsole, kUrl };
  struct Channel {
    Kind kind = Kind::kFree;
    int fd = -1;         // kUrl: -1 until the first read sends the request
    bool reset = false;  // the peer reset the connection: E_IO from now on
    std::string request; // kUrl before sending: request line and headers; body held in `body`
    std::string body;
  };
  struct Origin {
    std::string host;  // lower case; brackets kept for IPv6
    uint16_t port = 80;
  };
  int64_t add(Channel c);
  Channel* find(int32_t ch);
  // What each open channel is counted at against LIMIT_HOST_BYTES (its table
  // entry and descriptor), given back when it closes.
  static constexpr uint64_t kChannelCost = 4096;
  // No room for one more channel.
  bool spent() const { return held_ + kChannelCost > XABI_LIMIT_HOST_BYTES; }
  int64_t send_request(Channel& c);
  // Parses an absolute http:// URL: its origin and the request target (no fragment); nullopt if invalid.
  static std::optional<std::pair<Origin, std::string>> parse_url(std::string_view url);

  const Options& o_;
  int listen_fd_ = -1;
  std::optional<Origin> origin_;
  uint64_t held_ = 0;  // bytes held for the picoprocess (LIMIT_HOST_BYTES): channels and request bodies
  std::array<Channel, XABI_LIMIT_CHANNELS> table_{};
};

}  // namespace xabi::ptrace_host
