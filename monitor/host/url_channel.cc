#include "url_channel.h"

#include <cstring>

#include "xabi/xabi.h"

namespace xabi::host {

void UrlChannel::send_request() {
  job_ = fetcher_.start(owner_, std::move(req_));
  phase_ = job_ ? Phase::kSent : Phase::kFailed;
}

void UrlChannel::check_job() {
  if (phase_ != Phase::kSent) return;
  switch (job_->state()) {
    case HttpJob::State::kRunning:
      return;
    case HttpJob::State::kDone:
      response_ = job_->take_response();
      phase_ = Phase::kResponse;
      break;
    case HttpJob::State::kFailed:
      phase_ = Phase::kFailed;
      break;
  }
  job_.reset();
}

int64_t UrlChannel::read(uint8_t* buf, size_t len) {
  if (phase_ == Phase::kCollecting) send_request();
  check_job();
  switch (phase_) {
    case Phase::kCollecting:
    case Phase::kSent:
      return 0;
    case Phase::kFailed:
      return XABI_E_IO;
    case Phase::kResponse:
      break;
  }
  if (read_off_ >= response_.size()) return XABI_E_CLOSED;
  const size_t n = std::min(len, response_.size() - read_off_);
  std::memcpy(buf, response_.data() + read_off_, n);
  read_off_ += n;
  return static_cast<int64_t>(n);
}

int64_t UrlChannel::write(const uint8_t* buf, size_t len) {
  if (phase_ != Phase::kCollecting) return XABI_E_STATE;
  if (req_.body.size() + len > kMaxBody) return XABI_E_IO;
  req_.body.append(reinterpret_cast<const char*>(buf), len);
  return static_cast<int64_t>(len);
}

uint32_t UrlChannel::poll(uint32_t events) {
  if ((events & XABI_POLL_IN) && phase_ == Phase::kCollecting) send_request();
  check_job();
  uint32_t rev = 0;
  switch (phase_) {
    case Phase::kCollecting:
      rev = events & XABI_POLL_OUT;
      break;
    case Phase::kSent:
      break;
    case Phase::kResponse:
      rev = events & XABI_POLL_IN;
      if (read_off_ >= response_.size()) rev |= XABI_POLL_HUP;
      break;
    case Phase::kFailed:
      rev = (events & XABI_POLL_IN) | XABI_POLL_HUP;
      break;
  }
  return rev;
}

}  // namespace xabi::host
