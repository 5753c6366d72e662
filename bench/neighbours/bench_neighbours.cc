// xabi-bench-neighbours: a healthy picoprocess's call latency alone and beside
// a misbehaving neighbour in the same monitor (the process-per-site browser's
// CPU-adversary measurement). Prints medians over repetitions; asserts nothing.
//
//   build/bench/neighbours/xabi-bench-neighbours [--reps N] [--calls N] [--gap-us N]
//
// Each run: the neighbour starts and runs for 200 ms, then the probe makes
// --calls null HOST calls --gap-us apart and reports its median, p99 and
// slowest call. Neighbours: a 64-thread CPU hog, a memory hog (its quota
// resident and rewritten, plus alloc/touch/free churn), a thread/fork storm.
// The native reference: the same probe as a thread of this process
// (close(-1), nanosleep between calls), alone and beside 64 spinning threads of
// this process, that is without a cgroup between them.
//
// Exit status: 0 it ran (whatever the numbers), 2 usage error, 70 internal
// error (a measurement could not be taken).
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_clock.h"
#include "launcher.h"
#include "monitor_loop.h"
#include "serve.h"
#include "xabi/meta.hpp"

namespace {

using xabi::bench::median;
using xabi::bench::now_ns;

using namespace std::chrono_literals;
namespace launch = xabi::launch;

struct Latency {
  double median_us = 0, p99_us = 0, max_us = 0;
};



launch::LaunchSpec spec(std::vector<std::string> args, launch::Mode mode) {
  launch::LaunchSpec s;
  s.image_path = XABI_NEIGHBOUR_GUEST;
  s.args = {XABI_NEIGHBOUR_GUEST};
  s.args.insert(s.args.end(), args.begin(), args.end());
  s.memory_quota = 64 << 20;
  s.bootstrap_path = XABI_BOOTSTRAP_PATH;
  s.mode = mode;
  return s;
}

// One run: the neighbour (none when empty), then the probe, in one loop.
Latency guest_run(const std::vector<std::string>& neighbour, uint64_t calls, uint64_t gap_us) {
  int out[2];
  if (pipe2(out, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
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
  auto start = [&](std::vector<std::string> args, launch::Mode mode) -> pid_t {
    auto p = launch::launch(spec(std::move(args), mode));
    if (!p || !launch::await_sealed(p.value(), 5s)) throw std::runtime_error("a guest did not start");
    procs.push_back(std::make_unique<launch::Picoprocess>(std::move(p.value())));
    by_pid[procs.back()->pid()] = procs.back().get();
    if (loop.add(xabi::app::for_loop(*procs.back())) <= 0) throw std::runtime_error("the loop refused a guest");
    return procs.back()->pid();
  };
  if (!neighbour.empty()) {
    // The storm's fork attempts are refused with an errno, not by ending it.
    start(neighbour, neighbour[0] == "clonestorm" ? launch::Mode::kErrno : launch::Mode::kKill);
    const auto warm = std::chrono::steady_clock::now() + 200ms;
    while (std::chrono::steady_clock::now() < warm) loop.run_once(5);
  }
  const pid_t probe = start({"probe", std::to_string(calls), std::to_string(gap_us)}, launch::Mode::kKill);
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!exits.count(probe) && std::chrono::steady_clock::now() < deadline) loop.run_once(10);
  char buf[256] = {};
  const ssize_t n = read(out[0], buf, sizeof buf - 1);
  close(out[0]);
  close(out[1]);
  if (!exits.count(probe) || exits[probe].status != 0 || n <= 0) throw std::runtime_error("the probe did not finish");
  if (!neighbour.empty() && exits.size() > 1) throw std::runtime_error("the neighbour ended early");
  unsigned long med = 0, p99 = 0, mx = 0;
  if (std::sscanf(buf, "RESULT median_ns %lu p99_ns %lu max_ns %lu", &med, &p99, &mx) != 3)
    throw std::runtime_error(std::string("unexpected probe output: ") + buf);
  return {med / 1e3, p99 / 1e3, mx / 1e3};
}  // procs: killed and reaped

// The native reference: close(-1) from a thread of this process, beside
// `hogs` spinning threads of this process.
Latency native_run(int hogs, uint64_t calls, uint64_t gap_us) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> spinners;
  for (int i = 0; i < hogs; ++i)
    spinners.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  if (hogs) std::this_thread::sleep_for(200ms);
  std::vector<double> lat;
  lat.reserve(calls);
  std::thread probe([&] {
    for (uint64_t i = 0; i < calls; ++i) {
      const uint64_t t0 = now_ns();
      syscall(SYS_close, -1);
      lat.push_back(double(now_ns() - t0));
      if (gap_us) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
    }
  });
  probe.join();
  stop = true;
  for (auto& t : spinners) t.join();
  std::sort(lat.begin(), lat.end());
  return {lat[lat.size() / 2] / 1e3, lat[lat.size() * 99 / 100] / 1e3, lat.back() / 1e3};
}

struct Scenario {
  const char* name;
  std::vector<std::string> neighbour;  // guest arguments; empty: alone
  int native_hogs;                     // -1: no native reference
};

}  // namespace

int run_main(int argc, char** argv) {
  int reps = 5;
  uint64_t calls = 2000, gap_us = 200;
  CLI::App app{"xabi-bench-neighbours: a healthy picoprocess's call latency beside misbehaving neighbours (docs/benchmarks.md)"};
  app.set_version_flag("--version",
                       "xabi-bench-neighbours " XABI_PROJECT_VERSION " (xabi ABI spec version " + std::to_string(xabi::meta::kAbiVersion) + ")",
                       "print the version and the ABI spec version, and exit");
  app.footer(
      "Exit status:\n"
      "  0   the measurements ran (the numbers are printed, never judged)\n"
      "  2   usage error: an unknown option or a bad value\n"
      "  70  an internal error (a measurement could not be taken)");
  app.add_option("--reps", reps, "runs of each scenario; the medians are printed (1..100, default 5)")->check(CLI::Range(1, 100));
  app.add_option("--calls", calls, "null calls per run (100..100000, default 2000)")->check(CLI::Range(100, 100000));
  app.add_option("--gap-us", gap_us, "microseconds between the probe's calls (0..100000, default 200)")->check(CLI::Range(0, 100000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  const std::vector<Scenario> scenarios = {
      {"alone", {}, 0},
      {"beside a 64-thread CPU hog", {"hog", "64"}, 64},
      {"beside a memory hog", {"memhog"}, -1},
      {"beside a thread/fork storm", {"clonestorm"}, -1},
  };
  std::printf("\n== xabi-bench-neighbours: %d runs of %lu null calls, %lu us apart; medians over runs ==\n", reps,
              static_cast<unsigned long>(calls), static_cast<unsigned long>(gap_us));
  std::printf("%-30s %12s %12s %12s   %12s %12s   %s\n", "scenario", "median", "p99", "slowest", "native med", "native p99",
              "goal beside the hog: median <= 500 us, p99 <= 2000 us");
  for (const Scenario& s : scenarios) {
    std::vector<double> med, p99, mx, nmed, np99;
    for (int r = 0; r < reps; ++r) {
      const Latency g = guest_run(s.neighbour, calls, gap_us);
      med.push_back(g.median_us), p99.push_back(g.p99_us), mx.push_back(g.max_us);
      if (s.native_hogs >= 0) {
        const Latency n = native_run(s.native_hogs, calls, gap_us);
        nmed.push_back(n.median_us), np99.push_back(n.p99_us);
      }
    }
    std::string verdict;
    if (s.native_hogs == 64) verdict = median(med) <= 500 && median(p99) <= 2000 ? "met" : "NOT MET";
    std::printf("%-30s %9.1f us %9.1f us %9.1f us   ", s.name, median(med), median(p99), median(mx));
    if (nmed.empty())
      std::printf("%12s %12s   %s\n", "-", "-", verdict.c_str());
    else
      std::printf("%9.1f us %9.1f us   %s\n", median(nmed), median(np99), verdict.c_str());
    std::fflush(stdout);
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xabi-bench-neighbours: internal error: %s\n", e.what());
  }
  return 70;
}
