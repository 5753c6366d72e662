// url_channel.h: the channel of xabi_open_url on the KVM host. Bytes written before the first read are the request body; the
// first read (or a poll for IN) sends the request on a worker thread, and
// the response (status line, headers, blank line, body) streams back through
// a window of kWindow bytes, so a response of any size costs the host at
// most the window, charged to the picoprocess's LIMIT_HOST_BYTES.
//
//   auto ch = std::make_unique<UrlChannel>(request, &host_bytes, notify);
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "call_service.h"
#include "url.h"

namespace xabi::kvm {

class UrlChannel : public CallService::Channel {
 public:
  static constexpr size_t kWindow = 64 * 1024;
  struct Request {
    Url url;
    std::string method;
  };
  // host_bytes: the picoprocess's LIMIT_HOST_BYTES count, which the caller
  // has already charged with this channel's kChannelCost + kWindow; the body
  // is charged as it is written. notify: called on the worker thread when
  // bytes arrive or the response ends (thread-safe).
  // workers: the picoprocess's count of live worker threads (a closed
  // channel's worker may live on until its request times out).
  UrlChannel(Request r, uint64_t* host_bytes, std::shared_ptr<std::atomic<int>> workers, std::function<void()> notify);
  // The most workers one picoprocess may have alive: open_url says
  // E_NO_RESOURCES beyond, so open-read-close loops cannot pile up threads.
  static constexpr int kMaxWorkers = 2 * static_cast<int>(XABI_LIMIT_CHANNELS);
  ~UrlChannel() override;

  int64_t read(uint8_t* buf, size_t len) override;
  int64_t write(const uint8_t* buf, size_t len) override;
  uint32_t poll(uint32_t events) override;
  uint64_t host_bytes() const override { return CallService::kChannelCost + kWindow + body_.size(); }

  struct Exchange;  // shared with the worker

 private:
  void send();

  Request req_;
  std::string body_;
  uint64_t* host_bytes_;
  std::shared_ptr<std::atomic<int>> workers_;
  std::function<void()> notify_;
  std::shared_ptr<Exchange> ex_;  // null until sent
  bool failed_ = false;           // the worker could not be started
};

}  // namespace xabi::kvm
