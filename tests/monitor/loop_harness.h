// loop_harness.h: a MonitorLoop driven on the test's thread, recording how
// each picoprocess ended, with a deadline so a broken transport fails the
// test instead of hanging it.
#pragma once

#include <signal.h>

#include <chrono>
#include <map>

#include "monitor_loop.h"

namespace xabi::test {

struct LoopHarness {
  explicit LoopHarness(int console_fd = -1) : loop(options(console_fd)) {}

  monitor::MonitorLoop::Options options(int console_fd) {
    monitor::MonitorLoop::Options o;
    o.console_fd = console_fd;
    o.hooks.on_exit = [this](const monitor::ServedPicoprocess& p, monitor::ExitInfo e) { exits[p.pid] = e; };
    return o;
  }
  // Runs the loop until pred() or the deadline; true if pred() held.
  template <typename Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return false;
      loop.run_once(20);
    }
    return true;
  }
  // The child's exit status, or -1 if it did not exit normally.
  int status(pid_t pid) const {
    auto it = exits.find(pid);
    if (it == exits.end() || it->second.code != CLD_EXITED) return -1;
    return it->second.status;
  }

  std::map<pid_t, monitor::ExitInfo> exits;
  monitor::MonitorLoop loop;
};

}  // namespace xabi::test
