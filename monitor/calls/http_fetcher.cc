#include "http_fetcher.h"

#include <httplib.h>

#include <cstring>
#include <system_error>

namespace xabi::calls {

HttpJob::State HttpJob::state() const {
  std::lock_guard<std::mutex> g(mu_);
  return state_;
}

size_t HttpJob::read(uint8_t* buf, size_t len) {
  std::lock_guard<std::mutex> g(mu_);
  const size_t n = std::min(len, pending_.size() - head_);
  std::memcpy(buf, pending_.data() + head_, n);
  head_ += n;
  if (head_ == pending_.size()) {
    pending_.clear();
    head_ = 0;
  }
  if (n) room_.notify_all();
  return n;
}

bool HttpJob::drained() const {
  std::lock_guard<std::mutex> g(mu_);
  return head_ == pending_.size();
}

void HttpJob::cancel() {
  std::lock_guard<std::mutex> g(mu_);
  cancelled_ = true;
  room_.notify_all();
}

bool HttpJob::append(const char* data, size_t n) {
  if (n > window_) {  // in window-sized pieces
    for (size_t off = 0; off < n; off += window_)
      if (!append(data + off, std::min(window_, n - off))) return false;
    return true;
  }
  std::unique_lock<std::mutex> g(mu_);
  room_.wait(g, [&] { return cancelled_ || pending_.size() - head_ + n <= window_; });
  if (cancelled_) return false;
  if (head_ > 0) {  // compact before growing: pending_ never holds more than the window
    pending_.erase(0, head_);
    head_ = 0;
  }
  pending_.append(data, n);
  return true;
}

void HttpJob::finish(State s) {
  std::lock_guard<std::mutex> g(mu_);
  state_ = s;
}

// false on failure (connection, protocol, or the job was cancelled).
bool HttpFetcher::run_request(HttpRequest& r, HttpJob& job, const std::function<void()>& arrived) {
  std::string host = r.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  httplib::Client cli(host, r.port);
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(30, 0);
  cli.set_write_timeout(5, 0);
  cli.set_keep_alive(false);

  httplib::Request req;
  req.method = r.method;
  req.path = r.path;
  req.body = std::move(r.body);
  if (!req.body.empty() || r.method == "POST" || r.method == "PUT")
    req.set_header("Content-Type", "application/octet-stream");
  // The status line and headers, once: from the response handler, or after
  // the exchange for responses without a body (HEAD, 204), where cpp-httplib
  // does not call it.
  bool head_sent = false;
  auto send_head = [&](const httplib::Response& res) {
    head_sent = true;
    std::string head = "HTTP/1.1 " + std::to_string(res.status) + " " + res.reason + "\r\n";
    for (const auto& [k, v] : res.headers) head += k + ": " + v + "\r\n";
    head += "\r\n";
    const bool ok = job.append(head.data(), head.size());
    arrived();
    return ok;
  };
  req.response_handler = send_head;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    const bool ok = job.append(data, len);
    arrived();
    return ok;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  if (!cli.send(req, res, err)) return false;
  return head_sent || send_head(res);
}

HttpFetcher::~HttpFetcher() {
  std::vector<Worker> all;
  {
    std::lock_guard<std::mutex> g(mu_);
    all.swap(workers_);
  }
  for (auto& w : all) w.job->cancel();  // a worker waiting for room gives up
  for (auto& w : all) w.thread.join();
}

void HttpFetcher::reap_locked() {
  for (size_t i = 0; i < workers_.size();) {
    if (*workers_[i].done) {
      workers_[i].thread.join();  // it has finished its last act; join is immediate
      workers_[i] = std::move(workers_.back());
      workers_.pop_back();
    } else {
      ++i;
    }
  }
}

std::shared_ptr<HttpJob> HttpFetcher::start(uint64_t owner, HttpRequest req, size_t window) {
  auto job = std::make_shared<HttpJob>(window);
  auto done = std::make_shared<bool>(false);
  std::lock_guard<std::mutex> g(mu_);
  reap_locked();
  try {
    std::thread t([this, job, done, owner, req = std::move(req)]() mutable {
      auto arrived = [&] {
        if (notify_) notify_(owner);
      };
      const bool ok = run_request(req, *job, arrived);
      job->finish(ok ? HttpJob::State::kDone : HttpJob::State::kFailed);
      arrived();
      std::lock_guard<std::mutex> g2(mu_);
      *done = true;
    });
    workers_.push_back({std::move(t), job, done});
  } catch (const std::system_error&) {
    return nullptr;  // no thread: a host resource failure, reported as E_IO by the channel
  }
  return job;
}

}  // namespace xabi::calls
