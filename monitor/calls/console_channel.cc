#include "console_channel.h"

#include <unistd.h>

#include <cerrno>

#include "xabi/xabi.h"

namespace xabi::calls {

int ConsoleSink::write_all(const uint8_t* buf, size_t len) {
  std::lock_guard<std::mutex> g(mu_);
  while (len > 0) {
    const ssize_t n = ::write(fd_, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    buf += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

int64_t ConsoleChannel::read(uint8_t*, size_t) { return XABI_E_CLOSED; }

int64_t ConsoleChannel::write(const uint8_t* buf, size_t len) {
  return sink_.write_all(buf, len) == 0 ? static_cast<int64_t>(len) : XABI_E_IO;
}

uint32_t ConsoleChannel::poll(uint32_t events) {
  // Reads end at once (IN: end of stream) and writes are always taken.
  return events & (XABI_POLL_IN | XABI_POLL_OUT);
}

}  // namespace xabi::calls
