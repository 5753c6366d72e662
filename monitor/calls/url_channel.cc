#include "url_channel.h"

#include <cstring>

#include "mutant.h"
#include "xabi/xabi.h"

namespace xabi::calls {

UrlChannel::~UrlChannel() {
  if (job_) job_->cancel();
  if (!XABI_MUTANT(host_budget_leaks)) budget_.give(kWindow + body_taken_);
}

void UrlChannel::send_request() {
  job_ = fetcher_.start(owner_, std::move(req_), kWindow);
  phase_ = job_ ? Phase::kSent : Phase::kFailed;
}

int64_t UrlChannel::read(uint8_t* buf, size_t len) {
  if (phase_ == Phase::kCollecting) send_request();
  if (phase_ == Phase::kFailed) return XABI_E_IO;
  // Read the state before the bytes: a job that is done has appended its last.
  const HttpJob::State s = job_->state();
  if (const size_t n = job_->read(buf, len); n > 0) return static_cast<int64_t>(n);
  switch (s) {
    case HttpJob::State::kRunning: return 0;
    case HttpJob::State::kDone: return XABI_E_CLOSED;
    case HttpJob::State::kFailed: return XABI_E_IO;
  }
  return XABI_E_IO;
}

int64_t UrlChannel::write(const uint8_t* buf, size_t len) {
  if (phase_ != Phase::kCollecting) return XABI_E_STATE;
  const size_t n = budget_.take_up_to(len);
  if (n == 0) return XABI_E_NO_RESOURCES;  // the picoprocess's host budget is spent
  body_taken_ += n;
  req_.body.append(reinterpret_cast<const char*>(buf), n);
  return static_cast<int64_t>(n);
}

uint32_t UrlChannel::poll(uint32_t events) {
  if ((events & XABI_POLL_IN) && phase_ == Phase::kCollecting) send_request();
  switch (phase_) {
    case Phase::kCollecting:
      return events & XABI_POLL_OUT;
    case Phase::kFailed:
      return (events & XABI_POLL_IN) | XABI_POLL_HUP;
    case Phase::kSent:
      break;
  }
  const HttpJob::State s = job_->state();
  const bool waiting = !job_->drained();
  if (s == HttpJob::State::kRunning) return waiting ? (events & XABI_POLL_IN) : 0;
  // Ended: readable (bytes, then E_CLOSED or E_IO), and the peer is gone.
  return (events & XABI_POLL_IN) | (waiting ? 0 : XABI_POLL_HUP);
}

}  // namespace xabi::calls
