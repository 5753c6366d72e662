// host_cli.h: xabi-host's whole command line (`run`, --version, --help, the
// exit statuses), as a function of the few things in which another host binary
// built from the same parts differs: xabi-host-mutant's name, its bootstrap,
// its `mutants` subcommand and the faults it injects (docs/mutants.md).
//
//   int main(int argc, char** argv) {
//     return xabi::app::host_main(argc, argv, {.name = "xabi-host", .about = "...",
//                                              .built_bootstrap = "/build/xabi-bootstrap", ...});
//   }
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "launcher.h"
#include "monitor_loop.h"
#include "serve.h"

namespace xabi::app {

struct HostCli {
  std::string name;                 // in every message and in --version
  std::string about;                // the first line of --help
  std::string built_bootstrap;      // the bootstrap built with the binary (absolute)
  std::string installed_bootstrap;  // the installed one, relative to the installed binary's directory; empty: not installed
  // --linux's guest, xabi-linux-runner (pal/personality/runner): the same two places.
  std::string built_linux_runner{};
  std::string installed_linux_runner{};
  // Subcommands besides `run`; run() is the exit status.
  struct Command {
    std::string name, help;
    std::function<int()> run;
  };
  std::vector<Command> commands{};
  // Hooks; empty in xabi-host.
  std::function<void(launch::LaunchSpec&)> adjust_launch{};  // just before the launch
  monitor::HostHooks host{};                                 // how the picoprocess's host is made
  std::function<void(Served&)> adjust_served{};              // before the report and the exit status
};

// The exit status of the whole run (an internal error, an exception included, is XABI_HOST_EXIT_INTERNAL).
int host_main(int argc, char** argv, const HostCli& cli);

}  // namespace xabi::app
