// The ptrace host's null call against native close(-1), in one run:
//   bench_ptrace_null [ROUNDS]
// Each round runs the probe guest (tests/ptrace/guests/probe.c "null 20000")
// under xabi-ptrace, which prints its mean ns per xabi_close(-1), and times
// 20000 native close(-1) here; the medians of the rounds and their ratio are
// printed, once free to use any CPU and once with everything pinned to the CPU
// the bench started on (monitor and picoprocess then hand over on one core).
#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr int kCalls = 20000;

double now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

double native_close() {
  const double t0 = now_ns();
  for (int i = 0; i < kCalls; ++i) close(-1);
  return (now_ns() - t0) / kCalls;
}

double ptrace_close() {
  const std::string cmd = std::string(XABI_PTRACE) + " run " + XABI_PROBE + " -- null " + std::to_string(kCalls);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  double ns = -1;
  if (std::fscanf(p, "%lf", &ns) != 1) ns = -1;
  return pclose(p) == 0 ? ns : -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

bool measure(const char* label, int rounds) {
  std::vector<double> native, traced;
  for (int r = 0; r < rounds; ++r) {
    native.push_back(native_close());
    const double t = ptrace_close();
    if (t < 0) {
      std::fprintf(stderr, "bench_ptrace_null: xabi-ptrace did not run the probe\n");
      return false;
    }
    traced.push_back(t);
  }
  const double n = median(native), t = median(traced);
  std::printf("%s\n  native close(-1)            %8.0f ns\n", label, n);
  std::printf("  xabi-ptrace xabi_close(-1)  %8.0f ns  (%.0fx native)\n", t, t / n);
  return true;
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  if (!measure("any CPU:", rounds)) return 1;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0) return 1;
  if (!measure("pinned to one CPU:", rounds)) return 1;
  std::printf("median of %d rounds of %d calls\n", rounds, kCalls);
  return 0;
}
