#include "http_fetcher.h"

#include <httplib.h>

#include <system_error>

namespace xabi::host {
namespace {

std::string run_request(const HttpRequest& r, bool& ok) {
  ok = false;
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
  req.body = r.body;
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT")
    req.set_header("Content-Type", "application/octet-stream");
  std::string body;
  bool too_big = false;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    if (body.size() + len > HttpFetcher::kMaxResponse) {
      too_big = true;
      return false;
    }
    body.append(data, len);
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  if (!cli.send(req, res, err) || too_big) return {};

  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + res.reason + "\r\n";
  for (const auto& [k, v] : res.headers) out += k + ": " + v + "\r\n";
  out += "\r\n";
  if (out.size() + body.size() > HttpFetcher::kMaxResponse) return {};
  out += body;
  ok = true;
  return out;
}

}  // namespace

HttpJob::State HttpJob::state() const {
  std::lock_guard<std::mutex> g(mu_);
  return state_;
}

std::string HttpJob::take_response() {
  std::lock_guard<std::mutex> g(mu_);
  return std::move(response_);
}

void HttpJob::finish(State s, std::string response) {
  std::lock_guard<std::mutex> g(mu_);
  state_ = s;
  response_ = std::move(response);
}

HttpFetcher::~HttpFetcher() {
  std::vector<Worker> all;
  {
    std::lock_guard<std::mutex> g(mu_);
    all.swap(workers_);
  }
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

std::shared_ptr<HttpJob> HttpFetcher::start(uint64_t owner, HttpRequest req) {
  auto job = std::make_shared<HttpJob>();
  auto done = std::make_shared<bool>(false);
  std::lock_guard<std::mutex> g(mu_);
  reap_locked();
  try {
    std::thread t([this, job, done, owner, req = std::move(req)] {
      bool ok = false;
      std::string resp = run_request(req, ok);
      job->finish(ok ? HttpJob::State::kDone : HttpJob::State::kFailed, std::move(resp));
      if (notify_) notify_(owner);
      std::lock_guard<std::mutex> g2(mu_);
      *done = true;
    });
    workers_.push_back({std::move(t), done});
  } catch (const std::system_error&) {
    return nullptr;  // no thread: a host resource failure, reported as E_IO by the channel
  }
  return job;
}

}  // namespace xabi::host
