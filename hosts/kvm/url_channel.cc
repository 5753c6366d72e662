#include "url_channel.h"

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace xabi::kvm {

// What the channel and its worker share: the arrived bytes (at most the
// window, waiting to be read) and how the exchange stands.
struct UrlChannel::Exchange {
  std::mutex mu;
  std::condition_variable room;
  std::string pending;
  enum class State { kRunning, kDone, kFailed } state = State::kRunning;
  bool abandoned = false;  // the channel was closed: the worker stops at its next step

  // Worker side: waits for room; false once abandoned.
  bool append(const char* data, size_t n) {
    std::unique_lock<std::mutex> g(mu);
    while (n > 0) {
      room.wait(g, [&] { return abandoned || pending.size() < kWindow; });
      if (abandoned) return false;
      const size_t take = std::min(n, kWindow - pending.size());
      pending.append(data, take);
      data += take;
      n -= take;
    }
    return true;
  }
};

UrlChannel::UrlChannel(Request r, uint64_t* host_bytes, std::shared_ptr<std::atomic<int>> workers, std::function<void()> notify)
    : req_(std::move(r)), host_bytes_(host_bytes), workers_(std::move(workers)), notify_(std::move(notify)) {}

UrlChannel::~UrlChannel() {
  if (ex_) {
    std::lock_guard<std::mutex> g(ex_->mu);
    ex_->abandoned = true;
    ex_->room.notify_all();
  }
}

void UrlChannel::send() {
  ex_ = std::make_shared<Exchange>();
  std::string host = req_.url.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  auto worker = [ex = ex_, host, port = req_.url.port, method = req_.method, path = req_.url.path, body = body_,
                 notify = notify_, workers = workers_]() mutable {
    httplib::Client cli(host, port);
    cli.set_connection_timeout(5, 0);
    cli.set_read_timeout(30, 0);
    cli.set_keep_alive(false);
    httplib::Request rq;
    rq.method = method;
    rq.path = path;
    rq.body = std::move(body);
    if (!rq.body.empty() || method == "POST" || method == "PUT") rq.set_header("Content-Type", "application/octet-stream");
    bool head_done = false;
    auto head = [&](const httplib::Response& res) {
      head_done = true;
      std::string h = "HTTP/1.1 " + std::to_string(res.status) + " " + res.reason + "\r\n";
      for (const auto& [k, v] : res.headers) h += k + ": " + v + "\r\n";
      h += "\r\n";
      const bool ok = ex->append(h.data(), h.size());
      notify();
      return ok;
    };
    rq.response_handler = head;
    rq.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
      const bool ok = ex->append(data, len);
      notify();
      return ok;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    // A response without a body (HEAD, 204) never reaches the handler.
    const bool ok = cli.send(rq, res, err) && (head_done || head(res));
    {
      std::lock_guard<std::mutex> g(ex->mu);
      ex->state = ok ? Exchange::State::kDone : Exchange::State::kFailed;
    }
    notify();
    workers->fetch_sub(1);
  };
  workers_->fetch_add(1);
  try {
    std::thread(std::move(worker)).detach();
  } catch (const std::system_error&) {
    workers_->fetch_sub(1);
    failed_ = true;
    ex_.reset();
  }
  // The body has gone to the worker: it no longer counts against the budget.
  *host_bytes_ -= body_.size();
  body_.clear();
}

int64_t UrlChannel::read(uint8_t* buf, size_t len) {
  if (!ex_ && !failed_) send();
  if (failed_) return XABI_E_IO;
  std::lock_guard<std::mutex> g(ex_->mu);
  if (!ex_->pending.empty()) {
    const size_t n = std::min(len, ex_->pending.size());
    std::memcpy(buf, ex_->pending.data(), n);
    ex_->pending.erase(0, n);
    ex_->room.notify_all();
    return static_cast<int64_t>(n);
  }
  switch (ex_->state) {
    case Exchange::State::kRunning: return 0;
    case Exchange::State::kDone: return XABI_E_CLOSED;
    case Exchange::State::kFailed: return XABI_E_IO;
  }
  return XABI_E_IO;
}

int64_t UrlChannel::write(const uint8_t* buf, size_t len) {
  if (ex_ || failed_) return XABI_E_STATE;  // the request has been sent
  const uint64_t room = XABI_LIMIT_HOST_BYTES - std::min<uint64_t>(*host_bytes_, XABI_LIMIT_HOST_BYTES);
  const size_t n = std::min<uint64_t>(len, room);
  if (n == 0) return XABI_E_NO_RESOURCES;
  body_.append(reinterpret_cast<const char*>(buf), n);
  *host_bytes_ += n;
  return static_cast<int64_t>(n);
}

uint32_t UrlChannel::poll(uint32_t events) {
  if (!ex_ && !failed_) {
    if (!(events & XABI_POLL_IN)) return events & XABI_POLL_OUT;  // still taking the body
    send();
  }
  if (failed_) return (events & XABI_POLL_IN) | XABI_POLL_HUP;
  std::lock_guard<std::mutex> g(ex_->mu);
  const bool waiting = !ex_->pending.empty();
  if (ex_->state == Exchange::State::kRunning) return waiting ? (events & XABI_POLL_IN) : 0;
  return (events & XABI_POLL_IN) | (waiting ? 0 : XABI_POLL_HUP);
}

}  // namespace xabi::kvm
