#include "call_server.h"

#include <sys/socket.h>

#include <cerrno>

#include "mutant.h"
#include "socket_channel.h"
#include "url_channel.h"

namespace xabi::calls {

std::optional<HttpUrl> parse_origin(std::string_view origin) {
  auto u = parse_http_url(origin);
  if (!u || u->path != "/") return std::nullopt;
  return u;
}

CallServer::CallServer(const CallServerConfig& c)
    : cfg_(c),
      origin_(c.origin.empty() || !c.fetcher ? std::nullopt : parse_origin(c.origin)),
      puncher_(c.arena_fd),
      arena_(c.arena_base, c.arena_size, c.puncher ? *c.puncher : puncher_),
      words_(c.alarms) {}

CallServer::~CallServer() { close_all_channels(); }

uint64_t CallServer::alloc(uint64_t len) { return arena_.alloc(len); }

int64_t CallServer::free(uint64_t base, uint64_t len) { return arena_.free(base, len); }

int64_t CallServer::alarm_set(uint64_t deadline) {
  // The rules allow only 0; a timerfd failure is a host failure, reported.
  if (!timer_.valid() || timer_.set(deadline) != 0) ++host_failures_;
  return 0;
}

// The caller checked chans_.full() and can_open() first; install takes the
// channel's share of the budget, close() gives it back.
int64_t CallServer::install(std::unique_ptr<Channel> ch) {
  const int wfd = ch->watch_fd();
  if (wfd >= 0 && cfg_.watcher && cfg_.watcher->watch(wfd) != 0) return XABI_E_NO_RESOURCES;
  if (!budget_.take(kChannelCost)) return XABI_E_NO_RESOURCES;
  return chans_.add(std::move(ch));
}

bool CallServer::can_open(size_t extra) const {
  return budget_.used() + kChannelCost + extra <= budget_.limit();
}

int64_t CallServer::accept() {
  if (cfg_.listen_fd < 0) return XABI_E_UNSUPPORTED;
  if (chans_.full()) return XABI_E_LIMIT;
  if (!can_open(0)) return XABI_E_NO_RESOURCES;  // before accept4: the connection stays pending
  for (;;) {
    const int fd = ::accept4(cfg_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return install(std::make_unique<SocketChannel>(UniqueFd(fd)));
    switch (errno) {
      case EINTR:
        continue;
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
        return XABI_E_NO_RESOURCES;
      default:  // EAGAIN, and a connection that died before we took it
        return XABI_E_AGAIN;
    }
  }
}

int64_t CallServer::open_url(std::string_view method, std::string_view url) {
  if (!origin_) return XABI_E_UNSUPPORTED;
  // The decoded strings hold at most LIMIT + 1 bytes: LIMIT + 1 means too long.
  if (method.size() > XABI_LIMIT_METHOD || !http_method_ok(method)) return XABI_E_INVAL;
  if (url.size() > XABI_LIMIT_URL) return XABI_E_INVAL;
  auto u = parse_http_url(url);
  if (!u) return XABI_E_INVAL;
  if (!same_origin(*u, *origin_) && !XABI_MUTANT(open_url_cross_origin)) return XABI_E_ORIGIN;
  if (chans_.full()) return XABI_E_LIMIT;
  // Its response window comes out of the picoprocess's host budget now, so
  // the request can never need more host memory than was granted here.
  if (!can_open(UrlChannel::kWindow) || !budget_.take(UrlChannel::kWindow)) return XABI_E_NO_RESOURCES;
  HttpRequest req{u->host, u->port, std::string(method), u->path, {}};
  return install(std::make_unique<UrlChannel>(*cfg_.fetcher, cfg_.owner, budget_, std::move(req)));
}

int64_t CallServer::read(int32_t channel, dispatch::OutBytes& buf, uint64_t len) {
  Channel* ch = chans_.get(channel);
  if (!ch) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  if (len == 0) return 0;
  const size_t room = std::min<size_t>(len, buf.capacity);
  const int64_t n = ch->read(buf.data, room);
  buf.size = n > 0 ? static_cast<size_t>(n) : 0;
  return n;
}

int64_t CallServer::write(int32_t channel, std::span<const uint8_t> buf, uint64_t len) {
  Channel* ch = chans_.get(channel);
  if (!ch) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;  // the frame then carries no bytes
  if (len == 0) return 0;
  return ch->write(buf.data(), std::min<size_t>(len, buf.size()));
}

int64_t CallServer::poll(std::span<xabi_pollfd> fds, uint32_t n, uint32_t) {
  // block is the PAL's business: the host answers with what holds now.
  if (n > XABI_LIMIT_POLL) return XABI_E_INVAL;
  if (n == 0) return 0;
  if (fds.size() < n) return XABI_E_INVAL;  // dispatch guarantees n entries; defensive
  for (uint32_t i = 0; i < n; ++i)
    if (fds[i].reserved != 0) return XABI_E_INVAL;
  for (uint32_t i = 0; i < n; ++i)
    if (!chans_.get(fds[i].channel)) return XABI_E_BAD_CHANNEL;
  int64_t ready = 0;
  for (uint32_t i = 0; i < n; ++i) {
    fds[i].revents = chans_.get(fds[i].channel)->poll(fds[i].events & (XABI_POLL_IN | XABI_POLL_OUT));
    if (fds[i].revents) ++ready;
  }
  return ready;
}

int64_t CallServer::close(int32_t channel) {
  auto ch = chans_.take(channel);
  if (!ch) return XABI_E_BAD_CHANNEL;
  budget_.give(kChannelCost);
  if (ch->watch_fd() >= 0 && cfg_.watcher) cfg_.watcher->unwatch(ch->watch_fd());
  return 0;  // the channel's destructor closes its socket; the kernel flushes what it can
}

int64_t CallServer::console() {
  if (!cfg_.console) return XABI_E_UNSUPPORTED;
  if (chans_.full()) return XABI_E_LIMIT;
  if (!can_open(0)) return XABI_E_NO_RESOURCES;
  return install(std::make_unique<ConsoleChannel>(*cfg_.console));
}

int64_t CallServer::stdio(uint32_t stream) {
  if (!cfg_.stdio) return XABI_E_UNSUPPORTED;
  if (stream >= XABI_STDIO_STREAMS) return XABI_E_INVAL;
  if (chans_.full()) return XABI_E_LIMIT;
  if (!can_open(0)) return XABI_E_NO_RESOURCES;
  if (stream == 0) {
    auto in = StdinChannel::open(cfg_.stdio->in_fd);
    return in ? install(std::move(in)) : XABI_E_NO_RESOURCES;
  }
  return install(std::make_unique<ConsoleChannel>(stream == 1 ? cfg_.stdio->out : cfg_.stdio->err));
}

void CallServer::on_timer() {
  if (timer_.consume()) words_.bump_clock();
}

void CallServer::on_channel_event() {
  if (XABI_MUTANT(channels_word_not_bumped)) return;
  words_.bump_channels();
}

void CallServer::close_all_channels() {
  for (int32_t i = 0; i < static_cast<int32_t>(ChannelTable::kSize); ++i)
    if (chans_.get(i)) close(i);
}

}  // namespace xabi::calls
