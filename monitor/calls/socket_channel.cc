#include "socket_channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "xabi/xabi.h"

namespace xabi::calls {

int64_t SocketChannel::read(uint8_t* buf, size_t len) {
  if (failed_) return XABI_E_IO;
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buf, len, MSG_DONTWAIT);
    if (n > 0) return n;
    if (n == 0) return XABI_E_CLOSED;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    failed_ = true;
    return XABI_E_IO;
  }
}

int64_t SocketChannel::write(const uint8_t* buf, size_t len) {
  if (failed_) return XABI_E_IO;
  for (;;) {
    // MSG_NOSIGNAL: a closed peer is EPIPE, not a SIGPIPE in the monitor.
    const ssize_t n = ::send(fd_.get(), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    if (errno == EPIPE) return XABI_E_CLOSED;
    failed_ = true;
    return XABI_E_IO;
  }
}

uint32_t SocketChannel::poll(uint32_t events) {
  pollfd p{fd_.get(), POLLIN | POLLOUT | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) < 0) return 0;  // zero timeout: never blocks
  uint32_t rev = 0;
  // End of stream and errors make a read return at once, so IN holds too.
  if ((events & XABI_POLL_IN) && (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) rev |= XABI_POLL_IN;
  if ((events & XABI_POLL_OUT) && (p.revents & (POLLOUT | POLLHUP | POLLERR))) rev |= XABI_POLL_OUT;
  if (failed_ || (p.revents & (POLLHUP | POLLERR | POLLRDHUP))) rev |= XABI_POLL_HUP;
  return rev;
}

}  // namespace xabi::calls
