// xabi_open_url against a real HTTP server on 127.0.0.1 (httplib::Server on
// an ephemeral port): the rules' error order, the request body collected
// from writes, the response as status line + headers + body, E_STATE after
// the request went, E_IO when the server is gone.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "local_origin.h"

namespace xabi::calls {
namespace {

class UrlChannels : public LocalOrigin {
 protected:
  void routes(httplib::Server& s) override {
    s.Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("hi there", "text/plain"); });
    s.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content("got:" + req.body, "text/plain");
    });
  }
  // Reads until end of stream (or error), polling as a guest would.
  int64_t read_all(int32_t ch, std::string& out) {
    uint8_t buf[7];  // small on purpose: the response comes in pieces
    for (int i = 0; i < 5000; ++i) {
      dispatch::OutBytes ob{buf, sizeof buf};
      const int64_t n = host_->read(ch, ob, sizeof buf);
      if (n < 0) return n;
      if (n == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      out.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
    }
    return 0;
  }
};

TEST_F(UrlChannels, GetSameOrigin) {
  const int64_t ch = host_->open_url("GET", origin_ + "/hello");
  ASSERT_GE(ch, 0);
  std::string resp;
  EXPECT_EQ(read_all(static_cast<int32_t>(ch), resp), XABI_E_CLOSED);
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
  EXPECT_NE(resp.find("Content-Type: text/plain\r\n"), std::string::npos) << resp;
  EXPECT_TRUE(resp.ends_with("\r\n\r\nhi there")) << resp;
  EXPECT_GE(notified_.load(), 1);  // as bytes arrive and when the exchange ends
  EXPECT_EQ(host_->close(static_cast<int32_t>(ch)), 0);
}

TEST_F(UrlChannels, BodyIsWhatWasWrittenBeforeTheFirstRead) {
  const auto ch = static_cast<int32_t>(host_->open_url("POST", "HTTP://127.0.0.1:" + std::to_string(port_) + "/echo"));
  ASSERT_GE(ch, 0);
  EXPECT_EQ(wr(ch, "abc"), 3);
  EXPECT_EQ(wr(ch, "def"), 3);
  xabi_pollfd p{ch, XABI_POLL_IN | XABI_POLL_OUT, 0, 0};
  EXPECT_GE(host_->poll(std::span(&p, 1), 1, 0), 0);  // POLL_IN sends the request
  EXPECT_EQ(wr(ch, "late"), XABI_E_STATE);
  std::string resp;
  EXPECT_EQ(read_all(ch, resp), XABI_E_CLOSED);
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 201 Created\r\n")) << resp;
  EXPECT_TRUE(resp.ends_with("\r\n\r\ngot:abcdef")) << resp;
  EXPECT_EQ(wr(ch, "later"), XABI_E_STATE);
  p.revents = 0;
  EXPECT_EQ(host_->poll(std::span(&p, 1), 1, 0), 1);
  EXPECT_EQ(p.revents, XABI_POLL_IN | XABI_POLL_HUP);
}

TEST_F(UrlChannels, HeadAndNotFound) {
  auto ch = static_cast<int32_t>(host_->open_url("HEAD", origin_ + "/hello"));
  std::string resp;
  EXPECT_EQ(read_all(ch, resp), XABI_E_CLOSED);
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
  EXPECT_TRUE(resp.ends_with("\r\n\r\n")) << resp;
  ch = static_cast<int32_t>(host_->open_url("DELETE", origin_ + "/nothing"));
  resp.clear();
  EXPECT_EQ(read_all(ch, resp), XABI_E_CLOSED);
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 404 Not Found\r\n")) << resp;
}

TEST_F(UrlChannels, RuleOrderOfErrors) {
  EXPECT_EQ(host_->open_url("PATCH", origin_ + "/"), XABI_E_INVAL);
  EXPECT_EQ(host_->open_url("get", origin_ + "/"), XABI_E_INVAL);
  EXPECT_EQ(host_->open_url(std::string(17, 'G'), origin_ + "/"), XABI_E_INVAL);  // over LIMIT_METHOD
  EXPECT_EQ(host_->open_url("GET", origin_ + "/" + std::string(2049, 'a')), XABI_E_INVAL);
  EXPECT_EQ(host_->open_url("GET", "https://127.0.0.1/"), XABI_E_INVAL);
  EXPECT_EQ(host_->open_url("GET", "http://u@127.0.0.1/"), XABI_E_INVAL);
  EXPECT_EQ(host_->open_url("GET", origin_ + "/#x y"), XABI_E_INVAL);
  EXPECT_EQ(host_->open_url("GET", "relative/path"), XABI_E_INVAL);
  EXPECT_EQ(host_->open_url("GET", "http://127.0.0.1/"), XABI_E_ORIGIN);                    // port 80
  EXPECT_EQ(host_->open_url("GET", "http://localhost:" + std::to_string(port_) + "/"), XABI_E_ORIGIN);
  EXPECT_EQ(host_->open_url("GET", "http://127.0.0.2:" + std::to_string(port_) + "/"), XABI_E_ORIGIN);
  EXPECT_EQ(host_->open_channels(), 0u);
  for (int64_t i = 0; i < static_cast<int64_t>(XABI_LIMIT_CHANNELS); ++i) ASSERT_EQ(host_->open_url("GET", origin_), i);
  EXPECT_EQ(host_->open_url("GET", "http://other/"), XABI_E_ORIGIN);  // origin before the limit
  EXPECT_EQ(host_->open_url("GET", origin_), XABI_E_LIMIT);
}

TEST_F(UrlChannels, ServerGoneIsIoError) {
  server_.stop();
  thread_.join();
  thread_ = std::thread([] {});
  const auto ch = static_cast<int32_t>(host_->open_url("GET", origin_ + "/hello"));
  ASSERT_GE(ch, 0);
  std::string resp;
  EXPECT_EQ(read_all(ch, resp), XABI_E_IO);
  EXPECT_TRUE(resp.empty());
}

TEST_F(UrlChannels, ClosingMidRequestIsHarmless) {
  const auto ch = static_cast<int32_t>(host_->open_url("GET", origin_ + "/hello"));
  uint8_t b[4];
  dispatch::OutBytes ob{b, sizeof b};
  EXPECT_EQ(host_->read(ch, ob, sizeof b), 0);  // sent; the worker runs
  EXPECT_EQ(host_->close(ch), 0);
  host_.reset();  // the picoprocess is gone before the response arrives
}

}  // namespace
}  // namespace xabi::calls
