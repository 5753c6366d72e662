// xabi-refhost: the reference host. Runs a guest image UNISOLATED under
// xabi-bootstrap (its seccomp program allows everything; no namespaces) and
// serves its HOST calls with the reference model as the bookkeeping, checking
// every answer against the spec before giving it.
//
//   xabi-refhost run [--memory BYTES] [--origin URL] [--listen unix:PATH|tcp:HOST:PORT]
//                    [--no-console] [--timeout SECONDS] [--bootstrap PATH]
//                    IMAGE [-- ARGS...]
//
// Exit status: the guest's own (0..255) when it exits; 128 + N when signal N
// ended it (a --timeout kill is 128 + 9); 126 when it could not be launched;
// 2 for a usage error; 70 when the model refused the refhost's own answer
// (a refhost bug).
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "ref_channels.h"
#include "ref_handler.h"
#include "ref_launch.h"
#include "ref_serve.h"
#include "reference/prims.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitLaunchFailed = 126;

std::string bootstrap_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("XABI_BOOTSTRAP")) return env;
  return XABI_DEFAULT_BOOTSTRAP;
}

// Ends the refhost without running destructors: detached HTTP workers may
// still be running, and nothing of ours needs tearing down.
[[noreturn]] void finish(int status) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(status);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xabi-refhost: run guest images unisolated, with the reference model as the host's bookkeeping"};
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand("run", "run one guest image until it ends");
  std::string image, origin, listen, bootstrap;
  std::vector<std::string> args;
  uint64_t memory = 64ull << 20;
  double timeout = 0;
  bool no_console = false;
  run->add_option("--memory", memory, "memory quota for xabi_alloc, bytes (default 64 MiB)");
  run->add_option("--origin", origin, "the picoprocess's origin for xabi_open_url, http://host[:port]");
  run->add_option("--listen", listen, "endpoint whose connections xabi_accept hands out: unix:PATH or tcp:HOST:PORT");
  run->add_flag("--no-console", no_console, "offer no console channel (xabi_console answers E_UNSUPPORTED)");
  run->add_option("--timeout", timeout, "kill the picoprocess after this many seconds (0: never)")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--bootstrap", bootstrap, "path of xabi-bootstrap (default: the one built with this refhost)");
  run->add_option("image", image, "the guest image (built with xabi_add_guest)")->required();
  run->add_option("args", args, "arguments the guest sees after its image name (after --)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (!origin.empty()) {
    const auto o = xabi::ref::parse_http_url(origin);
    if (!o || o->path != "/" || (origin.back() == '/')) {
      std::cerr << "xabi-refhost: --origin must be http://host[:port], not \"" << origin << "\"\n";
      return kExitUsage;
    }
  }
  ::signal(SIGPIPE, SIG_IGN);

  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    std::perror("xabi-refhost: eventfd");
    return kExitLaunchFailed;
  }
  xabi::refhost::Channel::wake_fd = wake_fd;

  int listen_fd = -1;
  if (!listen.empty()) {
    listen_fd = xabi::refhost::open_listen(listen);
    if (listen_fd < 0) {
      std::cerr << "xabi-refhost: cannot listen on " << listen << ": " << std::strerror(-listen_fd) << "\n";
      return kExitLaunchFailed;
    }
  }

  xabi::refhost::LaunchRequest req;
  req.image = image;
  req.args = {image};
  req.args.insert(req.args.end(), args.begin(), args.end());
  req.quota = memory;
  req.bootstrap = bootstrap_path(bootstrap);
  xabi::refhost::RefLaunch l;
  std::string error;
  if (!xabi::refhost::ref_launch(req, l, error) || !xabi::refhost::ref_await_sealed(l, 10000, error)) {
    std::cerr << "xabi-refhost: cannot launch " << image << ": " << error << "\n";
    return kExitLaunchFailed;
  }

  xabi::refhost::HandlerConfig hc;
  hc.quota = memory;
  hc.arena_base = l.arena_base();
  hc.arena_size = l.arena_size;
  hc.arena_fd = l.arena;
  hc.listen_fd = listen_fd;
  hc.origin = origin;
  hc.console = !no_console;
  xabi::refhost::RefHandler handler(hc);
  const int status =
      xabi::refhost::serve(l, handler, wake_fd, std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)));
  finish(status);
}
