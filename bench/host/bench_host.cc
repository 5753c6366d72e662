// xabi-bench-host: the host's costs against native code measured in the same
// run. Prints medians of repeated runs and their ratios; asserts nothing
// (targets are checked by reading the summary, not by tests).
//
//   build/bench/host/xabi-bench-host [--reps N]     N: 1..1000, default 5
//   build/bench/host/xabi-bench-host --version
//
// Exit status: 0 it ran (whatever the numbers), 2 usage error, 70 internal
// error (a measurement could not be taken).
//
// Measured: a null HOST call vs a native close(-1); alloc+touch+free of 16 MiB
// vs mmap+touch+munmap; SHA-256 over 64 MiB in a guest vs natively; spawn to the
// first host call; monitor and picoprocess memory with 100 idle picoprocesses.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_clock.h"
#include "launcher.h"
#include "monitor_loop.h"
#include "serve.h"
#include "sha256.h"
#include "xabi/meta.hpp"

namespace {

using xabi::bench::median;
using xabi::bench::now_ns;



xabi::launch::LaunchSpec spec(std::vector<std::string> args, uint64_t quota = 256ull << 20) {
  xabi::launch::LaunchSpec s;
  s.image_path = XABI_BENCH_GUEST;
  s.args = {XABI_BENCH_GUEST};
  s.args.insert(s.args.end(), args.begin(), args.end());
  s.memory_quota = quota;
  s.bootstrap_path = XABI_BOOTSTRAP_PATH;
  return s;
}

// Runs the guest once; returns the number after "RESULT <name> ".
double guest_result(std::vector<std::string> args, const char* name, uint64_t t0_override = 0) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  if (t0_override) args.back() = std::to_string(now_ns());
  auto p = xabi::launch::launch(spec(args));
  if (!p || !xabi::launch::await_sealed(p.value(), std::chrono::seconds(5))) return -1;
  xabi::app::ServeOptions o;
  o.console_fd = pipefd[1];
  o.timeout = std::chrono::seconds(120);
  xabi::app::serve(p.value(), o);
  close(pipefd[1]);
  char buf[512] = {};
  ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
  close(pipefd[0]);
  if (n <= 0) return -1;
  std::string out(buf, static_cast<size_t>(n));
  std::string key = std::string("RESULT ") + name + " ";
  auto at = out.find(key);
  return at == std::string::npos ? -1 : std::stod(out.substr(at + key.size()));
}

long status_kb(const std::string& path, const char* field) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return -1;
}

}  // namespace

int run_main(int argc, char** argv) {
  int reps = 5;
  CLI::App app{"xabi-bench-host: the host's costs against native code, measured in one run (docs/benchmarks.md)"};
  app.set_version_flag("--version",
                       "xabi-bench-host " XABI_PROJECT_VERSION " (xabi ABI spec version " + std::to_string(xabi::meta::kAbiVersion) + ")",
                       "print the version and the ABI spec version, and exit");
  app.footer(
      "Exit status:\n"
      "  0   the measurements ran (the numbers are printed, never judged)\n"
      "  2   usage error: an unknown option or a bad value\n"
      "  70  an internal error (a measurement could not be taken)");
  app.add_option("--reps", reps, "repetitions of each measurement; the medians are printed (1..1000, default 5)")
      ->check(CLI::Range(1, 1000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::vector<double> native_close, guest_null, native_alloc, guest_alloc, native_sha, guest_sha, spawn;
  const uint64_t kNull = 200000, kAlloc = 20;
  for (int r = 0; r < reps; ++r) {
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < kNull; ++i) syscall(SYS_close, -1);
    native_close.push_back(double(now_ns() - t0) / kNull);
    guest_null.push_back(guest_result({"null", std::to_string(kNull)}, "null_ps") / 1000.0);

    t0 = now_ns();
    for (uint64_t i = 0; i < kAlloc; ++i) {
      auto* p = static_cast<volatile uint8_t*>(mmap(nullptr, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      for (size_t off = 0; off < (16u << 20); off += 4096) p[off] = 1;
      munmap(const_cast<uint8_t*>(p), 16 << 20);
    }
    native_alloc.push_back(double(now_ns() - t0) / kAlloc);
    guest_alloc.push_back(guest_result({"alloc", std::to_string(kAlloc)}, "alloc_ns"));

    std::vector<uint8_t> data(64 << 20);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131);
    uint8_t digest[32];
    t0 = now_ns();
    bench_sha256(data.data(), data.size(), digest);
    native_sha.push_back(double(now_ns() - t0));
    guest_sha.push_back(guest_result({"sha", "1"}, "sha_ns"));

    spawn.push_back(guest_result({"spawn", "0"}, "spawn_ns", 1) / 1e6);
  }

  // Memory: 100 idle picoprocesses served by one loop.
  const long rss_before = status_kb("/proc/self/status", "VmRSS:");
  std::vector<xabi::launch::Picoprocess> idle;
  xabi::monitor::MonitorLoop loop({std::chrono::microseconds(50), -1, {}});
  for (int i = 0; i < 100; ++i) {
    auto p = xabi::launch::launch(spec({"idle"}, 64ull << 20));
    if (!p || !xabi::launch::await_sealed(p.value(), std::chrono::seconds(5))) break;
    idle.push_back(std::move(p.value()));
    auto& q = idle.back();
    xabi::monitor::ServedPicoprocess mp = xabi::app::for_loop(q);
    mp.console = false;
    loop.add(std::move(mp));
  }
  for (int i = 0; i < 20; ++i) loop.run_once(10);
  const long rss_after = status_kb("/proc/self/status", "VmRSS:");
  long pss_total = 0;
  for (auto& q : idle) pss_total += status_kb("/proc/" + std::to_string(q.pid()) + "/smaps_rollup", "Pss:");
  const size_t n_idle = idle.size();
  idle.clear();  // kills and reaps

  const double null_ratio = median(guest_null) / median(native_close);
  const double alloc_ratio = median(guest_alloc) / median(native_alloc);
  const double sha_ratio = median(native_sha) / median(guest_sha);
  std::printf("\n== xabi-bench-host: medians of %d runs ==\n", reps);
  std::printf("%-34s %12s %12s %9s   %s\n", "measurement", "xabi", "native", "ratio", "target");
  std::printf("%-34s %10.0f ns %10.0f ns %8.1fx   <= 10x   %s\n", "null host call vs close(-1)", median(guest_null), median(native_close),
              null_ratio, null_ratio <= 10 ? "met" : "NOT MET");
  std::printf("%-34s %10.0f us %10.0f us %8.2fx   <= 1.5x  %s\n", "alloc+touch+free 16 MiB", median(guest_alloc) / 1e3,
              median(native_alloc) / 1e3, alloc_ratio, alloc_ratio <= 1.5 ? "met" : "NOT MET");
  std::printf("%-34s %10.0f ms %10.0f ms %8.3fx   >= 0.97x %s (native/guest speed)\n", "SHA-256 over 64 MiB", median(guest_sha) / 1e6,
              median(native_sha) / 1e6, sha_ratio, sha_ratio >= 0.97 ? "met" : "NOT MET");
  std::printf("%-34s %10.2f ms %12s %9s   <= 5 ms  %s\n", "spawn to first host call", median(spawn), "-", "-",
              median(spawn) <= 5 ? "met" : "NOT MET");
  std::printf("%-34s %10ld kB (monitor RSS growth for %zu idle picoprocesses: %.1f kB each)\n", "monitor memory",
              rss_after - rss_before, n_idle, n_idle ? double(rss_after - rss_before) / double(n_idle) : 0.0);
  std::printf("%-34s %10.1f kB per picoprocess (Pss, mean of %zu)\n", "picoprocess memory", n_idle ? double(pss_total) / double(n_idle) : 0.0,
              n_idle);
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xabi-bench-host: internal error: %s\n", e.what());
  }
  return 70;
}
