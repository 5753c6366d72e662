#include "channels.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <iterator>
#include <cstring>

namespace xabi::ptrace_host {

Channels::~Channels() {
  for (Channel& c : table_)
    if (c.fd >= 0) ::close(c.fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string Channels::open_listener() {
  if (!o_.origin.empty()) {
    auto u = parse_url(o_.origin);
    if (!u || u->second != "/") return "--origin " + o_.origin + ": not an http://HOST[:PORT] origin";
    origin_ = u->first;
  }
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
    if (c.fd >= 0) fds.push_back({c.fd, POLLIN | POLLRDHUP, 0});
}

int64_t Channels::add(Channel c) {
  for (size_t i = 0; i < table_.size(); ++i) {
    if (table_[i].kind == Kind::kFree) {
      table_[i] = std::move(c);
      held_ += kChannelCost;  // callers checked spent() first
      return static_cast<int64_t>(i);
    }
  }
  if (c.fd >= 0) ::close(c.fd);
  return XABI_E_LIMIT;
}

Channels::Channel* Channels::find(int32_t ch) {
  if (ch < 0 || static_cast<size_t>(ch) >= table_.size() || table_[static_cast<size_t>(ch)].kind == Kind::kFree) return nullptr;
  return &table_[static_cast<size_t>(ch)];
}

int64_t Channels::accept() {
  if (listen_fd_ < 0) return XABI_E_UNSUPPORTED;
  if (spent()) return XABI_E_NO_RESOURCES;  // the pending connection stays pending
  const bool full = std::all_of(table_.begin(), table_.end(), [](const Channel& c) { return c.kind != Kind::kFree; });
  if (full) return XABI_E_LIMIT;
  const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? XABI_E_AGAIN : XABI_E_NO_RESOURCES;
  return add(Channel{Kind::kSocket, fd, false, {}, {}});
}

std::optional<std::pair<Channels::Origin, std::string>> Channels::parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() > XABI_LIMIT_URL || url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  for (const char ch : url)
    if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7f) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const size_t end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, end);
  std::string target = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (target[0] == '?') target = "/" + target;
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  Origin o;
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return std::nullopt;
    if (!after.empty()) port = after.substr(1);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    const unsigned long p = std::stoul(std::string(port));
    if (p == 0 || p > 65535) return std::nullopt;
    o.port = static_cast<uint16_t>(p);
  }
  for (const char ch : host) o.host.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  return std::make_pair(o, target);
}

int64_t Channels::open_url(std::string_view method, std::string_view url) {
  if (!origin_) return XABI_E_UNSUPPORTED;
  static const std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "DELETE"};
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) return XABI_E_INVAL;
  auto u = parse_url(url);
  if (!u) return XABI_E_INVAL;
  if (u->first.host != origin_->host || u->first.port != origin_->port) return XABI_E_ORIGIN;
  if (spent()) return XABI_E_NO_RESOURCES;
  Channel c{Kind::kUrl, -1, false, {}, {}};
  c.request = std::string(method) + " " + u->second + " HTTP/1.1\r\nHost: " + origin_->host + ":" +
              std::to_string(origin_->port) + "\r\nConnection: close\r\n";
  return add(std::move(c));
}

// The first read sends the request (a blocking connect and send to the
// origin, which is the picoprocess's own site) and the channel becomes the
// connection: the response's bytes are passed through as they arrive.
int64_t Channels::send_request(Channel& c) {
  const std::string body = std::move(c.body);
  held_ -= body.size();
  c.body.clear();
  const std::string msg = c.request + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  c.request.clear();
  std::string host = origin_->host;
  if (!host.empty() && host[0] == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), std::to_string(origin_->port).c_str(), &hints, &res) != 0) return XABI_E_IO;
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return XABI_E_IO;
  for (size_t done = 0; done < msg.size();) {
    const ssize_t n = send(fd, msg.data() + done, msg.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return XABI_E_IO;
    }
    done += static_cast<size_t>(n);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  c.fd = fd;
  return 0;
}

int64_t Channels::read(int32_t ch, dispatch::OutBytes& buf, uint64_t len) {
  Channel* c = find(ch);
  if (!c) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  if (len == 0) return 0;
  if (c->kind == Kind::kConsole) return XABI_E_CLOSED;
  if (c->reset) return XABI_E_IO;
  if (c->kind == Kind::kUrl && c->fd < 0) {
    if (send_request(*c) != 0) {
      c->reset = true;
      return XABI_E_IO;
    }
  }
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
  if (c->kind == Kind::kUrl) {
    if (c->fd >= 0) return XABI_E_STATE;  // the request was sent
    const uint64_t room = XABI_LIMIT_HOST_BYTES - held_;
    if (room == 0) return XABI_E_NO_RESOURCES;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(room, buf.size()));
    c->body.append(reinterpret_cast<const char*>(buf.data()), take);
    held_ += take;
    return static_cast<int64_t>(take);
  }
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
    // Polling a URL channel for IN sends its request, as a read does; then
    // the connection's readiness is the channel's.
    if (c->kind == Kind::kUrl && c->fd < 0 && !c->reset && (f.events & XABI_POLL_IN) && send_request(*c) != 0) c->reset = true;
    if (c->reset) {
      ev = (f.events & XABI_POLL_IN) | XABI_POLL_HUP;  // a read answers E_IO at once
    } else if (c->kind == Kind::kConsole || (c->kind == Kind::kUrl && c->fd < 0)) {
      // The console: writes succeed, reads end at once. A URL before its
      // request (polled for OUT only): writes are taken.
      ev = (f.events & XABI_POLL_OUT) | (f.events & XABI_POLL_IN);
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
  if (c->fd >= 0) ::close(c->fd);
  held_ -= c->body.size() + kChannelCost;
  *c = Channel{};
  return 0;
}

int64_t Channels::console() {
  if (!o_.console) return XABI_E_UNSUPPORTED;
  if (spent()) return XABI_E_NO_RESOURCES;
  return add(Channel{Kind::kConsole, -1, false, {}, {}});
}

}  // namespace xabi::ptrace_host
