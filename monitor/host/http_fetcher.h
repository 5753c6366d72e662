// http_fetcher.h: runs the HTTP requests of URL channels, each on its own
// worker thread (cpp-httplib blocks; the event loop never may). A thread per
// request keeps one slow server from delaying another picoprocess's request.
// The job is shared between the channel and its worker, so a channel closed
// (or a picoprocess gone) mid-request is harmless: the result is dropped.
//
//   HttpFetcher f([&](uint64_t owner) { /* thread-safe: wake the loop */ });
//   auto job = f.start(owner, {"127.0.0.1", 8080, "GET", "/x", ""});
//   HttpJob::Snapshot s = job->snapshot();   // kRunning / kDone / kFailed
//   ~HttpFetcher() joins every worker (each bounded by its timeouts).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace xabi::host {

struct HttpRequest {
  std::string host;  // as in the URL; IPv6 literals bracketed
  int port = 80;
  std::string method;
  std::string path;
  std::string body;
};

class HttpJob {
 public:
  enum class State { kRunning, kDone, kFailed };
  State state() const;
  // The whole response ("HTTP/1.1 <status> <reason>\r\n" headers "\r\n" body),
  // once state() is kDone.
  std::string take_response();

 private:
  friend class HttpFetcher;
  void finish(State s, std::string response);
  mutable std::mutex mu_;
  State state_ = State::kRunning;
  std::string response_;
};

class HttpFetcher {
 public:
  // Called on the worker thread when a job finishes; must be thread-safe.
  using Notify = std::function<void(uint64_t owner)>;
  // Bounds: one response (headers + body) at most this many bytes, else kFailed.
  static constexpr size_t kMaxResponse = 16u << 20;

  explicit HttpFetcher(Notify notify) : notify_(std::move(notify)) {}
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // nullptr when no thread could be started (the caller answers E_IO).
  std::shared_ptr<HttpJob> start(uint64_t owner, HttpRequest req);

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<bool> done;  // set by the worker as its last act (under mu_)
  };
  void reap_locked();
  Notify notify_;
  std::mutex mu_;
  std::vector<Worker> workers_;
};

}  // namespace xabi::host
