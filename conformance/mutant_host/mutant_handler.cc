#include "mutant_handler.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>

#include "url.h"

namespace xabi::mutants {
namespace {

uint64_t page_up(uint64_t len) { return (len + XABI_PAGE - 1) & ~uint64_t{XABI_PAGE - 1}; }

bool valid_alloc_len(uint64_t len) { return len != 0 && len <= XABI_LIMIT_ALLOC; }

// A page-aligned, whole-page, non-wrapping range: what free can accept.
bool page_range(uint64_t base, uint64_t len) {
  return len != 0 && base % XABI_PAGE == 0 && len % XABI_PAGE == 0 && base + len >= base;
}

uint64_t now_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000u + static_cast<uint64_t>(now.tv_nsec);
}

// free_no_punch: freed pages keep their bytes, and alloc hands them out again.
class NoPunch : public calls::HolePuncher {
 public:
  int punch(uint64_t, uint64_t) override { return 0; }
};

}  // namespace

MutantHandler::MutantHandler(Id mutant, calls::CallServer& host, const calls::CallServerConfig& config)
    : ForwardingHandler(host), mutant_(mutant), config_(config) {
  if (mutant_ == Id::channel_limit_ignored) spare_ = std::make_unique<calls::CallServer>(config_);
}

MutantHandler::~MutantHandler() = default;

uint64_t MutantHandler::alloc(uint64_t len) {
  switch (mutant_) {
    case Id::alloc_len_zero_ok:
      return inner().alloc(len == 0 ? 1 : len);
    case Id::alloc_unaligned: {
      const uint64_t p = inner().alloc(len);
      return p ? p + 16 : 0;
    }
    case Id::alloc_overlap:
      // Hands out the previous allocation again while it is still live.
      if (valid_alloc_len(len) && last_ != 0 && live_.covers(last_, last_ + page_up(len))) return std::exchange(last_, 0);
      [[fallthrough]];
    case Id::free_partial_whole: {
      const uint64_t p = inner().alloc(len);
      if (p) live_.insert(p, p + page_up(len));
      if (p && mutant_ == Id::alloc_overlap) last_ = p;
      return p;
    }
    case Id::alloc_ignores_quota: {
      const uint64_t p = inner().alloc(len);
      if (p || !valid_alloc_len(len)) return p;
      // No room within the quota: place it past the quota (unbacked: the
      // guest faults on touching it).
      const uint64_t need = page_up(len), end = config_.arena_base + config_.arena_size;
      const auto past = past_quota_.first_fit(end, end + config_.arena_size + need, need);
      if (!past) return 0;
      past_quota_.insert(*past, *past + need);
      return *past;
    }
    default:
      return inner().alloc(len);
  }
}

int64_t MutantHandler::free(uint64_t base, uint64_t len) {
  switch (mutant_) {
    case Id::free_bad_len_ok:
      if (len % XABI_PAGE != 0) return 0;
      break;
    case Id::free_double_ok: {
      const int64_t r = inner().free(base, len);
      return r == XABI_E_NOT_MAPPED ? 0 : r;
    }
    case Id::free_partial_whole:
      if (page_range(base, len) && live_.covers(base, base + len)) {
        // Widens the range to the whole allocated range it falls in.
        while (base > config_.arena_base && live_.covers(base - XABI_PAGE, base + len)) base -= XABI_PAGE, len += XABI_PAGE;
        while (live_.covers(base, base + len + XABI_PAGE)) len += XABI_PAGE;
      }
      [[fallthrough]];
    case Id::alloc_overlap: {
      const int64_t r = inner().free(base, len);
      if (r == 0) live_.remove(base, base + len);
      return r;
    }
    case Id::alloc_ignores_quota:
      if (page_range(base, len) && past_quota_.covers(base, base + len)) {
        past_quota_.remove(base, base + len);
        return 0;
      }
      break;
    default:
      break;
  }
  return inner().free(base, len);
}

int64_t MutantHandler::alarm_set(uint64_t deadline) {
  if (mutant_ == Id::alarm_never_fires) return 0;  // arms nothing
  // The rules allow only 0: a deadline in the past must fire at once.
  if (mutant_ == Id::alarm_set_rejects && deadline != 0 && deadline < now_ns()) return XABI_E_INVAL;
  return inner().alarm_set(deadline);
}

template <class Open>
int64_t MutantHandler::open_channel(Open open) {
  const int64_t id = open(inner());
  if (!spare_ || id != XABI_E_LIMIT) return id;
  const int64_t spare_id = open(*spare_);
  if (spare_id < 0) return spare_id;
  if (spare_id >= kSpares) {
    spare_->close(static_cast<int32_t>(spare_id));
    return XABI_E_LIMIT;
  }
  return kSpareBase + spare_id;
}

int64_t MutantHandler::accept() {
  const int64_t id = open_channel([](Handler& h) { return h.accept(); });
  // The connection is installed under `id`, but the guest is told 0.
  if (mutant_ == Id::accept_reuses_open_id && id >= 0) return 0;
  return id;
}

int64_t MutantHandler::open_url(std::string_view method, std::string_view url) {
  // A method the host refuses is still refused: only a valid one becomes GET.
  if (mutant_ == Id::open_url_method_get && method.size() <= XABI_LIMIT_METHOD && calls::http_method_ok(method))
    method = "GET";
  return open_channel([&](Handler& h) { return h.open_url(method, url); });
}

int64_t MutantHandler::console() {
  if (mutant_ == Id::console_unsupported) return XABI_E_UNSUPPORTED;
  return open_channel([](Handler& h) { return h.console(); });
}

int64_t MutantHandler::stdio(uint32_t stream) {
  if (mutant_ == Id::stdio_stream_unchecked && stream >= XABI_STDIO_STREAMS) stream = 2;
  return open_channel([stream](Handler& h) { return h.stdio(stream); });
}

int64_t MutantHandler::read(int32_t channel, dispatch::OutBytes& buf, uint64_t len) {
  if (is_spare(channel)) return spare_->read(channel - kSpareBase, buf, len);
  const int64_t n = inner().read(channel, buf, len);
  if (mutant_ == Id::read_bad_channel_zero && n == XABI_E_BAD_CHANNEL) return 0;
  if (mutant_ == Id::read_flips_byte && n > 0) buf.data[0] ^= 1;
  return n;
}

int64_t MutantHandler::write(int32_t channel, std::span<const uint8_t> buf, uint64_t len) {
  if (is_spare(channel)) return spare_->write(channel - kSpareBase, buf, len);
  // Over LIMIT_IO the frame carries no bytes: answered as for len 0.
  if (mutant_ == Id::write_oversize_ok && len > XABI_LIMIT_IO) return inner().write(channel, buf, 0);
  if (mutant_ == Id::write_drops && len <= XABI_LIMIT_IO) {
    // Checks the channel (a zero-length write sends nothing), then claims it all.
    const int64_t r = inner().write(channel, {}, 0);
    return r < 0 ? r : static_cast<int64_t>(std::min<size_t>(len, buf.size()));
  }
  return inner().write(channel, buf, len);
}

int64_t MutantHandler::poll(std::span<xabi_pollfd> fds, uint32_t n, uint32_t block) {
  const int64_t r = spare_ ? poll_both(fds, n, block) : inner().poll(fds, n, block);
  if (mutant_ == Id::poll_never_ready && r >= 0) {
    for (uint32_t i = 0; i < n; ++i) fds[i].revents = 0;
    return 0;
  }
  return r;
}

// Polls the real host's and the spare host's channels, each on its own part
// of fds; the answer is as if one host had them all.
int64_t MutantHandler::poll_both(std::span<xabi_pollfd> fds, uint32_t n, uint32_t block) {
  if (n > XABI_LIMIT_POLL || fds.size() < n) return inner().poll(fds, n, block);
  std::array<xabi_pollfd, XABI_LIMIT_POLL> part[2];
  std::array<uint32_t, XABI_LIMIT_POLL> where{};
  uint32_t count[2] = {0, 0};
  for (uint32_t i = 0; i < n; ++i) {
    const int side = is_spare(fds[i].channel) ? 1 : 0;
    where[i] = count[side];
    part[side][count[side]] = fds[i];
    if (side) part[side][count[side]].channel -= kSpareBase;
    ++count[side];
  }
  int64_t r[2];
  r[0] = inner().poll(std::span(part[0].data(), count[0]), count[0], block);
  r[1] = spare_->poll(std::span(part[1].data(), count[1]), count[1], block);
  for (int64_t e : {XABI_E_INVAL, XABI_E_BAD_CHANNEL})  // the order the host checks in
    if (r[0] == e || r[1] == e) return e;
  for (uint32_t i = 0; i < n; ++i) fds[i].revents = part[is_spare(fds[i].channel) ? 1 : 0][where[i]].revents;
  return r[0] + r[1];
}

int64_t MutantHandler::close(int32_t channel) {
  if (is_spare(channel)) return spare_->close(channel - kSpareBase);
  if (mutant_ == Id::close_keeps_open) {
    // Answers as close would (a zero-length read checks the channel), closes nothing.
    dispatch::OutBytes none{nullptr, 0};
    const int64_t r = inner().read(channel, none, 0);
    return r < 0 ? r : 0;
  }
  return inner().close(channel);
}

monitor::HostHooks mutant_host_hooks(Id m) {
  monitor::HostHooks hooks;
  if (m == Id::free_no_punch)
    hooks.configure = [](calls::CallServerConfig& c) {
      static NoPunch none;  // stateless: shared by every picoprocess, alive as long as the program
      c.puncher = &none;
    };
  hooks.wrap = [m](calls::CallServer& h, const calls::CallServerConfig& c) -> std::unique_ptr<dispatch::Handler> {
    return std::make_unique<MutantHandler>(m, h, c);
  };
  return hooks;
}

}  // namespace xabi::mutants
