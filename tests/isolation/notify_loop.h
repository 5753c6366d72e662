// A small test driver: launch a guest, seal it, and serve it with the real
// event loop (xabi::app::serve) until it ends: HOST calls answered,
// violations collected.
//
// Usage:
//   GuestRun r = RunGuest(GUEST_HOSTILE_PATH, {"syscall", "39"}, Mode::kKill);
//   ASSERT_TRUE(r.ok) << r.error;
//   EXPECT_TRUE(r.exit.killed_by(SIGKILL)); EXPECT_EQ(r.reports[0].nr, 39);
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "launcher.h"
#include "violation.h"

namespace xabi::launch::testing {

struct GuestRun {
  bool ok = false;        // launched, sealed and reaped
  std::string error;      // why not
  ExitStatus exit;
  std::vector<ViolationReport> reports;  // notifications, then a SIGSYS kill if any
};

// Polls the listener and the pidfd until the picoprocess ends (or `timeout`:
// then it is killed and the run is not ok).
GuestRun Serve(Picoprocess& p, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A whole (small) file, e.g. /proc/PID/status; "" when it cannot be read.
std::string Slurp(const std::string& path);

LaunchSpec Spec(const std::string& image, std::vector<std::string> args, Mode mode);

GuestRun RunGuest(const std::string& image, std::vector<std::string> args, Mode mode,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace xabi::launch::testing
