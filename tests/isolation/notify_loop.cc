// Test-only notify loop; see notify_loop.h.
#include "notify_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include "serve.h"

#include <poll.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace xabi::launch::testing {

GuestRun Serve(Picoprocess& p, std::chrono::milliseconds timeout) {
  // The real event loop serves every HOST call; console output is dropped
  // (these tests judge guests by exit status and violation reports).
  xabi::app::ServeOptions o;
  o.console_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  o.timeout = timeout;
  xabi::app::Served s = xabi::app::serve(p, o);
  ::close(o.console_fd);
  GuestRun run;
  run.ok = s.ok;
  run.error = s.error;
  run.exit = s.exit;
  run.reports = s.reports;
  return run;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
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
