#include "stdio_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "xabi/xabi.h"

namespace xabi::calls {

std::unique_ptr<StdinChannel> StdinChannel::open(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return nullptr;
  if (S_ISSOCK(st.st_mode)) {
    UniqueFd d(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    return d ? std::unique_ptr<StdinChannel>(new StdinChannel(std::move(d), Kind::kSocket)) : nullptr;
  }
  if (S_ISFIFO(st.st_mode) || ::isatty(fd)) {
    // A new open file description: O_NONBLOCK on it leaves the one the
    // shell shares with us alone.
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    UniqueFd d(::open(self.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    return d ? std::unique_ptr<StdinChannel>(new StdinChannel(std::move(d), Kind::kNonBlocking)) : nullptr;
  }
  // A regular file, /dev/null, ...: reads return at once.
  UniqueFd d(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
  return d ? std::unique_ptr<StdinChannel>(new StdinChannel(std::move(d), Kind::kAlwaysReady)) : nullptr;
}

int64_t StdinChannel::read(uint8_t* buf, size_t len) {
  if (failed_) return XABI_E_IO;
  for (;;) {
    const ssize_t n = kind_ == Kind::kSocket ? ::recv(fd_.get(), buf, len, MSG_DONTWAIT) : ::read(fd_.get(), buf, len);
    if (n > 0) return n;
    if (n == 0) return XABI_E_CLOSED;  // not sticky: a terminal may give more after ^D
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    failed_ = true;
    return XABI_E_IO;
  }
}

int64_t StdinChannel::write(const uint8_t*, size_t) { return XABI_E_CLOSED; }

uint32_t StdinChannel::poll(uint32_t events) {
  if (failed_) return (events & XABI_POLL_IN) | XABI_POLL_HUP;
  if (kind_ == Kind::kAlwaysReady) return events & XABI_POLL_IN;
  pollfd p{fd_.get(), POLLIN, 0};
  if (::poll(&p, 1, 0) < 0) return 0;  // zero timeout: never blocks
  uint32_t rev = 0;
  // End of input (the writer gone) makes a read return at once: IN holds too.
  if ((events & XABI_POLL_IN) && (p.revents & (POLLIN | POLLHUP | POLLERR))) rev |= XABI_POLL_IN;
  if (p.revents & (POLLHUP | POLLERR)) rev |= XABI_POLL_HUP;
  return rev;
}

}  // namespace xabi::calls
