// LIMIT_HOST_BYTES (issue 9, finding 3): what the host holds on one
// picoprocess's behalf is bounded, whatever it does with its channels. Against
// a real HTTP server on 127.0.0.1 that serves a large response slowly read.
#include <httplib.h>

#include <gtest/gtest.h>

#include <thread>

#include "local_origin.h"
#include "url_channel.h"

namespace xabi::calls {
namespace {

constexpr size_t kBig = 16u << 20;  // twice the whole budget

class HostBudgetTest : public LocalOrigin {
 protected:
  void routes(httplib::Server& s) override {
    s.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(kBig, "application/octet-stream", [](size_t, size_t length, httplib::DataSink& sink) {
        static const std::string block(64u << 10, 'b');
        return sink.write(block.data(), std::min(length, block.size()));
      });
    });
    s.Post("/sink", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
  }
};

TEST_F(HostBudgetTest, RequestBodiesStopAtTheBudgetWithENoResources) {
  const std::string chunk(XABI_LIMIT_IO, 'x');
  std::vector<int32_t> chans;
  uint64_t taken = 0;
  bool refused = false;
  for (int i = 0; i < static_cast<int>(XABI_LIMIT_CHANNELS) && !refused; ++i) {
    const int64_t ch = host_->open_url("POST", origin_ + "/sink");
    if (ch == XABI_E_NO_RESOURCES) break;
    ASSERT_GE(ch, 0);
    chans.push_back(static_cast<int32_t>(ch));
    for (int k = 0; k < 64; ++k) {
      const int64_t n = wr(static_cast<int32_t>(ch), chunk);
      if (n == XABI_E_NO_RESOURCES) {
        refused = true;
        break;
      }
      ASSERT_GT(n, 0);
      taken += static_cast<uint64_t>(n);
    }
  }
  EXPECT_TRUE(refused) << "the host took " << taken << " bytes of bodies without refusing";
  EXPECT_LE(host_->host_bytes(), XABI_LIMIT_HOST_BYTES);
  EXPECT_EQ(host_->host_bytes(), taken + chans.size() * (UrlChannel::kWindow + CallServer::kChannelCost));
  // Nothing else is affected: a channel that is closed gives its bytes back,
  // and the next write takes them.
  ASSERT_EQ(host_->close(chans[0]), 0);
  EXPECT_LT(host_->host_bytes(), XABI_LIMIT_HOST_BYTES);
  EXPECT_GT(wr(chans.back(), chunk), 0);
  for (size_t i = 1; i < chans.size(); ++i) EXPECT_EQ(host_->close(chans[i]), 0);
  EXPECT_EQ(host_->host_bytes(), 0u);
}

TEST_F(HostBudgetTest, ASpentBudgetRefusesEveryNewChannelAndNothingElse) {
  const std::string chunk(XABI_LIMIT_IO, 'x');
  const int64_t first = host_->open_url("POST", origin_ + "/sink");
  ASSERT_GE(first, 0);
  while (wr(static_cast<int32_t>(first), chunk) > 0) {
  }
  // No room for another channel's structures: every call that would open one
  // answers E_NO_RESOURCES (the rules' host-declined outcome).
  EXPECT_EQ(host_->open_url("GET", origin_ + "/big"), XABI_E_NO_RESOURCES);
  EXPECT_EQ(host_->open_channels(), 1u);
  ASSERT_EQ(host_->close(static_cast<int32_t>(first)), 0);
  EXPECT_EQ(host_->host_bytes(), 0u);
}

TEST_F(HostBudgetTest, OpenUrlIsRefusedWhenNoWindowFits) {
  const std::string chunk(XABI_LIMIT_IO, 'x');
  const int64_t first = host_->open_url("POST", origin_ + "/sink");
  ASSERT_GE(first, 0);
  while (wr(static_cast<int32_t>(first), chunk) > 0) {
  }
  EXPECT_EQ(host_->open_url("GET", origin_ + "/big"), XABI_E_NO_RESOURCES);
  ASSERT_EQ(host_->close(static_cast<int32_t>(first)), 0);
  EXPECT_GE(host_->open_url("GET", origin_ + "/big"), 0);
}

TEST_F(HostBudgetTest, ALargeResponseStreamsThroughTheWindow) {
  // Sixteen channels ask for a response twice the whole budget each (256 MiB
  // in all) and nobody reads: the host holds a window each, not the
  // responses. (Sixteen, not all 64: more unread loopback streams push this
  // kernel into TCP memory pressure, which slows every socket for seconds.)
  std::vector<int32_t> chans;
  for (int i = 0; i < 16; ++i) {
    const int64_t ch = host_->open_url("GET", origin_ + "/big");
    ASSERT_GE(ch, 0) << i;
    chans.push_back(static_cast<int32_t>(ch));
    uint8_t b[1];
    dispatch::OutBytes ob{b, 1};
    (void)host_->read(static_cast<int32_t>(ch), ob, 0 + 1);  // sends the request
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(host_->host_bytes(), XABI_LIMIT_HOST_BYTES);
  // One of them is read to the end, through its window, byte for byte.
  std::vector<uint8_t> buf(XABI_LIMIT_IO);
  uint64_t got = 0;
  int64_t n = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    dispatch::OutBytes ob{buf.data(), buf.size()};
    n = host_->read(chans[0], ob, buf.size());
    if (n < 0) break;
    if (n == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    got += static_cast<uint64_t>(n);
  }
  EXPECT_EQ(n, XABI_E_CLOSED);
  EXPECT_GT(got, kBig);  // status line and headers, then every byte of the body
  EXPECT_LT(got, kBig + 4096);
  for (int32_t ch : chans) EXPECT_EQ(host_->close(ch), 0);
  EXPECT_EQ(host_->host_bytes(), 0u);
}

}  // namespace
}  // namespace xabi::calls
