// A real HTTP server on 127.0.0.1 (an ephemeral port) for open_url tests,
// with a CallServer whose origin it is.
//
//   class MyTest : public LocalOrigin {
//     void routes(httplib::Server& s) override { s.Get("/x", ...); }
//   };
//   TEST_F(MyTest, ...) { host_->open_url("GET", origin_ + "/x"); }
#pragma once

#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "call_server.h"

namespace xabi::calls {

class LocalOrigin : public ::testing::Test {
 protected:
  virtual void routes(httplib::Server& s) = 0;
  void SetUp() override {
    routes(server_);
    // A thread per connection: responses held unread must not queue others.
    server_.new_task_queue = [] { return new httplib::ThreadPool(2 * XABI_LIMIT_CHANNELS); };
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    origin_ = "http://127.0.0.1:" + std::to_string(port_);
    fetcher_ = std::make_unique<HttpFetcher>([this](uint64_t) { ++notified_; });
    CallServerConfig c;
    c.origin = origin_;
    c.fetcher = fetcher_.get();
    host_ = std::make_unique<CallServer>(c);
  }
  void TearDown() override {
    host_.reset();
    fetcher_.reset();
    server_.stop();
    thread_.join();
  }
  int64_t wr(int32_t ch, std::string_view s) {
    return host_->write(ch, std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()), s.size());
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::string origin_;
  std::atomic<int> notified_{0};
  std::unique_ptr<HttpFetcher> fetcher_;
  std::unique_ptr<CallServer> host_;
};

}  // namespace xabi::calls
