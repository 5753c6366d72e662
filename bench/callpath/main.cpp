// xabi-bench-callpath: measures one host call round trip (32-byte request,
// 16-byte response) between two processes for each candidate call path, then
// prints a summary of medians and their ratio to a native close(-1) measured
// in the same run. See docs/callpath.md.
//
//   xabi-bench-callpath [--benchmark_filter=REGEX] [--benchmark_min_time=S] [--benchmark_out=FILE] ...
//   xabi-bench-callpath --version
//
// Exit status: kExitStatuses below (also at the end of --help).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mechanisms.hpp"
#include "xabi/meta.hpp"

namespace xabi::bench {
namespace {

constexpr const char* kBaseline = "native/close(-1)";
constexpr const char* kSpinPoll = "calib/spin_poll";
// The design target: a null host call costs at most this many native calls.
constexpr double kTargetRatio = 10.0;

constexpr Placement kPlacements[] = {Placement::kUnpinned, Placement::kSplit, Placement::kSame};
constexpr int kSpinLimits[] = {0, 100, 2000, 20000};

void RegisterAll() {
  benchmark::RegisterBenchmark(kBaseline, BM_NativeClose)->UseRealTime();
  benchmark::RegisterBenchmark(kSpinPoll, BM_SpinPoll)->UseRealTime();
  for (Placement p : kPlacements) {
    const std::string where = PlacementName(p);
    benchmark::RegisterBenchmark(("socketpair/" + where).c_str(), BM_Stream,
                                 StreamKind::kSocketpair, p)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("pipe/" + where).c_str(), BM_Stream, StreamKind::kPipe, p)
        ->UseRealTime();
  }
  for (int spin : kSpinLimits) {
    for (Placement p : kPlacements) {
      const std::string name = "ring/spin:" + std::to_string(spin) + "/" + PlacementName(p);
      benchmark::RegisterBenchmark(name.c_str(), BM_Ring, spin, p)->UseRealTime();
    }
  }
  for (bool sync : {false, true}) {
    for (Placement p : kPlacements) {
      const std::string name =
          std::string("seccomp_notif/") + (sync ? "sync_wake/" : "plain/") + PlacementName(p);
      // The calls run (and are timed) in the child; see seccomp_notif.cpp.
      benchmark::RegisterBenchmark(name.c_str(), BM_SeccompNotif, sync, p)->UseManualTime();
    }
  }
}

// The normal console output, plus a record of every repetition's time per
// call so main() can print medians across repetitions at the end.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      // function_name is the registered name, without "/real_time" etc.
      const std::string name = run.run_name.function_name;
      if (seen_.insert(name).second) order_.push_back(name);
      if (run.error_occurred) {
        errors_[name] = run.error_message;
      } else if (run.run_type == Run::RT_Aggregate) {
        // Only used when --benchmark_display_aggregates_only hides the
        // repetitions themselves.
        if (run.aggregate_name == "median") {
          medians_[name] = {run.GetAdjustedRealTime() * NsPerUnit(run.time_unit), run.repetitions};
        }
      } else if (run.iterations > 0) {
        // real_accumulated_time is the manual time for UseManualTime() runs.
        samples_[name].push_back(run.real_accumulated_time * 1e9 / double(run.iterations));
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void PrintSummary() const;

 private:
  std::vector<std::string> order_;  // first-seen order = registration order
  std::set<std::string> seen_;
  std::map<std::string, std::vector<double>> samples_;
  std::map<std::string, std::string> errors_;
  struct Aggregate {
    double median_ns;
    int64_t reps;
  };
  std::map<std::string, Aggregate> medians_;

  static double NsPerUnit(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond: return 1;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1;
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void SummaryReporter::PrintSummary() const {
  // Per mechanism: median, min, max over repetitions (min/max unknown when
  // only the library's median aggregate was seen).
  struct Row {
    size_t reps;
    double median, min, max;
  };
  auto row = [&](const std::string& name) -> std::optional<Row> {
    if (auto it = samples_.find(name); it != samples_.end()) {
      const auto [lo, hi] = std::minmax_element(it->second.begin(), it->second.end());
      return Row{it->second.size(), Median(it->second), *lo, *hi};
    }
    if (auto it = medians_.find(name); it != medians_.end()) {
      return Row{size_t(it->second.reps), it->second.median_ns, NAN, NAN};
    }
    return std::nullopt;
  };
  const double base = row(kBaseline) ? row(kBaseline)->median : 0;

  std::printf("\nCall path summary: round trip per call, median over repetitions\n");
  std::printf("%-36s %4s %11s %11s %11s %8s\n", "mechanism", "reps", "median_ns", "min_ns",
              "max_ns", "x_close");
  std::string best;
  double best_ns = 0;
  std::vector<std::string> within;
  for (const std::string& name : order_) {
    const std::optional<Row> r = row(name);
    if (!r) {
      auto err = errors_.find(name);
      std::printf("%-36s SKIPPED: %s\n", name.c_str(),
                  err != errors_.end() ? err->second.c_str() : "no result");
      continue;
    }
    const double med = r->median;
    char ratio[32] = "n/a";
    if (base > 0 && name != kSpinPoll) std::snprintf(ratio, sizeof ratio, "%.1fx", med / base);
    char lo[32] = "-", hi[32] = "-";
    if (!std::isnan(r->min)) {
      std::snprintf(lo, sizeof lo, "%.1f", r->min);
      std::snprintf(hi, sizeof hi, "%.1f", r->max);
    }
    std::printf("%-36s %4zu %11.1f %11s %11s %8s\n", name.c_str(), r->reps, med, lo, hi, ratio);
    if (name == kBaseline || name == kSpinPoll) continue;
    if (best.empty() || med < best_ns) {
      best = name;
      best_ns = med;
    }
    if (base > 0 && med <= kTargetRatio * base) within.push_back(name);
  }
  if (base <= 0) {
    std::printf("\nNo %s baseline in this run (filtered out?), so no ratios.\n", kBaseline);
    return;
  }
  std::printf("\nTarget: null host call <= %.0fx native close(-1) = %.1f ns.\n", kTargetRatio,
              kTargetRatio * base);
  if (const std::optional<Row> r = row(kSpinPoll)) {
    const double poll = r->median;
    std::printf("One spin poll = %.1f ns, so spin:N waits up to about N x %.1f ns before FUTEX_WAIT.\n",
                poll, poll);
  }
  if (!best.empty()) {
    std::printf("Fastest cross-process path: %s at %.1f ns (%.1fx).\n", best.c_str(), best_ns,
                best_ns / base);
  }
  if (within.empty()) {
    std::printf("No cross-process path met the target in this run.\n");
  } else {
    std::printf("Met the target in this run:");
    for (const std::string& name : within) std::printf(" %s", name.c_str());
    std::printf("\n");
  }
}

constexpr int kExitUsage = 2;
constexpr const char* kExitStatuses =
    "Exit status:\n"
    "  0   the measurements ran (the numbers are printed, never judged)\n"
    "  2   usage error: an unknown option, or a --benchmark_out file that cannot be created\n";

void PrintHelp() {
  benchmark::PrintDefaultHelp();
  std::printf("  --version\n\n%s", kExitStatuses);
}

// libbenchmark finds an unusable --benchmark_out only after the
// registrations, and then exits 1: check it first, as a usage error.
bool OutputFileUsable(int argc, char** argv) {
  constexpr std::string_view kFlag = "--benchmark_out=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (!a.starts_with(kFlag)) continue;
    const std::string path(a.substr(kFlag.size()));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "xabi-bench-callpath: --benchmark_out %s: cannot create it: %s\n", path.c_str(),
                   std::strerror(errno));
      return false;
    }
    ::close(fd);
  }
  return true;
}

}  // namespace
}  // namespace xabi::bench

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--version") {
      std::printf("xabi-bench-callpath " XABI_PROJECT_VERSION " (xabi ABI spec version %u)\n",
                  static_cast<unsigned>(xabi::meta::kAbiVersion));
      return 0;
    }
  if (!xabi::bench::OutputFileUsable(argc, argv)) return xabi::bench::kExitUsage;
  // A dead peer must show up as EPIPE from write(), not kill the benchmark.
  std::signal(SIGPIPE, SIG_IGN);

  xabi::bench::RegisterAll();
  benchmark::Initialize(&argc, argv, xabi::bench::PrintHelp);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return xabi::bench::kExitUsage;

  xabi::bench::SummaryReporter reporter(
      isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                            : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::fflush(stdout);
  reporter.PrintSummary();
  benchmark::Shutdown();
  return 0;
}
