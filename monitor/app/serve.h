// Serving one launched picoprocess until it ends: the launcher's picoprocess
// handed to the event loop (monitor/loop), its violations answered through
// the launcher's seccomp handling. What `xabi-host run` does, and what tests
// use to run a guest with every call served.
//
// Usage:
//   auto p = xabi::launch::launch(spec);                 // then await_sealed(...)
//   xabi::app::Served s = xabi::app::serve(p.value(), {.origin = "http://127.0.0.1:8000"});
//   if (!s.ok) fail(s.error);
//   s.exit.exited_with(0); s.reports;                    // how it ended, what it tried
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "../loop/served_picoprocess.h"
#include "monitor_loop.h"
#include "picoprocess.h"
#include "violation.h"

namespace xabi::app {

struct ServeOptions {
  std::string origin;       // xabi_open_url's origin; empty: none
  int listen_fd = -1;       // xabi_accept's listening socket (ownership passes); -1: none
  int console_fd = 1;       // where console channels write; -1: no console
  bool stdio = false;       // lend this process's fds 0, 1, 2 (capability stdio)
  std::chrono::milliseconds timeout{0};  // 0: none; then the picoprocess is killed
  monitor::HostHooks host{};  // how its host is made (xabi-host-mutant); empty: a plain CallServer
};

struct Served {
  bool ok = false;          // served until it ended
  std::string error;        // why not
  launch::ExitStatus exit;
  bool timed_out = false;
  std::vector<launch::ViolationReport> reports;
  uint64_t requests = 0;    // HOST calls served
  uint64_t refused_frames = 0;
};

Served serve(launch::Picoprocess& p, const ServeOptions& options);

// What the event loop needs of a launched picoprocess: duplicates of its fds
// (the loop owns what it is given; the launcher's handle stays valid and still
// kills and reaps on destruction) and its call-area mapping (moved).
monitor::ServedPicoprocess for_loop(launch::Picoprocess& p);

}  // namespace xabi::app
