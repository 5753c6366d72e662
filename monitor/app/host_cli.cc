// The command line of xabi-host, the production Linux host (and, with a few
// hooks, of xabi-host-mutant): runs a guest image as a sealed picoprocess and
// serves its calls. See host_cli.h.
//
//   xabi-host run [--memory SIZE] [--origin http://HOST[:PORT]] [--listen unix:PATH|tcp:IPV4:PORT]
//                 [--on-violation kill|errno] [--report FILE] [--timeout SECONDS]
//                 [--stdio] [--no-console] [--bootstrap PATH] IMAGE [-- ARGS...]
//   xabi-host run --linux [--fs IMAGE.tar] [--clock SECONDS] [options above] BINARY [-- ARGS...]
//   xabi-host --version
//
// Every option value is checked before anything starts (run_options.h); a bad
// one is a usage error. Exit statuses: kExitStatuses below (and --help). With
// --report the same facts are written as JSON; a report that cannot be
// written fails the run.
#include "host_cli.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cgroup.h"
#include "launcher.h"
#include "listen_endpoint.h"
#include "run_options.h"
#include "serve.h"
#include "xabi/host_exits.h"
#include "xabi/meta.hpp"

namespace xabi::app {
namespace {

// The host's own statuses: spec/xabi.textproto's host_exits.
constexpr int kExitUsage = XABI_HOST_EXIT_USAGE;
constexpr int kExitInternal = XABI_HOST_EXIT_INTERNAL;
constexpr int kExitReportNotWritten = XABI_HOST_EXIT_REPORT_NOT_WRITTEN;
constexpr int kExitViolation = XABI_HOST_EXIT_VIOLATION;
constexpr int kExitLaunchFailed = XABI_HOST_EXIT_LAUNCH_FAILED;

constexpr const char* kExitStatuses =
    "Exit status of run:\n"
    "  0..255  the guest's own exit status, when it exits\n"
    "  128+N   signal N ended the guest (a --timeout kill is 128+9)\n"
    "  " XABI_HOST_EXIT_VIOLATION_TEXT "     the guest made a denied system call (--on-violation kill)\n"
    "  " XABI_HOST_EXIT_LAUNCH_FAILED_TEXT "     the guest could not be launched or sealed: an unreadable or invalid\n"
    "          image, an unusable bootstrap, a --listen endpoint that cannot be bound\n"
    "  " XABI_HOST_EXIT_REPORT_NOT_WRITTEN_TEXT "      the guest ran, but the --report file could not be written\n"
    "  " XABI_HOST_EXIT_INTERNAL_TEXT "      an internal error in the host\n"
    "  " XABI_HOST_EXIT_USAGE_TEXT "       usage error: an unknown option, a bad value, a --report path that\n"
    "          cannot be created\n"
    "The guest's own statuses overlap these; --report records which it was.";

std::string version_text(const std::string& name) {
  return name + " " XABI_PROJECT_VERSION " (xabi ABI spec version " + std::to_string(xabi::meta::kAbiVersion) + ")";
}

// A file this host runs (the bootstrap, the Linux runner): the one it was
// built with, else (an installed host, the build tree gone) the one installed
// beside it (`installed` is relative to the binary's directory). `need`: the
// access(2) mode it must have (X_OK for the bootstrap, R_OK for an image).
std::string companion(const std::string& built, const std::string& installed, int need) {
  if (::access(built.c_str(), need) == 0 || installed.empty()) return built;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return built;
  const auto there = (self.parent_path() / installed).lexically_normal();
  return ::access(there.c_str(), need) == 0 ? there.string() : built;
}

std::string default_bootstrap(const HostCli& cli) { return companion(cli.built_bootstrap, cli.installed_bootstrap, X_OK); }

std::string bootstrap_path(const HostCli& cli, const std::string& flag) {
  std::string p = flag;
  if (p.empty()) {
    if (const char* env = std::getenv("XABI_BOOTSTRAP")) p = env;
    else p = default_bootstrap(cli);
  }
  std::error_code ec;
  const auto abs = std::filesystem::absolute(p, ec);  // the launcher needs an absolute path
  return ec ? p : abs.string();
}

// The same file (a --report that would truncate the image, say).
bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int run_main(int argc, char** argv, const HostCli& cli) {
  auto usage_error = [&](const std::string& what) {
    std::cerr << cli.name << ": " << what << "\n";
    return kExitUsage;
  };
  CLI::App app{cli.about};
  std::vector<CLI::App*> commands;
  for (const HostCli::Command& c : cli.commands) commands.push_back(app.add_subcommand(c.name, c.help));
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text(cli.name), "print the host's version and the ABI spec version, and exit");
  app.footer(kExitStatuses);
  CLI::App* run = app.add_subcommand("run", "run one guest image until it ends");
  run->footer(kExitStatuses);
  std::string image, origin, listen, on_violation = "kill", report, bootstrap, memory_text = "64M", timeout_text = "0";
  std::vector<std::string> args;
  run->add_option("--memory", memory_text,
                  "memory quota for xabi_alloc: bytes, or with a binary unit (64K, 16M, 1G); default 64M");
  run->add_option("--origin", origin, "the picoprocess's origin for xabi_open_url: http://host[:port]");
  run->add_option("--listen", listen, "endpoint whose connections xabi_accept hands out: unix:PATH or tcp:IPV4:PORT");
  run->add_option("--on-violation", on_violation, "kill (default) or errno (a denied call fails with ENOSYS)")
      ->check(CLI::IsMember({"kill", "errno"}));
  run->add_option("--report", report, "write a JSON report here (created, or truncated, before the guest starts)");
  bool no_console = false;
  run->add_flag("--no-console", no_console, "offer no console: xabi_console answers E_UNSUPPORTED");
  bool stdio = false;
  run->add_flag("--stdio", stdio,
                "lend the picoprocess this process's standard input, output and error as channels (xabi_stdio); "
                "implied by --linux");
  run->add_option("--timeout", timeout_text, "kill the picoprocess after this many seconds (0: never; the default)");
  run->add_option("--bootstrap", bootstrap, "path of xabi-bootstrap (default: $XABI_BOOTSTRAP, else the one built with this host)");
  bool linux_program = false;
  std::string linux_fs;
  run->add_flag("--linux", linux_program,
                "IMAGE is an unmodified static Linux x86-64 program (ET_EXEC), run over the Linux personality "
                "(docs/linux-personality.md)");
  run->add_option("--fs", linux_fs, "with --linux: a tar image (ustar/pax) for the program's read-only file system");
  int64_t linux_clock = -1;
  run->add_option("--clock", linux_clock,
                  "with --linux: the program's CLOCK_REALTIME, frozen at this many seconds since the epoch "
                  "(default: the host's clock, running)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 33));
  run->add_option("image", image, "the guest image (built with xabi_add_guest), or with --linux the program")->required();
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
  for (size_t i = 0; i < commands.size(); ++i)
    if (commands[i]->parsed()) return cli.commands[i].run();

  // Every value is checked before anything starts.
  const auto memory_quota = xabi::app::parse_memory(memory_text);
  if (!memory_quota) return usage_error("--memory \"" + memory_text + "\": " + memory_quota.error().detail);
  const uint64_t memory = memory_quota.value();
  double timeout_s = 0;
  {
    char* end = nullptr;
    errno = 0;
    timeout_s = std::strtod(timeout_text.c_str(), &end);
    if (timeout_text.empty() || *end != '\0' || errno == ERANGE)
      return usage_error("--timeout \"" + timeout_text + "\": not a number of seconds");
  }
  const auto timeout = xabi::app::check_timeout(timeout_s);
  if (!timeout) return usage_error("--timeout \"" + timeout_text + "\": " + timeout.error().detail);
  const int64_t timeout_ms = timeout.value();
  if (run->count("--origin") > 0) {
    auto canonical = xabi::app::check_origin(origin);
    if (!canonical) return usage_error("--origin \"" + origin + "\": " + canonical.error().detail);
    origin = canonical.value();
  }
  if (!linux_fs.empty() && !linux_program) return usage_error("--fs " + linux_fs + ": only with --linux");
  if (run->count("--clock") > 0 && !linux_program) return usage_error("--clock: only with --linux");
  if (run->count("--listen") > 0)
    if (auto usable = xabi::app::check_listen(listen); !usable)
      return usage_error("--listen \"" + listen + "\": " + usable.error().detail);
  const std::string bootstrap_file = bootstrap_path(cli, bootstrap);
  xabi::UniqueFd report_fd;
  if (run->count("--report") > 0) {
    if (same_file(report, image) || same_file(report, bootstrap_file))
      return usage_error("--report " + report + ": that is the image or the bootstrap; it would be overwritten");
    auto opened = xabi::app::open_report(report);
    if (!opened) return usage_error("--report " + report + ": " + opened.error().detail);
    report_fd = std::move(opened).value();
  }

  nlohmann::json out = {{"image", image}, {"mode", on_violation}};
  auto finish = [&](int status) {
    out["xabi_host_status"] = status;
    if (!report_fd.valid()) return status;
    if (auto written = xabi::app::write_report(report_fd, out.dump(2) + "\n"); !written) {
      std::cerr << cli.name << ": cannot write the report " << report << ": " << written.error().detail
                << " (the run's own status was " << status << ")\n";
      return kExitReportNotWritten;
    }
    return status;
  };
  auto launch_failed = [&](const std::string& why) {
    std::cerr << cli.name << ": cannot launch " << image << ": " << why << "\n";
    out["error"] = why;
    return finish(kExitLaunchFailed);
  };
  if (auto usable = xabi::app::check_image(image); !usable) return launch_failed(image + ": " + usable.error().detail);
  if (auto usable = xabi::app::check_bootstrap(bootstrap_file); !usable)
    return launch_failed("the bootstrap " + bootstrap_file + " cannot be run: " + usable.error().detail);

  xabi::launch::LaunchSpec spec;
  spec.image_path = image;
  if (linux_program) {
    if (cli.built_linux_runner.empty()) return usage_error("--linux: this host cannot run Linux programs");
    spec.image_path = companion(cli.built_linux_runner, cli.installed_linux_runner, R_OK);
    spec.linux_program = image;
    spec.linux_fs = linux_fs;
    spec.linux_clock = linux_clock;
    if (!linux_fs.empty())
      if (auto usable = xabi::app::check_image(linux_fs); !usable) return launch_failed(linux_fs + ": " + usable.error().detail);
  }
  spec.args = {image};
  spec.args.insert(spec.args.end(), args.begin(), args.end());
  spec.memory_quota = memory;
  spec.bootstrap_path = bootstrap_file;
  spec.mode = on_violation == "errno" ? xabi::launch::Mode::kErrno : xabi::launch::Mode::kKill;
  if (cli.adjust_launch) cli.adjust_launch(spec);

  xabi::app::ServeOptions serve_opts;
  serve_opts.origin = origin;
  if (no_console) serve_opts.console_fd = -1;
  serve_opts.stdio = stdio || linux_program;
  serve_opts.timeout = std::chrono::milliseconds(timeout_ms);
  serve_opts.host = cli.host;
  if (!listen.empty()) {
    xabi::UniqueFd lfd;
    if (int e = xabi::calls::open_listen_endpoint(listen, lfd); e < 0) {
      std::cerr << cli.name << ": cannot listen on " << listen << ": " << std::strerror(-e) << "\n";
      out["error"] = "cannot listen on " + listen + ": " + std::strerror(-e);
      return finish(kExitLaunchFailed);
    }
    serve_opts.listen_fd = lfd.release();
  }

  // Per-picoprocess cgroups where the machine has them; said once where not
  // (the rlimits remain: docs/security-model.md).
  const xabi::launch::CgroupTree& cgroups = xabi::launch::cgroups();
  if (!cgroups.complete()) std::cerr << cli.name << ": note: cgroups: " << cgroups.summary() << "\n";
  out["cgroups"] = cgroups.summary();

  auto p = xabi::launch::launch(spec);
  if (!p) return launch_failed(xabi::launch::explain(p.error()));
  if (auto s = xabi::launch::await_sealed(p.value(), std::chrono::seconds(5)); !s) {
    std::cerr << cli.name << ": " << image << " was not sealed: " << xabi::launch::explain(s.error()) << "\n";
    out["error"] = xabi::launch::explain(s.error());
    return finish(kExitLaunchFailed);
  }
  xabi::app::Served served = xabi::app::serve(p.value(), serve_opts);
  if (cli.adjust_served) cli.adjust_served(served);
  out["violations"] = nlohmann::json::array();
  for (const auto& r : served.reports) {
    std::cerr << cli.name << ": denied system call: " << xabi::launch::to_json(r) << "\n";
    out["violations"].push_back(nlohmann::json::parse(xabi::launch::to_json(r)));
  }
  out["exit"] = {{"exited", served.exit.exited}, {"code", served.exit.code}, {"signal", served.exit.signal}};
  out["requests_served"] = served.requests;
  out["refused_frames"] = served.refused_frames;
  // What it cost: the monitor's own peak memory, and the picoprocess's cgroup.
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) out["monitor_max_rss_bytes"] = static_cast<uint64_t>(ru.ru_maxrss) * 1024;
  const xabi::launch::PicoCgroup& cg = p.value().cgroup();
  if (auto peak = cg.memory_peak()) out["memory_peak_bytes"] = peak.value();
  if (auto refused = cg.pids_max_events()) out["threads_refused_at_limit"] = refused.value();
  if (!served.ok) {
    std::cerr << cli.name << ": " << served.error << "\n";
    out["error"] = served.error;
  }
  if (!served.reports.empty() && !served.exit.exited) return finish(kExitViolation);
  if (served.exit.exited) return finish(served.exit.code);
  return finish(128 + served.exit.signal);
}

}  // namespace

int host_main(int argc, char** argv, const HostCli& cli) {
  try {
    return run_main(argc, argv, cli);
  } catch (const std::exception& e) {
    std::cerr << cli.name << ": internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << cli.name << ": internal error\n";
  }
  return kExitInternal;
}

}  // namespace xabi::app
