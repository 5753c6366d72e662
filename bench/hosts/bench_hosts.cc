// xabi-bench-kvm-host: the KVM host's costs, end to end, against native code
// measured in the same run: bench/host's guest (the same image xabi-bench-host
// runs on xabi-host) run by the real xabi-kvm binary. Prints medians and
// ratios; asserts nothing.
//
//   build/bench/kvm/xabi-bench-kvm-host [--reps N]     N: 1..1000, default 5
//
// Exit status: 0 it ran, 2 usage error, 70 a measurement could not be taken,
// 77 no usable /dev/kvm.
//
// Measured: a null HOST call (xabi_close(-1), through the PAL's slot ring)
// vs a native close(-1); xabi_time_now (a host-op VM exit) vs
// clock_gettime; alloc+touch+free of 16 MiB vs mmap+touch+munmap; spawn to
// the first host call; and how the null calls were served (xabi-kvm --stats).
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_clock.h"

namespace {

using xabi::bench::median;
using xabi::bench::now_ns;



// Runs the bench guest on xabi-kvm; its standard output and error.
std::string run_guest(const std::string& args) {
  const std::string cmd = std::string(XABI_KVM) + " run --stats --memory 256M " + XABI_BENCH_GUEST + " -- " + args + " 2>&1";
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
  CLI::App app{"xabi-bench-kvm-host: the KVM host's costs against native code, measured in one run (docs/benchmarks.md)"};
  app.add_option("--reps", reps, "repetitions; the medians are printed (1..1000, default 5)")->check(CLI::Range(1, 1000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (access("/dev/kvm", R_OK | W_OK) != 0) {
    std::fprintf(stderr, "xabi-bench-kvm-host: /dev/kvm is absent or unusable: nothing to measure\n");
    return 77;
  }
  constexpr uint64_t kNull = 200000, kAlloc = 20;
  std::vector<double> native_close, guest_null, native_alloc, guest_alloc, spawn, ring, exits;
  for (int r = 0; r < reps; ++r) {
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < kNull; ++i) syscall(SYS_close, -1);
    native_close.push_back(double(now_ns() - t0) / kNull);
    const std::string null_out = run_guest("null " + std::to_string(kNull));
    guest_null.push_back(number_after(null_out, "RESULT null_ps ") / 1000.0);
    ring.push_back(number_after(null_out, "by the ring "));
    exits.push_back(number_after(null_out, "after a VM exit "));

    t0 = now_ns();
    for (uint64_t i = 0; i < kAlloc; ++i) {
      auto* p = static_cast<volatile uint8_t*>(mmap(nullptr, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      for (size_t off = 0; off < (16u << 20); off += 4096) p[off] = 1;
      munmap(const_cast<uint8_t*>(p), 16 << 20);
    }
    native_alloc.push_back(double(now_ns() - t0) / kAlloc);
    guest_alloc.push_back(number_after(run_guest("alloc " + std::to_string(kAlloc)), "RESULT alloc_ns "));
    spawn.push_back(number_after(run_guest("spawn " + std::to_string(now_ns())), "RESULT spawn_ns ") / 1e6);
  }
  if (median(guest_null) < 0 || median(guest_alloc) < 0 || median(spawn) < 0) {
    std::fprintf(stderr, "xabi-bench-kvm-host: a measurement could not be taken (the guest printed no result)\n");
    return 70;
  }
  std::printf("\n== xabi-bench-kvm-host: medians of %d runs ==\n", reps);
  std::printf("%-36s %12s %12s %9s\n", "measurement", "xabi-kvm", "native", "ratio");
  std::printf("%-36s %10.0f ns %10.0f ns %8.2fx\n", "null host call vs close(-1)", median(guest_null), median(native_close),
              median(guest_null) / median(native_close));
  std::printf("%-36s %10.0f us %10.0f us %8.2fx\n", "alloc+touch+free 16 MiB", median(guest_alloc) / 1e3, median(native_alloc) / 1e3,
              median(guest_alloc) / median(native_alloc));
  std::printf("%-36s %10.2f ms\n", "spawn to first host call", median(spawn));
  std::printf("%-36s %10.0f of %llu by the ring, %.0f after a VM exit\n", "how the null calls were served", median(ring),
              static_cast<unsigned long long>(kNull), median(exits));
  return 0;
}
