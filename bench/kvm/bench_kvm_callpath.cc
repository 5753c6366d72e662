// The KVM host's two candidate call paths, against a native system call, in
// one run (issue 11 asks to measure both and choose):
//   BM_NativeClose:  close(-1), the cheapest real system call;
//   BM_ExitPerCall:  the guest does `out` to the call port, KVM_RUN returns to
//                    the host, which runs the vCPU again (one VM exit per call);
//   BM_RingPerCallBatch/N: guest and a host thread share a request and a
//                    response word in guest memory and spin (pause) on them:
//                    N round trips with no VM exit, then one exit ends the batch
//                    (per call: 1 / items_per_second).
// Report the ratios to BM_NativeClose (docs/kvm-host.md gives the command).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "machine.h"

namespace {

using namespace xabi::kvm;

// Guest code, position-independent, copied into the guest's code page.
// exit_loop: 1: out %eax, $0xe2; jmp 1b
// ring_loop (rdi = the request word; the response word follows it; ecx = calls):
//   for each call: ++rax, store it as the request, pause until the response
//   equals it; after the last, out to the call port.
extern "C" const uint8_t exit_loop_start[], exit_loop_end[], ring_loop_start[], ring_loop_end[];
__asm__(
    ".pushsection .rodata\n"
    "exit_loop_start:\n"
    "1: out %eax, $0xe2\n"
    "  jmp 1b\n"
    "exit_loop_end:\n"
    "ring_loop_start:\n"
    "  xor %eax, %eax\n"
    "2: inc %rax\n"
    "  mov %rax, (%rdi)\n"
    "3: pause\n"
    "  cmp 8(%rdi), %rax\n"
    "  jne 3b\n"
    "  dec %ecx\n"
    "  jnz 2b\n"
    "  out %eax, $0xe2\n"
    "  jmp 2b\n"
    "ring_loop_end:\n"
    ".popsection\n");

constexpr uint64_t kCodeVa = 0x400000, kDataVa = 0x600000, kPage = 4096;

struct Booted {
  Machine m;
  Vcpu* cpu;
};

Booted boot(const uint8_t* start, const uint8_t* end, benchmark::State& state) {
  Result<Machine> made = Machine::create(4 * kPage);
  if (!made) {
    state.SkipWithError(describe(made.error()).c_str());
    return {Machine::create(kPage).value(), nullptr};
  }
  Machine m = std::move(made).value();
  std::memcpy(m.guest(0), start, static_cast<size_t>(end - start));
  (void)m.map_guest(kCodeVa, 0, kPage, Access::kReadExec);
  (void)m.map_guest(kDataVa, kPage, kPage, Access::kReadWrite);
  Result<Vcpu*> cpu = m.start_vcpu(kCodeVa, kDataVa + kPage, kDataVa);
  if (!cpu) state.SkipWithError(describe(cpu.error()).c_str());
  return {std::move(m), cpu ? cpu.value() : nullptr};
}

void BM_NativeClose(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(close(-1));
}
BENCHMARK(BM_NativeClose);

void BM_ExitPerCall(benchmark::State& state) {
  if (access("/dev/kvm", R_OK | W_OK) != 0) return state.SkipWithError("no /dev/kvm");
  Booted b = boot(exit_loop_start, exit_loop_end, state);
  if (!b.cpu) return;
  for (auto _ : state) {
    Result<Exit> e = b.cpu->run();
    if (!e || e.value().port != Machine::kCallPort) return state.SkipWithError("the guest did not call");
  }
}
BENCHMARK(BM_ExitPerCall);

// The ring batch: one benchmark iteration = `calls` round trips, timed manually.
void BM_RingPerCallBatch(benchmark::State& state) {
  if (access("/dev/kvm", R_OK | W_OK) != 0) return state.SkipWithError("no /dev/kvm");
  const uint64_t calls = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    Booted b = boot(ring_loop_start, ring_loop_end, state);
    if (!b.cpu) return;
    auto* words = reinterpret_cast<std::atomic<uint64_t>*>(b.m.guest(kPage));
    std::atomic<bool> stop{false};
    std::thread server([&] {
      uint64_t seen = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t req = words[0].load(std::memory_order_acquire);
        if (req != seen) {
          seen = req;
          words[1].store(req, std::memory_order_release);
        } else {
          __builtin_ia32_pause();
        }
      }
    });
    kvm_regs r = b.cpu->registers().value();
    r.rcx = calls;
    (void)b.cpu->set_registers(r);
    state.ResumeTiming();
    Result<Exit> e = b.cpu->run();
    state.PauseTiming();
    stop = true;
    server.join();
    if (!e || e.value().port != Machine::kCallPort) return state.SkipWithError("the guest did not finish");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * calls));
}
BENCHMARK(BM_RingPerCallBatch)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
