// LIMIT_HOST_BYTES seen from outside (issue 9, finding 3): the real xabi-host
// serves a guest that fills every channel's request body until refused and
// starts 64 large responses it never reads; the monitor's peak RSS (from its
// own --report) grows by at most the budget plus a stated constant over the
// same guest doing nothing. On b83f27c the same guest drove the host past 1 GB.
#include <httplib.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "run_xabi_host.h"
#include "xabi/xabi.h"

namespace xabi::test {
namespace {

// What the host may hold beyond the budget: 64 request worker threads
// (stacks touched, cpp-httplib's buffers) and allocator slack.
constexpr uint64_t kConstant = 8ull << 20;  // measured: 3.6 MiB (2026-12-02)

uint64_t peak_rss(const std::string& mode, const std::string& origin) {
  const std::string report = "/tmp/xabi-budget-" + std::to_string(getpid()) + "-" + mode + ".json";
  const HostRun r = run_host({"xabi-host", "run", "--memory", "16M", "--origin", origin, "--report", report,
                              XABI_FLOOD_GUEST, "--", mode, origin},
                             60000);
  EXPECT_EQ(r.status, 0) << mode << ": " << r.err;
  std::ifstream in(report);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  std::filesystem::remove(report);
  if (j.is_discarded() || !j.contains("monitor_max_rss_bytes")) {
    ADD_FAILURE() << "no monitor_max_rss_bytes in the report";
    return 0;
  }
  return j["monitor_max_rss_bytes"].get<uint64_t>();
}

TEST(HostBudget, MonitorRssGrowsByAtMostTheBudgetUnderAChannelFlood) {
#if defined(XABI_HOST_SANITIZED)
  GTEST_SKIP() << "xabi-host is built with ASan here: its allocator's quarantine and shadow memory, not the host's "
                  "own holdings, dominate its RSS (the regular build runs this test)";
#endif
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(2 * XABI_LIMIT_CHANNELS); };
  server.Post("/sink", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(64u << 20, "application/octet-stream", [](size_t, size_t length, httplib::DataSink& sink) {
      static const std::string block(64u << 10, 'b');
      return sink.write(block.data(), std::min(length, block.size()));
    });
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);
  const uint64_t idle = peak_rss("idle", origin);
  const uint64_t flood = peak_rss("bodies", origin);
  server.stop();
  t.join();
  std::cout << "[ MEASURED ] monitor peak RSS: idle " << idle / 1024 << " KiB, flood " << flood / 1024
            << " KiB, growth " << (flood > idle ? (flood - idle) / 1024 : 0) << " KiB (budget "
            << XABI_LIMIT_HOST_BYTES / 1024 << " KiB + " << kConstant / 1024 << " KiB)\n";
  EXPECT_LE(flood, idle + XABI_LIMIT_HOST_BYTES + kConstant);
}

}  // namespace
}  // namespace xabi::test
