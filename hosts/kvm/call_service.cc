#include "call_service.h"

#include "url_channel.h"

#include <linux/futex.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace xabi::kvm {

void bump_and_wake(uint32_t* word) {
  __atomic_add_fetch(word, 1, __ATOMIC_SEQ_CST);
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

namespace {

// A connection taken from the listen endpoint.
class SocketChannel : public CallService::Channel {
 public:
  explicit SocketChannel(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const override { return fd_.get(); }
  int64_t read(uint8_t* buf, size_t len) override {
    if (broken_) return XABI_E_IO;
    for (;;) {
      const ssize_t n = ::recv(fd_.get(), buf, len, MSG_DONTWAIT);
      if (n > 0) return n;
      if (n == 0) return XABI_E_CLOSED;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      broken_ = true;
      return XABI_E_IO;
    }
  }
  int64_t write(const uint8_t* buf, size_t len) override {
    if (broken_) return XABI_E_IO;
    for (;;) {
      const ssize_t n = ::send(fd_.get(), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == EPIPE) return XABI_E_CLOSED;
      broken_ = true;
      return XABI_E_IO;
    }
  }
  uint32_t poll(uint32_t events) override {
    pollfd p{fd_.get(), POLLIN | POLLOUT | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) < 0) return 0;
    const bool gone = broken_ || (p.revents & (POLLHUP | POLLERR | POLLRDHUP));
    uint32_t rev = gone ? XABI_POLL_HUP : 0;
    // A read at end of stream or after an error returns at once: IN holds.
    if ((events & XABI_POLL_IN) && ((p.revents & POLLIN) || gone)) rev |= XABI_POLL_IN;
    if ((events & XABI_POLL_OUT) && ((p.revents & POLLOUT) || (p.revents & (POLLHUP | POLLERR)))) rev |= XABI_POLL_OUT;
    return rev;
  }

 private:
  UniqueFd fd_;
  bool broken_ = false;
};

// The host's standard output. Reads end at once; writes are taken whole.
class ConsoleChannel : public CallService::Channel {
 public:
  int64_t read(uint8_t*, size_t) override { return XABI_E_CLOSED; }
  int64_t write(const uint8_t* buf, size_t len) override {
    for (size_t done = 0; done < len;) {
      const ssize_t n = ::write(STDOUT_FILENO, buf + done, len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return XABI_E_IO;
      done += static_cast<size_t>(n);
    }
    return static_cast<int64_t>(len);
  }
  uint32_t poll(uint32_t events) override { return events & (XABI_POLL_IN | XABI_POLL_OUT); }
};

}  // namespace

CallService::CallService(const Config& c)
    : cfg_(c),
      origin_(parse_origin(c.origin)),
      timer_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      stop_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!timer_ || !epoll_ || !stop_) return;
  // Readable only: an eventfd is always writable.
  auto watch = [&](int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.fd = fd;
    return epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
  };
  if (!watch(timer_.get()) || !watch(stop_.get()) || (cfg_.listen_fd >= 0 && !watch(cfg_.listen_fd))) return;
  events_ = std::thread([this] { event_loop(); });
}

CallService::~CallService() {
  if (events_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    events_.join();
  }
}

bool CallService::ready(std::string* why) const {
  if (!timer_ || !epoll_ || !stop_ || !events_.joinable()) {
    *why = "the alarm timer, epoll or the event thread could not be set up";
    return false;
  }
  return true;
}

void CallService::event_loop() {
  epoll_event evs[32];
  for (;;) {
    const int n = epoll_wait(epoll_.get(), evs, 32, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    bool channels = false;
    for (int i = 0; i < n; ++i) {
      const int fd = evs[i].data.fd;
      if (fd == stop_.get()) return;
      if (fd == timer_.get()) {
        uint64_t expirations = 0;
        if (::read(timer_.get(), &expirations, sizeof expirations) == sizeof expirations && cfg_.alarms)
          bump_and_wake(&cfg_.alarms->clock);
      } else {
        channels = true;
      }
    }
    if (channels && cfg_.alarms) bump_and_wake(&cfg_.alarms->channels);
  }
}

dispatch::Dispatched CallService::serve(std::span<const uint8_t> request, std::span<uint8_t> response) {
  std::lock_guard<std::mutex> g(mu_);
  return dispatch::dispatch(request, *this, response);
}

uint64_t CallService::alloc(uint64_t len) { return cfg_.space->alloc(len); }

int64_t CallService::free(uint64_t base, uint64_t len) { return cfg_.space->free(base, len); }

int64_t CallService::alarm_set(uint64_t deadline) {
  // 0 cancels; a deadline already past fires at once (TFD_TIMER_ABSTIME
  // with a past time expires immediately; 1 ns stands in for "now").
  itimerspec t{};
  if (deadline != 0) {
    t.it_value.tv_sec = static_cast<time_t>(deadline / 1000000000ull);
    t.it_value.tv_nsec = static_cast<long>(deadline % 1000000000ull);
  }
  (void)timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &t, nullptr);
  return 0;
}

int64_t CallService::install(std::unique_ptr<Channel> ch) {
  if (host_bytes_ + ch->host_bytes() > XABI_LIMIT_HOST_BYTES) return XABI_E_NO_RESOURCES;
  int32_t id = 0;
  while (channels_.count(id)) ++id;  // the lowest free id; the caller checked the table's room
  if (ch->fd() >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.fd = ch->fd();
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, ch->fd(), &ev) != 0) return XABI_E_NO_RESOURCES;
  }
  host_bytes_ += ch->host_bytes();
  channels_[id] = std::move(ch);
  return id;
}

int64_t CallService::accept() {
  if (cfg_.listen_fd < 0) return XABI_E_UNSUPPORTED;
  if (channels_.size() >= XABI_LIMIT_CHANNELS) return XABI_E_LIMIT;
  if (host_bytes_ + kChannelCost > XABI_LIMIT_HOST_BYTES) return XABI_E_NO_RESOURCES;  // the connection stays pending
  for (;;) {
    const int fd = ::accept4(cfg_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return install(std::make_unique<SocketChannel>(UniqueFd(fd)));
    if (errno == EINTR) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) return XABI_E_NO_RESOURCES;
    return XABI_E_AGAIN;  // none pending, or one that died before we took it
  }
}

int64_t CallService::open_url(std::string_view method, std::string_view url) {
  if (!origin_) return XABI_E_UNSUPPORTED;
  // The decoded strings hold at most LIMIT + 1 bytes: LIMIT + 1 means too long.
  if (method.size() > XABI_LIMIT_METHOD || !method_ok(method) || url.size() > XABI_LIMIT_URL) return XABI_E_INVAL;
  std::optional<Url> u = parse_url(url);
  if (!u) return XABI_E_INVAL;
  if (u->host != origin_->host || u->port != origin_->port) return XABI_E_ORIGIN;
  if (channels_.size() >= XABI_LIMIT_CHANNELS) return XABI_E_LIMIT;
  if (url_workers_->load() >= UrlChannel::kMaxWorkers) return XABI_E_NO_RESOURCES;
  struct ::xabi_alarms* alarms = cfg_.alarms;
  auto ch = std::make_unique<UrlChannel>(UrlChannel::Request{*u, std::string(method)}, &host_bytes_, url_workers_, [alarms] {
    if (alarms) bump_and_wake(&alarms->channels);
  });
  return install(std::move(ch));
}

int64_t CallService::read(int32_t channel, dispatch::OutBytes& buf, uint64_t len) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  if (len == 0) return 0;
  const int64_t n = it->second->read(buf.data, std::min<size_t>(len, buf.capacity));
  buf.size = n > 0 ? static_cast<size_t>(n) : 0;
  return n;
}

int64_t CallService::write(int32_t channel, std::span<const uint8_t> buf, uint64_t len) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  if (len == 0) return 0;
  return it->second->write(buf.data(), std::min<size_t>(len, buf.size()));
}

int64_t CallService::poll(std::span<xabi_pollfd> fds, uint32_t n, uint32_t) {
  // The host answers what holds now; blocking is the PAL's (pal/kvm).
  if (n > XABI_LIMIT_POLL || fds.size() < n) return XABI_E_INVAL;
  for (uint32_t i = 0; i < n; ++i)
    if (fds[i].reserved != 0) return XABI_E_INVAL;
  for (uint32_t i = 0; i < n; ++i)
    if (!channels_.count(fds[i].channel)) return XABI_E_BAD_CHANNEL;
  int64_t ready = 0;
  for (uint32_t i = 0; i < n; ++i) {
    fds[i].revents = channels_[fds[i].channel]->poll(fds[i].events & (XABI_POLL_IN | XABI_POLL_OUT));
    if (fds[i].revents) ++ready;
  }
  return ready;
}

int64_t CallService::close(int32_t channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return XABI_E_BAD_CHANNEL;
  if (it->second->fd() >= 0) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second->fd(), nullptr);
  host_bytes_ -= it->second->host_bytes();
  channels_.erase(it);
  return 0;
}

int64_t CallService::console() {
  if (!cfg_.console) return XABI_E_UNSUPPORTED;
  if (channels_.size() >= XABI_LIMIT_CHANNELS) return XABI_E_LIMIT;
  return install(std::make_unique<ConsoleChannel>());
}

}  // namespace xabi::kvm
