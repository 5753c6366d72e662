// xabi-bench-hosts: the three isolated hosts side by side, in one run, against
// native code measured in the same run. Each host's real binary runs
// bench/host's guest (the same image on every host); the numbers are
// medians of repeated runs, the ratios against the native medians.
//
//   build/bench/hosts/xabi-bench-hosts [--reps N]     N: 1..1000, default 5
//
// Exit status: 0 it ran, 2 usage error, 70 a measurement could not be taken.
// A host that cannot run here (xabi-kvm without a usable /dev/kvm) is left
// out of the table, and the table says so.
//
// Measured: a null HOST call (xabi_close(-1)) vs close(-1); alloc + touch
// every page + free of 16 MiB vs mmap/touch/munmap; SHA-256 over 64 MiB in
// the guest vs the same C code natively (a speed ratio: native/guest); spawn
// to the first host call (the guest's clock at its first call minus the
// bench's clock before the launch: both CLOCK_MONOTONIC).
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_clock.h"
#include "sha256.h"

namespace {

using xabi::bench::median;
using xabi::bench::now_ns;

struct Host {
  const char* name;
  std::string binary;
  std::vector<double> null_ns, alloc_us, sha_ms, spawn_ms;
};

// Runs the bench guest on a host's binary; its standard output and error.
std::string run_guest(const Host& h, const std::string& args) {
  const std::string cmd = h.binary + " run --memory 256M " + XABI_BENCH_GUEST + " -- " + args + " 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[1024];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

double number_after(const std::string& out, const std::string& key) {
  const size_t at = out.find(key);
  return at == std::string::npos ? -1 : std::stod(out.substr(at + key.size()));
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  CLI::App app{"xabi-bench-hosts: the isolated hosts side by side against native code, in one run (docs/benchmarks.md)"};
  app.add_option("--reps", reps, "repetitions; the medians are printed (1..1000, default 5)")->check(CLI::Range(1, 1000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  std::vector<Host> hosts = {{"xabi-host", XABI_HOST_BIN, {}, {}, {}, {}}, {"xabi-ptrace", XABI_PTRACE_BIN, {}, {}, {}, {}}};
  const bool kvm = access("/dev/kvm", R_OK | W_OK) == 0;
  if (kvm) hosts.insert(hosts.begin() + 1, Host{"xabi-kvm", XABI_KVM_BIN, {}, {}, {}, {}});

  constexpr uint64_t kNull = 100000, kAlloc = 10;
  std::vector<double> native_close, native_alloc, native_sha;
  std::vector<uint8_t> data(64 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131);
  for (int r = 0; r < reps; ++r) {
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < kNull; ++i) syscall(SYS_close, -1);
    native_close.push_back(double(now_ns() - t0) / kNull);
    t0 = now_ns();
    for (uint64_t i = 0; i < kAlloc; ++i) {
      auto* p = static_cast<volatile uint8_t*>(mmap(nullptr, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      for (size_t off = 0; off < (16u << 20); off += 4096) p[off] = 1;
      munmap(const_cast<uint8_t*>(p), 16 << 20);
    }
    native_alloc.push_back(double(now_ns() - t0) / kAlloc / 1e3);
    uint8_t digest[32];
    t0 = now_ns();
    bench_sha256(data.data(), data.size(), digest);
    native_sha.push_back(double(now_ns() - t0) / 1e6);
    for (Host& h : hosts) {
      h.null_ns.push_back(number_after(run_guest(h, "null " + std::to_string(kNull)), "RESULT null_ps ") / 1000.0);
      h.alloc_us.push_back(number_after(run_guest(h, "alloc " + std::to_string(kAlloc)), "RESULT alloc_ns ") / 1e3);
      h.sha_ms.push_back(number_after(run_guest(h, "sha 1"), "RESULT sha_ns ") / 1e6);
      h.spawn_ms.push_back(number_after(run_guest(h, "spawn " + std::to_string(now_ns())), "RESULT spawn_ns ") / 1e6);
    }
  }
  for (const Host& h : hosts)
    if (median(h.null_ns) < 0 || median(h.alloc_us) < 0 || median(h.sha_ms) < 0 || median(h.spawn_ms) < 0) {
      std::fprintf(stderr, "xabi-bench-hosts: a measurement on %s could not be taken (the guest printed no result)\n", h.name);
      return 70;
    }
  std::printf("\n== xabi-bench-hosts: medians of %d runs, ratios against native in the same run ==\n", reps);
  std::printf("%-12s %20s %24s %24s %10s\n", "", "null call", "alloc+touch+free 16M", "SHA-256 64M (speed)", "spawn");
  std::printf("%-12s %11.0f ns %6s %14.0f us %6s %14.1f ms %6s %10s\n", "native", median(native_close), "1x", median(native_alloc), "1x",
              median(native_sha), "1x", "-");
  for (const Host& h : hosts)
    std::printf("%-12s %11.0f ns %5.1fx %14.0f us %5.2fx %14.1f ms %5.3fx %7.2f ms\n", h.name, median(h.null_ns),
                median(h.null_ns) / median(native_close), median(h.alloc_us), median(h.alloc_us) / median(native_alloc),
                median(h.sha_ms), median(native_sha) / median(h.sha_ms), median(h.spawn_ms));
  if (!kvm) std::printf("(xabi-kvm left out: /dev/kvm is absent or unusable here)\n");
  return 0;
}
