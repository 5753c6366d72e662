// xabi-bench-legacy: unmodified static Linux programs in a picoprocess
// (xabi-host run --linux) against the same programs run natively, measured
// in one run. Prints medians of repeated runs and their ratios; asserts
// nothing (docs/benchmarks.md reads the summary).
//
//   build/bench/legacy/xabi-bench-legacy [--reps N] [--calls N] [--mib N]
//
// Measured:
//   - busybox sha256sum over --mib MiB (default 64): from the picoprocess's
//     in-memory tar file system vs a file in /dev/shm natively, and from the
//     host's standard input (a file) in both; each also with the start-up of
//     `busybox true` on the same image subtracted;
//   - the cost of one emulated system call (syscall-loop: getppid, and a
//     1-byte pread from the RAM disk /tmp) vs native;
//   - start-up of `busybox true`: native, xabi-host --linux, bubblewrap and
//     gVisor's runsc where installed (said so where not).
// Exit status: 0 it ran (whatever the numbers), 2 usage error, 70 a
// measurement could not be taken.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_clock.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using xabi::bench::median;
using xabi::bench::now_ns;

struct Run {
  int status = -1;
  std::string out;
  double ms = 0;
};

// Runs argv with stdin from `in` (a path; empty: /dev/null), stdout captured
// when `capture`, else to /dev/null; stderr to /dev/null. Wall time in ms,
// from just before the spawn to the reap.
std::optional<Run> run(const std::vector<std::string>& argv, const std::string& in = "", bool capture = false) {
  int pipefd[2] = {-1, -1};
  if (capture && pipe2(pipefd, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
  if (capture) posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  else posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  Run r;
  const uint64_t t0 = now_ns();
  pid_t pid = -1;
  const int e = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (capture) close(pipefd[1]);
  if (e != 0) {
    if (capture) close(pipefd[0]);
    return std::nullopt;
  }
  if (capture) {
    char buf[4096];
    for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
  }
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return std::nullopt;
  r.ms = static_cast<double>(now_ns() - t0) / 1e6;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

[[noreturn]] void cannot(const std::string& what) {
  std::cerr << "xabi-bench-legacy: " << what << "\n";
  std::exit(70);
}

// The median wall time of `reps` runs, each of which must exit 0.
double median_ms(const std::vector<std::string>& argv, int reps, const std::string& in = "") {
  std::vector<double> v;
  for (int i = 0; i < reps; ++i) {
    auto r = run(argv, in);
    if (!r || r->status != 0) {
      std::string cmd;
      for (const auto& a : argv) cmd += a + " ";
      cannot("a run failed (status " + std::to_string(r ? r->status : -1) + "): " + cmd);
    }
    v.push_back(r->ms);
  }
  return median(v);
}

// syscall-loop's "NAME N NS" lines.
std::map<std::string, double> loop_costs(const std::vector<std::string>& argv) {
  auto r = run(argv, "", true);
  if (!r || r->status != 0) cannot("syscall-loop failed (status " + std::to_string(r ? r->status : -1) + ")");
  std::map<std::string, double> out;
  std::istringstream in(r->out);
  std::string name;
  long n;
  double ns;
  while (in >> name >> n >> ns) out[name] = ns;
  if (!out.count("getppid") || !out.count("pread1")) cannot("syscall-loop printed no figures: " + r->out);
  return out;
}

bool on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  for (std::string dir; std::getline(ss, dir, ':');)
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

void row(const char* what, double native_v, double pico_v, const char* unit) {
  std::printf("  %-46s %10.2f %s  %10.2f %s  %8.3fx\n", what, native_v, unit, pico_v, unit, native_v / pico_v);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xabi-bench-legacy: unmodified Linux programs in a picoprocess vs native, measured in one run"};
  int reps = 5, mib = 64;
  long calls = 200000;
  app.add_option("--reps", reps, "repetitions of each timed run; medians are printed (1..100, default 5)")->check(CLI::Range(1, 100));
  app.add_option("--calls", calls, "system calls per syscall-loop figure (1000..10000000, default 200000)")
      ->check(CLI::Range(1000L, 10000000L));
  app.add_option("--mib", mib, "MiB for sha256sum (1..1024, default 64)")->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);

  const std::string host = XABI_HOST_BIN, busybox = XABI_BUSYBOX, loop = XABI_SYSCALL_LOOP;
  // The input: a fixed pseudo-random stream, as a file in /dev/shm (memory,
  // like the picoprocess's) and as a tar image of that file.
  char tmpl[] = "/dev/shm/xabi-bench-legacy-XXXXXX";
  if (!mkdtemp(tmpl)) cannot("mkdtemp in /dev/shm");
  const fs::path dir = tmpl, data = dir / "data.bin", tar = dir / "fs.tar";
  {
    std::ofstream f(data, std::ios::binary);
    std::vector<char> block(1 << 20);
    uint64_t x = 88172645463325252ull;
    for (int m = 0; m < mib; ++m) {
      for (char& c : block) c = static_cast<char>((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 56);
      f.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
    if (!f.flush()) cannot("cannot write " + data.string());
  }
  if (auto r = run({"tar", "--format=ustar", "-C", dir.string(), "-cf", tar.string(), "data.bin"}); !r || r->status != 0)
    cannot("tar failed");

  const std::vector<std::string> pico = {host, "run", "--linux", "--memory", "1G", "--fs", tar.string(), busybox, "--"};
  auto with = [](std::vector<std::string> v, std::initializer_list<std::string> more) {
    v.insert(v.end(), more);
    return v;
  };
  // Check once that both sides compute the same digest.
  auto native_sum = run({busybox, "sha256sum", data.string()}, "", true);
  auto pico_sum = run(with(pico, {"sha256sum", "data.bin"}), "", true);
  if (!native_sum || !pico_sum || native_sum->out.substr(0, 64) != pico_sum->out.substr(0, 64))
    cannot("the picoprocess's sha256sum differs from the native one");

  std::printf("xabi-bench-legacy: medians of %d runs, %d MiB, %ld calls per loop (ratio: native / picoprocess, 1 = as fast)\n",
              reps, mib, calls);
  std::printf("  %-46s %13s  %13s  %9s\n", "", "native", "picoprocess", "ratio");
  const double n_true = median_ms({busybox, "true"}, reps);
  const double p_true = median_ms(with(pico, {"true"}), reps);
  const double n_file = median_ms({busybox, "sha256sum", data.string()}, reps);
  const double p_file = median_ms(with(pico, {"sha256sum", "data.bin"}), reps);
  const double n_stdin = median_ms({busybox, "sha256sum"}, reps, data.string());
  const std::vector<std::string> pico_nofs = {host, "run", "--linux", busybox, "--"};
  const double p_stdin = median_ms(with(pico_nofs, {"sha256sum"}), reps, data.string());
  const double p_true_nofs = median_ms(with(pico_nofs, {"true"}), reps);
  row("sha256sum FILE (tar fs / /dev/shm), wall", n_file, p_file, "ms");
  row("  the same minus `true` on the same image", n_file - n_true, p_file - p_true, "ms");
  row("sha256sum < FILE (host stdin), wall", n_stdin, p_stdin, "ms");
  row("  the same minus `true`", n_stdin - n_true, p_stdin - p_true_nofs, "ms");

  const auto nl = loop_costs({loop, std::to_string(calls), (dir / "byte").string()});
  const auto pl = loop_costs({host, "run", "--linux", loop, "--", std::to_string(calls)});
  row("getppid, per call", nl.at("getppid") / 1000, pl.at("getppid") / 1000, "us");
  row("pread of 1 byte (RAM disk /tmp), per call", nl.at("pread1") / 1000, pl.at("pread1") / 1000, "us");

  std::printf("  start-up of `busybox true` (wall):\n");
  std::printf("    %-44s %10.2f ms\n", "native", n_true);
  std::printf("    %-44s %10.2f ms  (%.1fx native)\n", "xabi-host run --linux", p_true_nofs, p_true_nofs / n_true);
  std::printf("    %-44s %10.2f ms  (%.1fx native)\n", "xabi-host run --linux --fs (the tar above)", p_true, p_true / n_true);
  if (on_path("bwrap")) {
    const double b = median_ms({"bwrap", "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", busybox, "true"}, reps);
    std::printf("    %-44s %10.2f ms  (%.1fx native)\n", "bwrap --ro-bind / / --unshare-all", b, b / n_true);
  } else {
    std::printf("    %-44s not installed\n", "bwrap");
  }
  if (on_path("runsc")) {
    const double g = median_ms({"runsc", "--rootless", "--network=none", "do", busybox, "true"}, reps);
    std::printf("    %-44s %10.2f ms  (%.1fx native)\n", "runsc do (gVisor)", g, g / n_true);
  } else {
    std::printf("    %-44s not installed (not packaged in Debian 12)\n", "runsc (gVisor)");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
