#include "run_xabi_host.h"

namespace xabi::test {

// args[0] is the program name as the tests write it ("xabi-host").
HostChild start_host(const std::vector<std::string>& args) {
  return start_process(XABI_HOST_BIN, std::vector<std::string>(args.begin() + (args.empty() ? 0 : 1), args.end()));
}

HostRun finish_host(HostChild& c, int timeout_ms) { return finish_process(c, timeout_ms); }

HostRun run_host(const std::vector<std::string>& args, int timeout_ms) {
  HostChild c = start_host(args);
  return finish_host(c, timeout_ms);
}

}  // namespace xabi::test
