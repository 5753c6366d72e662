#include "origin_server.h"

#include <httplib.h>

#include <chrono>

namespace xabi::conform {

OriginServer::OriginServer() : server_(std::make_unique<httplib::Server>()) {}

OriginServer::~OriginServer() { stop(); }

void OriginServer::stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

Status OriginServer::start() {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> l(mu_);
      seen_.push_back({req.method, req.path, req.body});
    }
    if (req.path == "/hello" && (req.method == "GET" || req.method == "HEAD")) {
      res.set_content("hello from the origin\n", "text/plain");
    } else if (req.path == "/echo") {
      res.set_content(req.method + " " + req.body, "text/plain");
    } else {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
    }
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
  server_->Options(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return Error{ConformError::kOrigin, "the origin server could not bind a port on 127.0.0.1"};
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return {};
}

std::vector<OriginRequest> OriginServer::requests() const {
  std::lock_guard<std::mutex> l(mu_);
  return seen_;
}

}  // namespace xabi::conform
