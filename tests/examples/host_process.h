// Runs `xabi-host` as a child process for tests: captures stdout and stderr,
// enforces a timeout, returns the exit status.
#pragma once

#include <string>
#include <vector>

namespace xabi::test {

struct HostRun {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  bool timed_out = false;
};

HostRun run_host(const std::vector<std::string>& args, int timeout_ms = 20000);

// Starts the host without waiting; finish() collects it.
struct HostChild {
  int pid = -1, out_fd = -1, err_fd = -1;
};
HostChild start_host(const std::vector<std::string>& args);
HostRun finish_host(HostChild& c, int timeout_ms = 20000);

}  // namespace xabi::test
