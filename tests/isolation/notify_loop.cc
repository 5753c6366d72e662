// Test-only notify loop; see notify_loop.h.
#include "notify_loop.h"

#include <poll.h>

#include <cerrno>

namespace xabi::launch::testing {

GuestRun Serve(Picoprocess& p, std::chrono::milliseconds timeout) {
  GuestRun run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool listener_open = p.listener_fd() >= 0;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      (void)p.kill();
      (void)p.wait();
      run.error = "timed out";
      return run;
    }
    pollfd fds[2] = {{p.pidfd(), POLLIN, 0}, {listener_open ? p.listener_fd() : -1, POLLIN, 0}};
    const int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      run.error = "poll failed";
      return run;
    }
    if (fds[1].revents & POLLIN) {
      Result<ViolationReport> r = handle_notification(p, p.mode());
      if (r) run.reports.push_back(r.value());
      continue;
    }
    if (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) listener_open = false;
    if (fds[0].revents != 0) break;
  }
  Result<ExitStatus> e = p.wait();
  if (!e) {
    run.error = describe(e.error());
    return run;
  }
  run.exit = e.value();
  if (auto v = violation_from_exit(run.exit, p.mode())) run.reports.push_back(*v);
  run.ok = true;
  return run;
}

LaunchSpec Spec(const std::string& image, std::vector<std::string> args, Mode mode) {
  LaunchSpec s;
  s.image_path = image;
  s.args = std::move(args);
  s.memory_quota = 1 << 20;
  s.bootstrap_path = XABI_BOOTSTRAP_PATH;
  s.mode = mode;
  return s;
}

GuestRun RunGuest(const std::string& image, std::vector<std::string> args, Mode mode,
             std::chrono::milliseconds timeout) {
  GuestRun run;
  Result<Picoprocess> p = launch(Spec(image, std::move(args), mode));
  if (!p) {
    run.error = describe(p.error());
    return run;
  }
  if (Status s = await_sealed(p.value(), std::chrono::seconds(5)); !s) {
    run.error = describe(s.error());
    return run;
  }
  return Serve(p.value(), timeout);
}

}  // namespace xabi::launch::testing
