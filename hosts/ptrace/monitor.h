// monitor.h: xabi-ptrace's monitor. It forks the picoprocess, traces it (every
// system call stops here through a seccomp RET_TRACE filter), serves the ABI
// and ends the picoprocess on anything else (ptrace_link.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xabi::ptrace_host {

struct Options {
  std::string image;
  std::vector<std::string> args;  // after "--"
  uint64_t memory = 64ull << 20;  // the arena: every alloc comes from it
  std::string listen;             // a unix socket path, or empty
  std::string origin;             // http://host[:port], or empty: open_url is E_UNSUPPORTED
  bool console = true;
};

// Runs the picoprocess to its end; returns the host's exit status
// (docs/host-contract.md "Exit status"; violation and launch statuses from host_exits.h).
int run(const Options& o);

}  // namespace xabi::ptrace_host
