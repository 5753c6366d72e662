// The benchmarked call paths. Each function measures one request/response
// round trip per benchmark iteration; main.cpp registers them with their
// parameters.
#pragma once

#include <benchmark/benchmark.h>

#include "proc.hpp"

namespace xabi::bench {

// Baseline: a native syscall that does nothing, syscall(SYS_close, -1).
void BM_NativeClose(benchmark::State& state);

// Client (this process) and a forked server exchanging frames over
// kernel-buffered byte channels.
enum class StreamKind { kSocketpair, kPipe };
void BM_Stream(benchmark::State& state, StreamKind kind, Placement placement);

// Calibration, not a call path: one poll of the ring's spin loop (load +
// pause), to convert the spin limits below into time.
void BM_SpinPoll(benchmark::State& state);

// Shared-memory rings in a memfd, spin up to `spin` polls then FUTEX_WAIT.
void BM_Ring(benchmark::State& state, int spin, Placement placement);

// A seccomp-filtered child whose host call is a syscall answered by this
// process through SECCOMP_RET_USER_NOTIF. Reported with manual time because
// the calls (and their timing) happen in the child.
void BM_SeccompNotif(benchmark::State& state, bool sync_wakeup, Placement placement);

}  // namespace xabi::bench
