// console_channel.h: a console channel. Each xabi_write becomes one whole
// write to the monitor's console sink (its standard output), so writes from
// different picoprocesses never interleave; reads are end of stream.
//
//   ConsoleSink out(STDOUT_FILENO);
//   ConsoleChannel ch(out);
#pragma once

#include <mutex>

#include "channel.h"

namespace xabi::calls {

// Shared by every console channel of a monitor.
class ConsoleSink {
 public:
  explicit ConsoleSink(int fd) : fd_(fd) {}
  // Writes all len bytes before any other writer may write (partial writes
  // to a pipe are continued). 0, or a negative errno.
  // NOTE: the sink is the operator's descriptor (left blocking, as it is
  // shared with the shell); a stalled reader of stdout stalls the console.
  int write_all(const uint8_t* buf, size_t len);

 private:
  int fd_;  // borrowed
  std::mutex mu_;
};

class ConsoleChannel : public Channel {
 public:
  explicit ConsoleChannel(ConsoleSink& sink) : sink_(sink) {}
  int64_t read(uint8_t*, size_t) override;
  int64_t write(const uint8_t* buf, size_t len) override;
  uint32_t poll(uint32_t events) override;

 private:
  ConsoleSink& sink_;
};

}  // namespace xabi::calls
