// url_channel.h: a channel for one HTTP request (xabi_open_url). Its life:
//   collecting: writes append to the request body (taken from the budget;
//               E_NO_RESOURCES when it is spent);
//   sent:       the first read (or a poll for POLL_IN) hands the request to a
//               worker thread; writes return E_STATE; reads return 0 until
//               bytes of the response arrive;
//   response:   reads yield "HTTP/1.1 <status> <reason>\r\n" headers "\r\n"
//               body as it streams in through the job's window, then E_CLOSED;
//               a request that failed reads as E_IO once what arrived is read.
// The channel holds its window (kWindow) from the budget from the start, so a
// response never needs more host memory than was granted at open_url.
//
//   HostBudget budget(XABI_LIMIT_HOST_BYTES);
//   if (!budget.take(UrlChannel::kWindow)) return XABI_E_NO_RESOURCES;
//   UrlChannel ch(fetcher, owner, budget, HttpRequest{host, port, "POST", "/p", ""});
#pragma once

#include <memory>
#include <string>

#include "channel.h"
#include "host_budget.h"
#include "http_fetcher.h"

namespace xabi::calls {

class UrlChannel : public Channel {
 public:
  // Response bytes the host buffers per channel at most.
  static constexpr size_t kWindow = 64u << 10;

  // The caller has taken kWindow from `budget`; the channel gives it back.
  UrlChannel(HttpFetcher& fetcher, uint64_t owner, HostBudget& budget, HttpRequest req)
      : fetcher_(fetcher), owner_(owner), budget_(budget), req_(std::move(req)) {}
  ~UrlChannel() override;
  int64_t read(uint8_t* buf, size_t len) override;
  int64_t write(const uint8_t* buf, size_t len) override;
  uint32_t poll(uint32_t events) override;

 private:
  enum class Phase { kCollecting, kSent, kFailed };
  void send_request();

  HttpFetcher& fetcher_;
  uint64_t owner_;
  HostBudget& budget_;
  HttpRequest req_;
  size_t body_taken_ = 0;  // from the budget, given back with the window
  Phase phase_ = Phase::kCollecting;
  std::shared_ptr<HttpJob> job_;
};

}  // namespace xabi::calls
