// The reference host's HOST calls; see ref_handler.h.
#include "ref_handler.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>

#include "reference/prims.h"
#include "xabi/model_calls.hpp"
#include "xabi/xabi.h"

namespace xabi::refhost {

using xabi::ref::Arg;
using xabi::ref::Int;

namespace {

constexpr uint64_t kPage = XABI_PAGE;

xabi::ref::ModelConfig model_config(const HandlerConfig& c) {
  xabi::ref::ModelConfig m;
  m.quota = c.quota;
  m.caps.listen = c.listen_fd >= 0;
  m.caps.origin = !c.origin.empty();
  m.caps.console = c.console;
  m.origin = c.origin;
  return m;
}

// Pointer arguments of buffers the dispatch copied. The host never sees the
// guest's address (the PAL checked it and answered E_FAULT itself when it was
// not guest memory), so the model is shown one that is neither "never guest
// memory" nor memory from xabi_alloc: the first page above the NULL page,
// which no arena reaches.
constexpr xabi::ref::Int kNoPtr = XABI_PAGE;

}  // namespace

RefHandler::RefHandler(const HandlerConfig& c) : cfg_(c), model_(model_config(c)) {}

RefHandler::~RefHandler() {
  for (auto& [id, ch] : chans_) ch.close();
}

void RefHandler::verify(const xabi::ref::Verdict& v) {
  ++calls_;
  if (v.ok()) return;
  std::cerr << "xabi-refhost: internal error: the reference model refuses the refhost's own answer to "
            << v.call << ":\n  " << v.message << std::endl;
  std::_Exit(70);
}

int32_t RefHandler::lowest_free_id() const {
  const auto& ids = model_.state().chan.ids();
  int32_t id = 0;
  for (Int used : ids) {  // sorted ascending
    if (used < id) continue;
    if (used != id) break;
    ++id;
  }
  return id;
}

bool RefHandler::channels_full() const {
  return model_.state().chan.count() >= static_cast<Int>(XABI_LIMIT_CHANNELS);
}

void RefHandler::add_channel(int32_t id, Channel c) { chans_[id] = std::move(c); }

Channel* RefHandler::find(int32_t id) {
  if (!model_.state().chan.contains(id)) return nullptr;
  auto it = chans_.find(id);
  if (it == chans_.end()) {  // the model and our table disagree: our bug
    std::cerr << "xabi-refhost: internal error: channel " << id << " is open in the model but not in the table\n";
    std::_Exit(70);
  }
  return &it->second;
}

// ---- memory

uint64_t RefHandler::alloc(uint64_t len) {
  uint64_t result = 0;
  if (len != 0 && len <= XABI_LIMIT_ALLOC) {
    const uint64_t need = (len + kPage - 1) & ~(kPage - 1);
    const auto& mem = model_.state().mem;
    if (mem.total() + need <= static_cast<Int>(cfg_.quota)) {
      // Lowest gap in the arena that the model's memory map leaves.
      const Int arena_end = static_cast<Int>(cfg_.arena_base) + cfg_.arena_size;
      Int at = cfg_.arena_base;
      for (const auto& [lo, hi] : mem.ranges()) {
        if (hi <= at) continue;
        if (lo >= at + need) break;
        at = hi;
      }
      if (at + need <= arena_end) result = static_cast<uint64_t>(at);
    }
    // Zero-filled whatever the guest scribbled there before.
    if (result != 0 &&
        ::fallocate(cfg_.arena_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(result - cfg_.arena_base), static_cast<off_t>(need)) != 0)
      result = 0;
  }
  verify(xabi::ref::check_alloc(model_, len, result));
  return result;
}

int64_t RefHandler::free(uint64_t base, uint64_t len) {
  int64_t result;
  const Int lo = base, hi = static_cast<Int>(base) + len;
  if (len == 0 || base % kPage != 0 || len % kPage != 0) result = XABI_E_INVAL;
  else if (!model_.state().mem.covers(lo, hi)) result = XABI_E_NOT_MAPPED;
  else result = 0;
  verify(xabi::ref::check_free(model_, base, len, static_cast<uint64_t>(result)));
  // Covered by the memory map, so inside the arena: the pages come back zero.
  if (result == 0)
    (void)::fallocate(cfg_.arena_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      static_cast<off_t>(base - cfg_.arena_base), static_cast<off_t>(len));
  return result;
}

// ---- time

int64_t RefHandler::alarm_set(uint64_t deadline) {
  verify(xabi::ref::check_alarm_set(model_, deadline, 0));
  alarm_ = deadline;  // 0 cancels; a past deadline fires on the loop's next pass
  return 0;
}

// ---- channels

int64_t RefHandler::accept() {
  int64_t result;
  int fd = -1;
  if (cfg_.listen_fd < 0) result = XABI_E_UNSUPPORTED;
  else if (channels_full()) result = XABI_E_LIMIT;
  else if (!reserve_channel()) result = XABI_E_NO_RESOURCES;  // before accept4: the connection stays pending
  else {
    fd = ::accept4(cfg_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) result = lowest_free_id();
    else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) result = XABI_E_AGAIN;
    else result = XABI_E_NO_RESOURCES;
    if (result < 0) release_channel();
  }
  verify(xabi::ref::check_accept(model_, static_cast<uint64_t>(result)));
  if (result >= 0) add_channel(static_cast<int32_t>(result), Channel{Channel::Kind::kSocket, fd, nullptr});
  return result;
}

int64_t RefHandler::open_url(std::string_view method, std::string_view url) {
  const std::string m(method), u(url);
  int64_t result;
  std::optional<xabi::ref::HttpUrl> parsed;
  if (cfg_.origin.empty()) result = XABI_E_UNSUPPORTED;
  else if (xabi::ref::str_len(m) > XABI_LIMIT_METHOD || !xabi::ref::http_method_ok(m) ||
           xabi::ref::str_len(u) > XABI_LIMIT_URL ||
           !(parsed = xabi::ref::parse_http_url(u)))
    result = XABI_E_INVAL;
  else if (!xabi::ref::same_origin(u, cfg_.origin)) result = XABI_E_ORIGIN;
  else if (channels_full()) result = XABI_E_LIMIT;
  else if (!reserve_channel()) result = XABI_E_NO_RESOURCES;
  else result = lowest_free_id();
  verify(xabi::ref::check_open_url(model_, Arg::str(m), Arg::str(u), static_cast<uint64_t>(result)));
  if (result >= 0) {
    auto job = std::make_shared<UrlJob>();
    job->method = m;
    job->host = parsed->host;
    if (job->host.size() >= 2 && job->host.front() == '[' && job->host.back() == ']')
      job->host = job->host.substr(1, job->host.size() - 2);
    job->port = parsed->port;
    job->path = parsed->path;
    add_channel(static_cast<int32_t>(result), Channel{Channel::Kind::kUrl, -1, std::move(job)});
  }
  return result;
}

int64_t RefHandler::console() {
  int64_t result;
  if (!cfg_.console) result = XABI_E_UNSUPPORTED;
  else if (channels_full()) result = XABI_E_LIMIT;
  else if (!reserve_channel()) result = XABI_E_NO_RESOURCES;
  else result = lowest_free_id();
  verify(xabi::ref::check_console(model_, static_cast<uint64_t>(result)));
  if (result >= 0) add_channel(static_cast<int32_t>(result), Channel{Channel::Kind::kConsole, -1, nullptr});
  return result;
}

// The reference host declares no `stdio` capability: its standard streams are
// its own log and the console's, so the model's only answer is E_UNSUPPORTED.
int64_t RefHandler::stdio(uint32_t stream) {
  const int64_t result = XABI_E_UNSUPPORTED;
  verify(xabi::ref::check_stdio(model_, stream, static_cast<uint64_t>(result)));
  return result;
}

int64_t RefHandler::read(int32_t channel, xabi::dispatch::OutBytes& buf, uint64_t len) {
  int64_t result;
  Channel* ch = find(channel);
  buf.size = 0;
  if (!ch) result = XABI_E_BAD_CHANNEL;
  else if (len > XABI_LIMIT_IO) result = XABI_E_INVAL;
  else if (len == 0) result = 0;
  else {
    result = ch->read(buf.data, std::min<size_t>(static_cast<size_t>(len), buf.capacity));
    if (result > 0) buf.size = static_cast<size_t>(result);
  }
  verify(xabi::ref::check_read(model_, channel, kNoPtr, len, static_cast<uint64_t>(result)));
  return result;
}

int64_t RefHandler::write(int32_t channel, std::span<const uint8_t> buf, uint64_t len) {
  int64_t result;
  Channel* ch = find(channel);
  if (!ch) result = XABI_E_BAD_CHANNEL;
  else if (len > XABI_LIMIT_IO) result = XABI_E_INVAL;
  else if (len == 0) result = 0;
  else result = ch->write(buf.data(), std::min<size_t>(static_cast<size_t>(len), buf.size()));
  verify(xabi::ref::check_write(model_, channel, kNoPtr, len, static_cast<uint64_t>(result)));
  return result;
}

int64_t RefHandler::poll(std::span<xabi_pollfd> fds, uint32_t n, uint32_t block) {
  int64_t result = 0;
  if (n > XABI_LIMIT_POLL) result = XABI_E_INVAL;
  else if (n != 0) {
    const size_t count = std::min<size_t>(n, fds.size());
    for (size_t i = 0; i < count && result == 0; ++i)
      if (fds[i].reserved != 0) result = XABI_E_INVAL;
    for (size_t i = 0; i < count && result == 0; ++i)
      if (!model_.state().chan.contains(fds[i].channel)) result = XABI_E_BAD_CHANNEL;
    if (result == 0) {
      int64_t ready = 0;
      for (size_t i = 0; i < count; ++i) {
        fds[i].revents = find(fds[i].channel)->poll(fds[i].events);
        if (fds[i].revents != 0) ++ready;
      }
      result = ready;
    }
  }
  // The host never blocks: a blocking poll waits in the PAL, on the alarm words.
  verify(xabi::ref::check_poll(model_, kNoPtr, n, block, static_cast<uint64_t>(result)));
  return result;
}

int64_t RefHandler::close(int32_t channel) {
  Channel* ch = find(channel);
  const int64_t result = ch ? 0 : XABI_E_BAD_CHANNEL;
  verify(xabi::ref::check_close(model_, channel, static_cast<uint64_t>(result)));
  if (ch) {
    release_channel();
    ch->close();
    chans_.erase(channel);
  }
  return result;
}

std::string RefHandler::readiness_signature() const {
  std::string sig;
  for (const auto& [id, ch] : chans_) {
    sig += std::to_string(id) + ":" + std::to_string(ch.readiness()) + ",";
  }
  if (cfg_.listen_fd >= 0) {
    pollfd p{cfg_.listen_fd, POLLIN, 0};
    sig += (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) ? "L" : "l";
  }
  return sig;
}

}  // namespace xabi::refhost

namespace xabi::refhost {

void RefHandler::add_watches(std::vector<pollfd>& out) const {
  for (const auto& [id, ch] : chans_) {
    if (ch.kind != Channel::Kind::kSocket) continue;
    const uint32_t bits = ch.readiness();
    if (bits & XABI_POLL_HUP) continue;
    short events = 0;
    if (!(bits & XABI_POLL_IN)) events |= POLLIN | POLLRDHUP;
    if (!(bits & XABI_POLL_OUT)) events |= POLLOUT;
    if (events) out.push_back(pollfd{ch.fd, events, 0});
  }
  if (cfg_.listen_fd >= 0) {
    pollfd p{cfg_.listen_fd, POLLIN, 0};
    if (!(::poll(&p, 1, 0) > 0 && (p.revents & POLLIN))) out.push_back(pollfd{cfg_.listen_fd, POLLIN, 0});
  }
}

}  // namespace xabi::refhost
