// Native baseline plus the two kernel-buffered channels: a SOCK_SEQPACKET
// socketpair and a pair of pipes. The parent is the client; a forked child
// serves until it sees EOF.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "mechanisms.hpp"

namespace xabi::bench {

void BM_NativeClose(benchmark::State& state) {
  for (auto _ : state) {
    // Raw syscall so glibc's close() wrapper (cancellation point) is not timed.
    long r = syscall(SYS_close, -1);
    benchmark::DoNotOptimize(r);
  }
}

namespace {

// Server loop: read a request, answer it; EOF (client closed) ends it.
int ServeStream(int in_fd, int out_fd) {
  Request req;
  while (ReadFull(in_fd, &req, sizeof req)) {
    Response resp = Serve(req);
    if (!WriteFull(out_fd, &resp, sizeof resp)) return 1;
  }
  return 0;
}

}  // namespace

void BM_Stream(benchmark::State& state, StreamKind kind, Placement placement) {
  const CpuPlan cpus = PlanCpus(placement);
  if (!cpus.error.empty()) return state.SkipWithError(cpus.error.c_str());

  // Client ends (c_*) stay here, server ends (s_*) go to the child.
  UniqueFd c_out, c_in, s_in, s_out;
  if (kind == StreamKind::kSocketpair) {
    int sv[2];
    // SEQPACKET keeps message boundaries, so one read() == one frame.
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      return state.SkipWithError(ErrnoMessage("socketpair", errno).c_str());
    }
    c_out.Reset(sv[0]);
    c_in.Reset(dup(sv[0]));
    s_in.Reset(sv[1]);
    s_out.Reset(dup(sv[1]));
  } else {
    int req[2], resp[2];
    if (pipe2(req, O_CLOEXEC) != 0) return state.SkipWithError(ErrnoMessage("pipe2", errno).c_str());
    s_in.Reset(req[0]);
    c_out.Reset(req[1]);
    if (pipe2(resp, O_CLOEXEC) != 0) return state.SkipWithError(ErrnoMessage("pipe2", errno).c_str());
    c_in.Reset(resp[0]);
    s_out.Reset(resp[1]);
  }
  if (!c_in.valid() || !s_out.valid()) return state.SkipWithError(ErrnoMessage("dup", errno).c_str());

  ChildProcess server([&] {
    // The child must drop the client ends, or it would never see EOF.
    c_out.Reset();
    c_in.Reset();
    if (!PinThisThread(cpus.server_cpu)) return 2;
    return ServeStream(s_in.get(), s_out.get());
  });
  if (!server.valid()) return state.SkipWithError(ErrnoMessage("fork", errno).c_str());
  s_in.Reset();
  s_out.Reset();

  AffinityGuard pin(cpus.client_cpu);
  if (!pin.ok()) return state.SkipWithError(ErrnoMessage("sched_setaffinity", errno).c_str());

  uint32_t seq = 0;
  for (auto _ : state) {
    ++seq;
    const Request req = MakeRequest(seq);
    Response resp;
    if (!WriteFull(c_out.get(), &req, sizeof req) || !ReadFull(c_in.get(), &resp, sizeof resp) ||
        !CheckResponse(resp, seq)) {
      state.SkipWithError("server died or answered wrongly");
      break;
    }
  }

  // Closing our ends is the server's shutdown signal.
  c_out.Reset();
  c_in.Reset();
  server.Reap(1000);
}

}  // namespace xabi::bench
