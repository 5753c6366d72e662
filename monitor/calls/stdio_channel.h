// stdio_channel.h: the host's own standard streams lent to a picoprocess
// (xabi_stdio, capability `stdio`). Stream 1 and 2 are console-like sinks on
// the host's fds 1 and 2; stream 0 is a StdinChannel reading the host's fd 0
// without ever blocking the monitor:
//   - a regular file is read directly (a read of a file never blocks) at the
//     shared offset, so `(head -c1; xabi-host run ...) < file` continues it;
//   - a pipe, FIFO or terminal is reopened through /proc/self/fd/0 with
//     O_NONBLOCK, a description of its own, so the shell's fd 0 stays blocking;
//   - a socket is read with MSG_DONTWAIT;
//   - anything else (/dev/null) is always ready, as poll(2) says of it.
//
//   StdStreams s;                                   // fds 0, 1, 2 of this process
//   auto in = StdinChannel::open(s.in_fd);          // nullptr: no descriptor could be made
//   ConsoleChannel out(s.out);
#pragma once

#include <memory>

#include "channel.h"
#include "console_channel.h"
#include "xabi/unique_fd.h"

namespace xabi::calls {

// Shared by every stdio channel of a monitor.
struct StdStreams {
  int in_fd = 0;
  ConsoleSink out{1};
  ConsoleSink err{2};
};

class StdinChannel : public Channel {
 public:
  static std::unique_ptr<StdinChannel> open(int fd);
  int64_t read(uint8_t* buf, size_t len) override;
  int64_t write(const uint8_t* buf, size_t len) override;  // E_CLOSED: input only
  uint32_t poll(uint32_t events) override;
  int watch_fd() const override { return kind_ == Kind::kAlwaysReady ? -1 : fd_.get(); }

 private:
  enum class Kind { kAlwaysReady, kNonBlocking, kSocket };
  StdinChannel(UniqueFd fd, Kind kind) : fd_(std::move(fd)), kind_(kind) {}
  UniqueFd fd_;
  Kind kind_;
  bool failed_ = false;  // a read error: every later read says E_IO
};

}  // namespace xabi::calls
