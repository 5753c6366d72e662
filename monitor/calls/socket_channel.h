// socket_channel.h: an accepted connection (a non-blocking stream socket
// the channel owns). Reads and writes never block: EAGAIN is "not ready" (0),
// end of stream and EPIPE are E_CLOSED, a reset or any other failure E_IO.
//
//   SocketChannel ch(UniqueFd(accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)));
#pragma once

#include "channel.h"
#include "xabi/unique_fd.h"

namespace xabi::calls {

class SocketChannel : public Channel {
 public:
  explicit SocketChannel(UniqueFd fd) : fd_(std::move(fd)) {}
  int64_t read(uint8_t* buf, size_t len) override;
  int64_t write(const uint8_t* buf, size_t len) override;
  uint32_t poll(uint32_t events) override;
  int watch_fd() const override { return fd_.get(); }

 private:
  UniqueFd fd_;
  bool failed_ = false;  // a reset was seen: every later call says E_IO
};

}  // namespace xabi::calls
