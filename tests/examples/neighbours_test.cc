// Fault and resource isolation (the process-per-site browser's tests): a
// crashing, CPU-hogging, memory-hogging, stalled or slot-scribbling
// picoprocess beside a healthy one in the same event loop. The healthy one's
// calls must all complete, none slower than a stated bound, and the monitor
// must keep serving afterwards.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>

#include "launcher.h"
#include "monitor_loop.h"
#include "serve.h"

namespace {

using namespace std::chrono_literals;
namespace launch = xabi::launch;

// Slowest single call the healthy picoprocess may see: a starvation bound, not
// a latency target. On 2 shared cores with ctest running other tests beside
// this one, single calls of 300 ms were seen (CI, beside 'garbage'); a
// neighbour that starved the healthy picoprocess would hold it for seconds.
// Latency (median, p99) beside each neighbour is measured by
// bench/neighbours, never asserted here (docs/benchmarks.md).
constexpr uint64_t kBoundUs = 1000000;

// Calls the healthy picoprocess makes. Under load each call can cost a
// scheduler tick or more (beside a spinning neighbour, with ctest running a
// second spinning test on the other core, 20000 calls took 6 to 60 s, before
// and after the posted-slot hint alike): enough samples for the slowest call,
// few enough that the 60 s deadline only catches starvation.
constexpr const char* kHealthyCalls = "2000";

launch::LaunchSpec spec(std::vector<std::string> args, launch::Mode mode = launch::Mode::kKill) {
  launch::LaunchSpec s;
  s.image_path = XABI_NEIGHBOURS_GUEST;
  s.args = {XABI_NEIGHBOURS_GUEST};
  s.args.insert(s.args.end(), args.begin(), args.end());
  s.memory_quota = 64 << 20;
  s.bootstrap_path = XABI_BOOTSTRAP_PATH;
  s.mode = mode;
  return s;
}

class Neighbours : public ::testing::TestWithParam<const char*> {};

TEST_P(Neighbours, HealthyPicoprocessKeepsBeingServed) {
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC | O_NONBLOCK), 0);
  std::map<pid_t, launch::Picoprocess*> by_pid;
  std::map<pid_t, xabi::monitor::ExitInfo> exits;
  xabi::monitor::LoopHooks hooks;
  hooks.on_notify = [&](xabi::monitor::ServedPicoprocess& mp) {
    launch::Picoprocess* p = by_pid[mp.pid];
    (void)launch::handle_notification(*p, p->mode());
  };
  hooks.on_exit = [&](const xabi::monitor::ServedPicoprocess& mp, xabi::monitor::ExitInfo info) { exits[mp.pid] = info; };
  xabi::monitor::MonitorLoop loop({50us, out[1], hooks});

  std::vector<std::unique_ptr<launch::Picoprocess>> procs;
  auto start = [&](std::vector<std::string> args) -> pid_t {
    // The double-fetch attacker runs in errno mode so its random system calls
    // do not end it: it keeps attacking for the whole test.
    const bool attacker = args[0] == std::string("doublefetch");
    auto p = launch::launch(spec(std::move(args), attacker ? launch::Mode::kErrno : launch::Mode::kKill));
    if (!p || !launch::await_sealed(p.value(), 5s)) return -1;
    procs.push_back(std::make_unique<launch::Picoprocess>(std::move(p.value())));
    by_pid[procs.back()->pid()] = procs.back().get();
    if (loop.add(xabi::app::for_loop(*procs.back())) <= 0) return -1;
    return procs.back()->pid();
  };
  const pid_t bad = start({GetParam()});
  ASSERT_GT(bad, 0);
  for (int i = 0; i < 10; ++i) loop.run_once(5);  // let the neighbour get going
  const pid_t good = start({"healthy", kHealthyCalls});
  ASSERT_GT(good, 0);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!exits.count(good) && std::chrono::steady_clock::now() < deadline) loop.run_once(10);
  ASSERT_TRUE(exits.count(good)) << "the healthy picoprocess did not finish beside '" << GetParam() << "'";
  EXPECT_EQ(exits[good].code, CLD_EXITED);
  EXPECT_EQ(exits[good].status, 0);
  char buf[256] = {};
  ssize_t n = read(out[0], buf, sizeof buf - 1);
  ASSERT_GT(n, 0);
  const std::string line(buf, static_cast<size_t>(n));
  const auto at = line.find("RESULT max_us ");
  ASSERT_NE(at, std::string::npos) << line;
  const uint64_t worst = std::stoull(line.substr(at + 14));
  EXPECT_LE(worst, kBoundUs) << "slowest call beside '" << GetParam() << "': " << worst << " us";
  // The neighbour really was misbehaving all along: the crash crashed, every
  // other one is still running (still hogging, stalling or attacking).
  if (std::string(GetParam()) == "crash") {
    EXPECT_TRUE(exits.count(bad) && exits[bad].code != CLD_EXITED) << "the crashing neighbour did not crash";
  } else {
    EXPECT_FALSE(exits.count(bad)) << "the '" << GetParam() << "' neighbour ended early (" << (exits[bad].code == CLD_EXITED ? "exit " : "signal ") << exits[bad].status << ")";
  }
  std::cout << "[ isolation ] beside " << GetParam() << ": " << kHealthyCalls << " calls, slowest " << worst << " us\n";

  // The monitor is still up and serving: a second healthy picoprocess.
  const pid_t again = start({"healthy", "100"});
  ASSERT_GT(again, 0);
  while (!exits.count(again) && std::chrono::steady_clock::now() < deadline + 10s) loop.run_once(10);
  EXPECT_TRUE(exits.count(again) && exits[again].status == 0);
  close(out[0]);
  close(out[1]);
}

INSTANTIATE_TEST_SUITE_P(Beside, Neighbours, ::testing::Values("hog", "membomb", "crash", "stall", "garbage", "doublefetch"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
