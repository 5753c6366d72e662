#include "channels.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xabi::ptrace_host {

Channels::~Channels() {
  for (Channel& c : table_)
    if (c.kind == Kind::kSocket) ::close(c.fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string Channels::open_listener() {
  if (o_.listen.empty()) return {};
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (o_.listen.size() >= sizeof a.sun_path) return "--listen: the path is too long";
  std::memcpy(a.sun_path, o_.listen.c_str(), o_.listen.size() + 1);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 64) != 0)
    return "--listen unix:" + o_.listen + ": " + std::strerror(errno);
  return {};
}

void Channels::watch(std::vector<pollfd>& fds) const {
  if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
  for (const Channel& c : table_)
    if (c.kind == Kind::kSocket) fds.push_back({c.fd, POLLIN | POLLRDHUP, 0});
}

int64_t Channels::add(Kind kind, int fd) {
  for (size_t i = 0; i < table_.size(); ++i) {
    if (table_[i].kind == Kind::kFree) {
      table_[i] = {kind, fd};
      return static_cast<int64_t>(i);
    }
  }
  if (fd >= 0) ::close(fd);
  return XABI_E_LIMIT;
}

Channels::Channel* Channels::find(int32_t ch) {
  if (ch < 0 || static_cast<size_t>(ch) >= table_.size() || table_[static_cast<size_t>(ch)].kind == Kind::kFree) return nullptr;
  return &table_[static_cast<size_t>(ch)];
}

int64_t Channels::accept() {
  if (listen_fd_ < 0) return XABI_E_UNSUPPORTED;
  const bool full = std::all_of(table_.begin(), table_.end(), [](const Channel& c) { return c.kind != Kind::kFree; });
  if (full) return XABI_E_LIMIT;
  const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? XABI_E_AGAIN : XABI_E_NO_RESOURCES;
  return add(Kind::kSocket, fd);
}

int64_t Channels::open_url(std::string_view, std::string_view) { return XABI_E_UNSUPPORTED; }

int64_t Channels::read(int32_t ch, dispatch::OutBytes& buf, uint64_t len) {
  Channel* c = find(ch);
  if (!c) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  if (c->kind == Kind::kConsole) return XABI_E_CLOSED;
  if (len == 0) return 0;
  const ssize_t n = recv(c->fd, buf.data, std::min<uint64_t>(len, buf.capacity), MSG_DONTWAIT);
  if (n > 0) {
    buf.size = static_cast<size_t>(n);
    return n;
  }
  if (n == 0) return XABI_E_CLOSED;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
  c->reset = true;
  return XABI_E_IO;
}

int64_t Channels::write(int32_t ch, std::span<const uint8_t> buf, uint64_t len) {
  Channel* c = find(ch);
  if (!c) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  if (len == 0) return 0;
  if (c->kind == Kind::kConsole) {
    // One write(2) per call: whole writes are not interleaved with another picoprocess's.
    size_t done = 0;
    while (done < buf.size()) {
      const ssize_t n = ::write(STDOUT_FILENO, buf.data() + done, buf.size() - done);
      if (n <= 0) return XABI_E_IO;
      done += static_cast<size_t>(n);
    }
    return static_cast<int64_t>(buf.size());
  }
  if (c->reset) return XABI_E_IO;
  const ssize_t n = send(c->fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) return n;
  return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno == EPIPE ? XABI_E_CLOSED : XABI_E_IO;
}

int64_t Channels::poll(std::span<xabi_pollfd> fds, uint32_t n) {
  if (n > XABI_LIMIT_POLL) return XABI_E_INVAL;
  for (const xabi_pollfd& f : fds)
    if (f.reserved) return XABI_E_INVAL;
  for (const xabi_pollfd& f : fds)
    if (!find(f.channel)) return XABI_E_BAD_CHANNEL;
  int64_t ready = 0;
  for (xabi_pollfd& f : fds) {
    Channel* c = find(f.channel);
    uint32_t ev = 0;
    if (c->kind == Kind::kConsole) {
      ev = (f.events & XABI_POLL_OUT) | (f.events & XABI_POLL_IN);  // writes always succeed; reads end at once
    } else {
      pollfd p{c->fd, static_cast<short>(((f.events & XABI_POLL_IN) ? POLLIN : 0) | ((f.events & XABI_POLL_OUT) ? POLLOUT : 0) | POLLRDHUP), 0};
      ::poll(&p, 1, 0);
      if (p.revents & POLLIN) ev |= XABI_POLL_IN;
      if (p.revents & POLLOUT) ev |= XABI_POLL_OUT;
      if (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) ev |= XABI_POLL_HUP;
      ev &= static_cast<uint32_t>(f.events | XABI_POLL_HUP);
    }
    f.revents = ev;
    if (ev) ++ready;
  }
  return ready;
}

int64_t Channels::close(int32_t ch) {
  Channel* c = find(ch);
  if (!c) return XABI_E_BAD_CHANNEL;
  if (c->kind == Kind::kSocket) ::close(c->fd);
  *c = Channel{};
  return 0;
}

int64_t Channels::console() {
  if (!o_.console) return XABI_E_UNSUPPORTED;
  return add(Kind::kConsole, -1);
}

}  // namespace xabi::ptrace_host
