// bench_clock.h: what every bench binary here measures with: the monotonic
// clock in ns (the clock xabi_time_now reads, so host and guest figures
// compare) and the median of repeated runs.
#pragma once

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace xabi::bench {

inline uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

// The median of v; -1 for none.
inline double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace xabi::bench
