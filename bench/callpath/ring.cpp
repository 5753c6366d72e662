// Shared-memory ring call path: a memfd holding a request ring and a response
// ring, mapped MAP_SHARED by the client (this process) and by a forked server
// that maps the memfd itself, as a monitor would map a guest's call area.
#include "ring.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "mechanisms.hpp"

namespace xabi::bench {
namespace {

struct CallArea {
  SharedRing<Request, 64> requests;    // client -> server
  SharedRing<Response, 64> responses;  // server -> client
};

// Maps the call area from the memfd; nullptr on failure. Only the creator
// constructs it (zeroes, the rings' initial state): constructing again in the
// server could wipe a request the client already published.
CallArea* MapCallArea(int fd, bool construct) {
  void* p = mmap(nullptr, sizeof(CallArea), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return nullptr;
  if (construct) return new (p) CallArea{};
  return std::launder(static_cast<CallArea*>(p));
}

int ServeRing(int memfd, int spin, int cpu) {
  if (!PinThisThread(cpu)) return 2;
  CallArea* area = MapCallArea(memfd, false);  // own mapping, not the inherited one
  if (area == nullptr) return 3;
  auto always = [] { return true; };  // a dead client kills us via PDEATHSIG
  for (;;) {
    Request req;
    if (!area->requests.Pop(&req, spin, always)) return 4;
    if (req.op == kOpQuit) return 0;
    while (!area->responses.Push(Serve(req))) CpuRelax();  // never full in practice
  }
}

}  // namespace

void BM_SpinPoll(benchmark::State& state) {
  std::atomic<uint32_t> word{0};
  for (auto _ : state) {
    // One iteration of the wait loop in SharedRing::WaitNotEqual.
    benchmark::DoNotOptimize(word.load(std::memory_order_acquire));
    CpuRelax();
  }
}

void BM_Ring(benchmark::State& state, int spin, Placement placement) {
  const CpuPlan cpus = PlanCpus(placement);
  if (!cpus.error.empty()) return state.SkipWithError(cpus.error.c_str());

  UniqueFd memfd(memfd_create("xabi-callpath-ring", MFD_CLOEXEC));
  if (!memfd.valid()) return state.SkipWithError(ErrnoMessage("memfd_create", errno).c_str());
  if (ftruncate(memfd.get(), sizeof(CallArea)) != 0) {
    return state.SkipWithError(ErrnoMessage("ftruncate", errno).c_str());
  }
  CallArea* area = MapCallArea(memfd.get(), true);
  if (area == nullptr) return state.SkipWithError(ErrnoMessage("mmap", errno).c_str());
  struct Unmap {
    CallArea* a;
    ~Unmap() { munmap(a, sizeof(CallArea)); }
  } unmap{area};

  ChildProcess server([&] { return ServeRing(memfd.get(), spin, cpus.server_cpu); });
  if (!server.valid()) return state.SkipWithError(ErrnoMessage("fork", errno).c_str());

  AffinityGuard pin(cpus.client_cpu);
  if (!pin.ok()) return state.SkipWithError(ErrnoMessage("sched_setaffinity", errno).c_str());

  auto server_alive = [&] { return server.Running(); };
  uint32_t seq = 0;
  for (auto _ : state) {
    ++seq;
    Response resp;
    if (!area->requests.Push(MakeRequest(seq)) ||
        !area->responses.Pop(&resp, spin, server_alive) || !CheckResponse(resp, seq)) {
      state.SkipWithError("server died or answered wrongly");
      break;
    }
  }

  // Ask the server to quit; the destructor kills it if it does not.
  Request quit{};
  quit.op = kOpQuit;
  if (area->requests.Push(quit)) server.Reap(1000);
}

}  // namespace xabi::bench
