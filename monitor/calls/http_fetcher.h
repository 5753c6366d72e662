// http_fetcher.h: runs the HTTP requests of URL channels, each on its own
// worker thread (cpp-httplib blocks; the event loop never may). A thread per
// request keeps one slow server from delaying another picoprocess's request.
//
// The response streams through a bounded window: the worker appends the
// status line, headers and body to the job as they arrive and waits (socket
// unread) while the window is full, until the channel's reads make room. So a
// response of any size costs the host at most the window, and a picoprocess
// that never reads holds only that (host_budget.h). The job is shared between
// the channel and its worker; a channel closed mid-request cancels it.
//
//   HttpFetcher f([&](uint64_t owner) { /* thread-safe: wake the loop */ });
//   auto job = f.start(owner, {"127.0.0.1", 8080, "GET", "/x", ""}, 64 << 10);
//   size_t n = job->read(buf, len);     // bytes that have arrived (0: none yet)
//   job->state();                       // kRunning / kDone (all arrived) / kFailed
//   job->cancel();                      // the worker gives up at its next step
//   ~HttpFetcher() cancels and joins every worker.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace xabi::calls {

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
  explicit HttpJob(size_t window) : window_(window) {}
  State state() const;
  // Moves up to len arrived bytes ("HTTP/1.1 <status> <reason>\r\n" headers
  // "\r\n" body, in order) into buf; 0 when none is waiting.
  size_t read(uint8_t* buf, size_t len);
  bool drained() const;  // nothing waiting
  void cancel();

 private:
  friend class HttpFetcher;
  // Worker side: false once cancelled (or when `bytes` can never fit).
  bool append(const char* data, size_t n);
  void finish(State s);
  const size_t window_;
  mutable std::mutex mu_;
  std::condition_variable room_;
  State state_ = State::kRunning;
  bool cancelled_ = false;
  std::string pending_;  // arrived, not yet read; at most window_ bytes
  size_t head_ = 0;      // read offset into pending_
};

class HttpFetcher {
 public:
  // Called on a worker thread when bytes arrived or the job ended; thread-safe.
  using Notify = std::function<void(uint64_t owner)>;

  explicit HttpFetcher(Notify notify) : notify_(std::move(notify)) {}
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // nullptr when no thread could be started (the caller answers E_IO).
  std::shared_ptr<HttpJob> start(uint64_t owner, HttpRequest req, size_t window);

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<HttpJob> job;
    std::shared_ptr<bool> done;  // set by the worker as its last act (under mu_)
  };
  void reap_locked();
  // Runs one request on the calling (worker) thread, streaming into the job.
  static bool run_request(HttpRequest& r, HttpJob& job, const std::function<void()>& arrived);
  Notify notify_;
  std::mutex mu_;
  std::vector<Worker> workers_;
};

}  // namespace xabi::calls
