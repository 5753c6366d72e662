// xabi-refhost: the reference host. Runs a guest image UNISOLATED under
// xabi-bootstrap (its seccomp program allows everything; no namespaces) and
// serves its HOST calls with the reference model as the bookkeeping, checking
// every answer against the spec before giving it.
//
//   xabi-refhost run [--memory SIZE] [--origin http://HOST[:PORT]] [--listen unix:PATH|tcp:HOST:PORT]
//                    [--no-console] [--timeout SECONDS] [--bootstrap PATH]
//                    IMAGE [-- ARGS...]
//   xabi-refhost --version
//
// Option values are checked before anything starts (refhost_options.h); a
// bad one is a usage error. Exit statuses: kExitStatuses below (and --help).
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "ref_channels.h"
#include "ref_handler.h"
#include "ref_launch.h"
#include "ref_serve.h"
#include "refhost_options.h"
#include "xabi/host_exits.h"
#include "xabi/meta.hpp"

namespace {

// The host's own statuses: spec/xabi.textproto's host_exits.
constexpr int kExitUsage = XABI_HOST_EXIT_USAGE;
constexpr int kExitInternal = XABI_HOST_EXIT_INTERNAL;
constexpr int kExitLaunchFailed = XABI_HOST_EXIT_LAUNCH_FAILED;

constexpr const char* kExitStatuses =
    "Exit status of run:\n"
    "  0..255  the guest's own exit status, when it exits\n"
    "  128+N   signal N ended the guest (a --timeout kill is 128+9)\n"
    "  " XABI_HOST_EXIT_LAUNCH_FAILED_TEXT "     the guest could not be launched: an unreadable or invalid image, an\n"
    "          unusable bootstrap, a --listen endpoint that cannot be bound\n"
    "  " XABI_HOST_EXIT_INTERNAL_TEXT "      the reference model refused the refhost's own answer, or another\n"
    "          internal error (a refhost bug)\n"
    "  " XABI_HOST_EXIT_USAGE_TEXT "       usage error: an unknown option or a bad value\n"
    "The guest's own statuses overlap these; stderr says which it was.";

std::string bootstrap_path(const std::string& flag) {
  std::string p = flag;
  if (p.empty()) {
    if (const char* env = std::getenv("XABI_BOOTSTRAP")) p = env;
    else p = XABI_DEFAULT_BOOTSTRAP;
  }
  std::error_code ec;
  const auto abs = std::filesystem::absolute(p, ec);
  return ec ? p : abs.string();
}

int usage_error(const std::string& what) {
  std::cerr << "xabi-refhost: " << what << "\n";
  return kExitUsage;
}

// Ends the refhost without running destructors: detached HTTP workers may
// still be running, and nothing of ours needs tearing down.
[[noreturn]] void finish(int status) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(status);
}

int run_main(int argc, char** argv) {
  CLI::App app{"xabi-refhost: run guest images unisolated, with the reference model as the host's bookkeeping"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       "xabi-refhost " XABI_PROJECT_VERSION " (xabi ABI spec version " + std::to_string(xabi::meta::kAbiVersion) + ")",
                       "print the refhost's version and the ABI spec version, and exit");
  app.footer(kExitStatuses);
  CLI::App* run = app.add_subcommand("run", "run one guest image until it ends");
  run->footer(kExitStatuses);
  std::string image, origin, listen, bootstrap, memory_text = "64M", timeout_text = "0";
  std::vector<std::string> args;
  bool no_console = false;
  run->add_option("--memory", memory_text,
                  "memory quota for xabi_alloc: bytes, or with a binary unit (64K, 16M, 1G); default 64M");
  run->add_option("--origin", origin, "the picoprocess's origin for xabi_open_url: http://host[:port]");
  run->add_option("--listen", listen, "endpoint whose connections xabi_accept hands out: unix:PATH or tcp:HOST:PORT");
  run->add_flag("--no-console", no_console, "offer no console channel (xabi_console answers E_UNSUPPORTED)");
  run->add_option("--timeout", timeout_text, "kill the picoprocess after this many seconds (0: never; the default)");
  run->add_option("--bootstrap", bootstrap,
                  "path of xabi-bootstrap (default: $XABI_BOOTSTRAP, else the one built with this refhost)");
  run->add_option("image", image, "the guest image (built with xabi_add_guest)")->required();
  run->add_option("args", args, "arguments the guest sees after its image name (after --)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 checks for required arguments before it complains about extra
    // ones: name the unknown option rather than "a subcommand is required".
    if (const auto rest = app.remaining(true); !rest.empty() && dynamic_cast<const CLI::RequiredError*>(&e))
      return usage_error("unknown option or subcommand \"" + rest.front() + "\" (see --help)");
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  const auto memory_quota = xabi::refhost::parse_memory(memory_text);
  if (!memory_quota) return usage_error("--memory \"" + memory_text + "\": " + memory_quota.error().detail);
  const uint64_t memory = memory_quota.value();
  const auto timeout = xabi::refhost::parse_timeout(timeout_text);
  if (!timeout) return usage_error("--timeout \"" + timeout_text + "\": " + timeout.error().detail);
  const int64_t timeout_ms = timeout.value();
  if (run->count("--origin") > 0) {
    auto canonical = xabi::refhost::check_origin(origin);
    if (!canonical) return usage_error("--origin \"" + origin + "\": " + canonical.error().detail);
    origin = canonical.value();
  }
  if (run->count("--listen") > 0)
    if (auto usable = xabi::refhost::check_listen(listen); !usable)
      return usage_error("--listen \"" + listen + "\": " + usable.error().detail);
  const std::string bootstrap_file = bootstrap_path(bootstrap);
  if (auto usable = xabi::refhost::check_image(image); !usable) {
    std::cerr << "xabi-refhost: cannot launch " << image << ": " << image << ": " << usable.error().detail << "\n";
    return kExitLaunchFailed;
  }
  if (auto usable = xabi::refhost::check_bootstrap(bootstrap_file); !usable) {
    std::cerr << "xabi-refhost: cannot launch " << image << ": the bootstrap " << bootstrap_file
              << " cannot be run: " << usable.error().detail << "\n";
    return kExitLaunchFailed;
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
  req.bootstrap = bootstrap_file;
  auto launched = xabi::refhost::ref_launch(req);
  xabi::refhost::Status sealed = launched ? xabi::refhost::ref_await_sealed(launched.value(), 10000) : launched.error();
  if (!sealed) {
    std::cerr << "xabi-refhost: cannot launch " << image << ": " << sealed.error().detail << "\n";
    return kExitLaunchFailed;
  }
  xabi::refhost::RefLaunch& l = launched.value();

  xabi::refhost::HandlerConfig hc;
  hc.quota = memory;
  hc.arena_base = l.arena_base();
  hc.arena_size = l.arena_size;
  hc.arena_fd = l.arena;
  hc.listen_fd = listen_fd;
  hc.origin = origin;
  hc.console = !no_console;
  xabi::refhost::RefHandler handler(hc);
  const int status = xabi::refhost::serve(l, handler, wake_fd, std::chrono::milliseconds(timeout_ms));
  finish(status);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    finish(run_main(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "xabi-refhost: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "xabi-refhost: internal error\n";
  }
  finish(kExitInternal);
}
