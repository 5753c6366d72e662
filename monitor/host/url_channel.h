// url_channel.h: a channel for one HTTP request (xabi_open_url). Its life:
//   collecting: writes append to the request body;
//   sent:       the first read (or a poll for POLL_IN) hands the request to a
//               worker thread; reads return 0 until the response is in,
//               writes return E_STATE;
//   response:   reads yield "HTTP/1.1 <status> <reason>\r\n" headers "\r\n"
//               body, then E_CLOSED; a failed request reads as E_IO.
//
//   UrlChannel ch(fetcher, owner, HttpRequest{host, port, "POST", "/p", ""});
#pragma once

#include <memory>
#include <string>

#include "channel.h"
#include "http_fetcher.h"

namespace xabi::host {

class UrlChannel : public Channel {
 public:
  // Most request body bytes a channel buffers; writes beyond are E_IO.
  static constexpr size_t kMaxBody = 16u << 20;

  UrlChannel(HttpFetcher& fetcher, uint64_t owner, HttpRequest req)
      : fetcher_(fetcher), owner_(owner), req_(std::move(req)) {}
  int64_t read(uint8_t* buf, size_t len) override;
  int64_t write(const uint8_t* buf, size_t len) override;
  uint32_t poll(uint32_t events) override;

 private:
  enum class Phase { kCollecting, kSent, kResponse, kFailed };
  void send_request();
  void check_job();

  HttpFetcher& fetcher_;
  uint64_t owner_;
  HttpRequest req_;
  Phase phase_ = Phase::kCollecting;
  std::shared_ptr<HttpJob> job_;
  std::string response_;
  size_t read_off_ = 0;
};

}  // namespace xabi::host
