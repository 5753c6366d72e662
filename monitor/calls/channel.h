// channel.h: one open channel of a picoprocess, as the handler sees it. The
// handler has already applied the rules that do not depend on the kind
// (E_BAD_CHANNEL, E_INVAL for len over LIMIT_IO, len 0 -> 0), so these
// methods see 1 <= len <= XABI_LIMIT_IO and a valid buffer. None may block.
//
//   int64_t n = ch.read(buf, len);    // > 0, 0 not ready, E_CLOSED, E_IO
//   int64_t n = ch.write(buf, len);   // > 0, 0 not ready, E_CLOSED, E_IO, E_STATE
//   uint32_t rev = ch.poll(events);   // XABI_POLL_IN | OUT | HUP that hold now
#pragma once

#include <cstddef>
#include <cstdint>

namespace xabi::calls {

class Channel {
 public:
  virtual ~Channel() = default;
  virtual int64_t read(uint8_t* buf, size_t len) = 0;
  virtual int64_t write(const uint8_t* buf, size_t len) = 0;
  // Requested events that hold, plus XABI_POLL_HUP when the peer is gone.
  virtual uint32_t poll(uint32_t events) = 0;
  // A descriptor whose readiness the event loop should watch, or -1.
  virtual int watch_fd() const { return -1; }
};

}  // namespace xabi::calls
