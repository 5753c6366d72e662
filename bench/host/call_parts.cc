// xabi-bench-call-parts: where a null HOST call's time goes, part by part, in
// one process (docs/benchmarks.md). Each part is timed alone; the full call
// (xabi-bench-host) and the bare ring round trip (xabi-bench-callpath) are
// measured by their own binaries. Asserts nothing.
//
//   build/bench/host/xabi-bench-call-parts [--benchmark_repetitions=5]
//
// Parts: a native close(-1) (the baseline); the stub's frame build and the
// response decode (the generated C codec, as the PAL runs it); the monitor's
// serve_slot for that frame (copy in once, decode, CallServer::close, encode,
// copy out, publish; no wake-up: nobody waits); one pass over a picoprocess's
// idle slots (what the loop scans per pass).
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "call_server.h"
#include "slot_server.h"
#include "xabi/wire.h"

namespace {

void BM_NativeClose(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(syscall(SYS_close, -1));
}
BENCHMARK(BM_NativeClose);

void BM_StubEncodeAndDecode(benchmark::State& state) {
  uint8_t req[XABI_WIRE_CLOSE_REQUEST_MAX], resp[XABI_WIRE_CLOSE_RESPONSE_MAX];
  const xabi_wire_close_req r{-1};
  const xabi_wire_close_resp answer{XABI_E_BAD_CHANNEL};
  const size_t resp_len = xabi_wire_encode_close_resp(resp, sizeof resp, 7, &r, &answer);
  uint32_t seq = 7;
  for (auto _ : state) {
    benchmark::DoNotOptimize(xabi_wire_encode_close_req(req, sizeof req, seq, &r));
    benchmark::ClobberMemory();
    xabi_wire_close_resp got{};
    benchmark::DoNotOptimize(xabi_wire_decode_close_resp(resp, resp_len, seq, &r, &got));
    benchmark::DoNotOptimize(got);
  }
}
BENCHMARK(BM_StubEncodeAndDecode);

void BM_MonitorServeSlot(benchmark::State& state) {
  xabi::calls::CallServerConfig c;
  xabi::calls::CallServer host(c);
  auto slot = std::make_unique<xabi_link_slot>();
  auto buf = std::make_unique<xabi::monitor::SlotBuffers>();
  xabi::monitor::SlotStats st;
  const xabi_wire_close_req r{-1};
  const size_t n = xabi_wire_encode_close_req(slot->req, sizeof slot->req, 1, &r);
  for (auto _ : state) {
    slot->req_len = static_cast<uint32_t>(n);
    __atomic_store_n(&slot->state, XABI_LINK_REQUEST, __ATOMIC_SEQ_CST);
    benchmark::DoNotOptimize(xabi::monitor::serve_slot(slot.get(), host, *buf, st));
  }
  if (st.refused_total() != 0) state.SkipWithError("the frame was refused");
}
BENCHMARK(BM_MonitorServeSlot);

void BM_MonitorScanIdleSlots(benchmark::State& state) {
  xabi::calls::CallServerConfig c;
  xabi::calls::CallServer host(c);
  auto slots = std::make_unique<xabi_link_slot[]>(XABI_LINK_SLOTS);
  auto buf = std::make_unique<xabi::monitor::SlotBuffers>();
  xabi::monitor::SlotStats st;
  for (auto _ : state)
    for (uint32_t s = 0; s < XABI_LINK_SLOTS; ++s) benchmark::DoNotOptimize(xabi::monitor::serve_slot(&slots[s], host, *buf, st));
}
BENCHMARK(BM_MonitorScanIdleSlots);

}  // namespace

BENCHMARK_MAIN();
