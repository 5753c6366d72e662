// Channels of the reference host; see ref_channels.h.
#include "ref_channels.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <httplib.h>
#include <thread>

#include "xabi/xabi.h"

namespace xabi::refhost {

int Channel::wake_fd = -1;
bool Channel::console_ok = true;

namespace {

// The picoprocess's host budget (one picoprocess per refhost process).
std::atomic<size_t> g_held{0};

// Charges up to n bytes that fit in LIMIT_HOST_BYTES; returns how many.
size_t charge(UrlJob& job, size_t n, bool all_or_nothing) {
  size_t cur = g_held.load();
  for (;;) {
    const size_t room = XABI_LIMIT_HOST_BYTES - std::min<size_t>(cur, XABI_LIMIT_HOST_BYTES);
    const size_t got = std::min(n, room);
    if (got == 0 || (all_or_nothing && got < n)) return 0;
    if (g_held.compare_exchange_weak(cur, cur + got)) {
      job.charged += got;
      return got;
    }
  }
}

int listen_on(int fd, const sockaddr* sa, socklen_t len) {
  if (::bind(fd, sa, len) != 0 || ::listen(fd, 64) != 0) {
    const int e = errno;
    ::close(fd);
    return -e;
  }
  return fd;
}

void wake_loop() {
  const uint64_t one = 1;
  if (Channel::wake_fd >= 0) (void)!::write(Channel::wake_fd, &one, sizeof one);
}

// Runs on a detached thread; `job` keeps the exchange alive if the channel closes.
void run_request(std::shared_ptr<UrlJob> job) {
  std::string response;
  bool ok = false;
  {
    httplib::Client cli(job->host, job->port);
    cli.set_connection_timeout(5, 0);
    cli.set_read_timeout(30, 0);
    cli.set_write_timeout(30, 0);
    cli.set_decompress(false);
    httplib::Request req;
    req.method = job->method;
    req.path = job->path;
    req.body = std::move(job->body);
    req.set_header("Accept-Encoding", "identity");
    // The whole response is held until read: beyond the budget it fails (E_IO).
    std::string body;
    req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
      if (charge(*job, len, true) != len) return false;
      body.append(data, len);
      return true;
    };
    if (auto res = cli.send(req)) {
      response = "HTTP/1.1 " + std::to_string(res->status) + " " + res->reason + "\r\n";
      for (const auto& [k, v] : res->headers) response += k + ": " + v + "\r\n";
      response += "\r\n";
      ok = charge(*job, response.size(), true) == response.size();
      response += body;
    }
  }
  {
    std::lock_guard<std::mutex> g(job->mu);
    job->response = std::move(response);
    job->phase = ok ? UrlJob::Phase::kDone : UrlJob::Phase::kFailed;
  }
  wake_loop();
}

void send_request(UrlJob& job, const std::shared_ptr<UrlJob>& self) {
  {
    std::lock_guard<std::mutex> g(job.mu);
    if (job.phase != UrlJob::Phase::kCollecting) return;
    job.phase = UrlJob::Phase::kSent;
  }
  try {
    std::thread(run_request, self).detach();
  } catch (const std::system_error&) {
    std::lock_guard<std::mutex> g(job.mu);
    job.phase = UrlJob::Phase::kFailed;
  }
}

uint32_t socket_bits(int fd) {
  pollfd p{fd, POLLIN | POLLOUT | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) < 0) return 0;
  uint32_t rev = 0;
  if (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) rev |= XABI_POLL_IN;
  if (p.revents & (POLLOUT | POLLHUP | POLLERR)) rev |= XABI_POLL_OUT;
  if (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) rev |= XABI_POLL_HUP;
  return rev;
}

uint32_t url_bits(UrlJob& job) {
  std::lock_guard<std::mutex> g(job.mu);
  switch (job.phase) {
    case UrlJob::Phase::kCollecting: return XABI_POLL_OUT;
    case UrlJob::Phase::kSent: return 0;
    case UrlJob::Phase::kDone:
      return XABI_POLL_IN | (job.read_off >= job.response.size() ? XABI_POLL_HUP : 0u);
    case UrlJob::Phase::kFailed: return XABI_POLL_IN | XABI_POLL_HUP;
  }
  return 0;
}

}  // namespace

UrlJob::~UrlJob() { g_held -= charged.load(); }

size_t held_bytes() { return g_held.load(); }

bool reserve_channel() {
  size_t cur = g_held.load();
  while (cur + kChannelCost <= XABI_LIMIT_HOST_BYTES)
    if (g_held.compare_exchange_weak(cur, cur + kChannelCost)) return true;
  return false;
}

void release_channel() { g_held -= kChannelCost; }

int open_listen(const std::string& spec) {
  if (spec.rfind("unix:", 0) == 0) {
    const std::string path = spec.substr(5);
    sockaddr_un sa{};
    if (path.empty() || path.size() >= sizeof sa.sun_path) return -EINVAL;
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    ::unlink(path.c_str());  // a stale socket file from an earlier run
    return listen_on(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  if (spec.rfind("tcp:", 0) == 0) {
    const std::string rest = spec.substr(4);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) return -EINVAL;
    std::string host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    addrinfo* res = nullptr;
    if (port.empty() || ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) return -EINVAL;
    int result = -EINVAL;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      const int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        result = -errno;
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      result = listen_on(fd, ai->ai_addr, ai->ai_addrlen);
      if (result >= 0) break;
    }
    ::freeaddrinfo(res);
    return result;
  }
  return -EINVAL;
}

int64_t Channel::read(uint8_t* buf, size_t len) {
  switch (kind) {
    case Kind::kConsole: return XABI_E_CLOSED;
    case Kind::kSocket: {
      if (failed) return XABI_E_IO;
      const ssize_t n = ::recv(fd, buf, len, MSG_DONTWAIT);
      if (n > 0) return n;
      if (n == 0) return XABI_E_CLOSED;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
      failed = true;
      return XABI_E_IO;
    }
    case Kind::kUrl: {
      send_request(*url, url);
      std::lock_guard<std::mutex> g(url->mu);
      switch (url->phase) {
        case UrlJob::Phase::kCollecting:
        case UrlJob::Phase::kSent: return 0;
        case UrlJob::Phase::kFailed: return XABI_E_IO;
        case UrlJob::Phase::kDone: break;
      }
      if (url->read_off >= url->response.size()) return XABI_E_CLOSED;
      const size_t n = std::min(len, url->response.size() - url->read_off);
      std::memcpy(buf, url->response.data() + url->read_off, n);
      url->read_off += n;
      return static_cast<int64_t>(n);
    }
  }
  return XABI_E_IO;
}

int64_t Channel::write(const uint8_t* buf, size_t len) {
  switch (kind) {
    case Kind::kConsole: {
      // One write per call where the kernel allows it, so a guest's line stays whole.
      size_t done = 0;
      while (done < len) {
        const ssize_t n = ::write(STDOUT_FILENO, buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return XABI_E_IO;
        done += static_cast<size_t>(n);
      }
      return static_cast<int64_t>(len);
    }
    case Kind::kSocket: {
      if (failed) return XABI_E_IO;
      const ssize_t n = ::send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) return n;
      if (n == 0) return 0;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOBUFS) return 0;
      if (errno == EPIPE) return XABI_E_CLOSED;
      failed = true;
      return XABI_E_IO;
    }
    case Kind::kUrl: {
      {
        std::lock_guard<std::mutex> g(url->mu);
        if (url->phase != UrlJob::Phase::kCollecting) return XABI_E_STATE;
      }
      const size_t n = charge(*url, len, false);
      if (n == 0) return XABI_E_NO_RESOURCES;  // LIMIT_HOST_BYTES are held already
      url->body.append(reinterpret_cast<const char*>(buf), n);
      return static_cast<int64_t>(n);
    }
  }
  return XABI_E_IO;
}

uint32_t Channel::readiness() const {
  switch (kind) {
    case Kind::kConsole: return XABI_POLL_IN | XABI_POLL_OUT;
    case Kind::kSocket: return socket_bits(fd);
    case Kind::kUrl: return url_bits(*url);
  }
  return 0;
}

uint32_t Channel::poll(uint32_t events) {
  if (kind == Kind::kUrl && (events & XABI_POLL_IN)) send_request(*url, url);
  const uint32_t bits = readiness();
  return (bits & events & (XABI_POLL_IN | XABI_POLL_OUT)) | (bits & XABI_POLL_HUP);
}

void Channel::close() {
  if (kind == Kind::kSocket && fd >= 0) ::close(fd);  // the kernel flushes what it holds
  fd = -1;
  url.reset();
}

}  // namespace xabi::refhost
