#include "serve.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>


namespace xabi::app {

monitor::ServedPicoprocess for_loop(launch::Picoprocess& p) {
  monitor::ServedPicoprocess mp;
  mp.pid = p.pid();
  mp.pidfd = ::fcntl(p.pidfd(), F_DUPFD_CLOEXEC, 3);
  mp.notify_fd = p.listener_fd() >= 0 ? ::fcntl(p.listener_fd(), F_DUPFD_CLOEXEC, 3) : -1;
  mp.doorbell_fd = ::fcntl(p.doorbell_fd(), F_DUPFD_CLOEXEC, 3);
  mp.arena_fd = ::fcntl(p.arena_fd(), F_DUPFD_CLOEXEC, 3);
  mp.arena_size = p.arena_size();
  mp.region_base = p.region_base();
  mp.call_area = p.call_area().release_mapping();
  mp.call_area_size = XABI_LINK_AREA_SIZE;
  return mp;
}

Served serve(launch::Picoprocess& p, const ServeOptions& options) {
  Served out;
  bool ended = false;
  monitor::LoopHooks hooks;
  hooks.on_notify = [&](monitor::ServedPicoprocess&) {
    auto r = launch::handle_notification(p, p.mode());
    if (r) out.reports.push_back(r.value());
  };
  monitor::MonitorLoop* loop_ptr = nullptr;
  hooks.on_exit = [&](const monitor::ServedPicoprocess&, monitor::ExitInfo info) {
    ended = true;
    if (loop_ptr) loop_ptr->stop();  // return from run_once now, not after its sleep
    out.exit.exited = info.code == CLD_EXITED;
    (out.exit.exited ? out.exit.code : out.exit.signal) = info.status;
  };
  monitor::MonitorLoop loop({std::chrono::microseconds(50), options.console_fd, hooks, options.host});
  loop_ptr = &loop;

  monitor::ServedPicoprocess mp = for_loop(p);
  mp.listen_fd = options.listen_fd;
  mp.origin = options.origin;
  mp.console = options.console_fd >= 0;
  mp.stdio = options.stdio;
  if (loop.add(std::move(mp)) <= 0) {
    out.error = "the event loop refused the picoprocess";
    return out;
  }
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (!ended) {
    loop.run_once(100);
    if (!ended && options.timeout.count() > 0 && std::chrono::steady_clock::now() > deadline && !out.timed_out) {
      out.timed_out = true;
      (void)p.kill();
    }
  }
  if (auto k = launch::violation_from_exit(out.exit, p.mode())) out.reports.push_back(*k);
  out.requests = loop.stats().slots.served;
  out.refused_frames = loop.stats().slots.refused_total();
  out.ok = !out.timed_out;
  if (out.timed_out) out.error = "timed out";
  return out;
}

}  // namespace xabi::app
