// Runs `xabi-host` as a child process for tests: captures stdout and stderr,
// enforces a timeout, returns the exit status. A thin layer over
// tests/support/child_process.h with the host's path filled in.
#pragma once

#include <string>
#include <vector>

#include "child_process.h"

namespace xabi::test {

using HostRun = ChildRun;
using HostChild = Child;

HostRun run_host(const std::vector<std::string>& args, int timeout_ms = 20000);

// Starts the host without waiting; finish() collects it.
HostChild start_host(const std::vector<std::string>& args);
HostRun finish_host(HostChild& c, int timeout_ms = 20000);

}  // namespace xabi::test
