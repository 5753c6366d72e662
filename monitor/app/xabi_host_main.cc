// xabi-host: the production Linux host. Runs a guest image as a sealed
// picoprocess and serves its calls.
//
//   xabi-host run [--memory BYTES] [--origin URL] [--listen unix:PATH|tcp:HOST:PORT]
//                 [--on-violation kill|errno] [--report FILE] [--timeout SECONDS]
//                 IMAGE [-- ARGS...]
//
// Exit status: the guest's own (0..255) when it exits; 128 + N when a signal
// N ended it; 125 when it made a denied system call (kill mode; see --report
// and stderr for which); 126 when it could not be launched or sealed; 2 for a
// usage error. With --report the same facts are written as JSON.
//
// Built a second time as xabi-host-mutant (-DXABI_MUTANTS, docs/mutants.md):
// the same host, plus `xabi-host-mutant mutants` (the list as JSON) and the
// fault named by the environment variable XABI_MUTANT.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "launcher.h"
#include "listen_endpoint.h"
#include "mutant.h"
#include "serve.h"

namespace {

constexpr int kExitViolation = 125;
constexpr int kExitLaunchFailed = 126;

std::string bootstrap_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("XABI_BOOTSTRAP")) return env;
  return XABI_DEFAULT_BOOTSTRAP;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(XABI_MUTANTS)
  if (std::string_view value; xabi::mutants::unknown_selected(&value)) {
    std::cerr << "xabi-host-mutant: XABI_MUTANT=\"" << value
              << "\" is not a mutant (`xabi-host-mutant mutants` lists them)\n";
    return 2;
  }
  CLI::App app{"xabi-host-mutant: xabi-host with the fault named by $XABI_MUTANT (docs/mutants.md)"};
  app.require_subcommand(1);
  CLI::App* mutants = app.add_subcommand("mutants", "print the mutants as a JSON array of {name, group, fault, catch}");
#else
  CLI::App app{"xabi-host: run guest images as sealed picoprocesses"};
  app.require_subcommand(1);
#endif
  CLI::App* run = app.add_subcommand("run", "run one guest image until it ends");
  std::string image, origin, listen, on_violation = "kill", report, bootstrap;
  std::vector<std::string> args;
  uint64_t memory = 64ull << 20;
  double timeout = 0;
  run->add_option("--memory", memory, "memory quota for xabi_alloc, bytes (default 64 MiB)");
  run->add_option("--origin", origin, "the picoprocess's origin for xabi_open_url, http://host[:port]");
  run->add_option("--listen", listen, "endpoint whose connections xabi_accept hands out: unix:PATH or tcp:HOST:PORT");
  run->add_option("--on-violation", on_violation, "kill (default) or errno (a denied call fails with ENOSYS)")
      ->check(CLI::IsMember({"kill", "errno"}));
  run->add_option("--report", report, "write a JSON report here");
  run->add_option("--timeout", timeout, "kill the picoprocess after this many seconds (0: never)");
  run->add_option("--bootstrap", bootstrap, "path of xabi-bootstrap (default: the one built with this host)");
  run->add_option("image", image, "the guest image (built with xabi_add_guest)")->required()->check(CLI::ExistingFile);
  run->add_option("args", args, "arguments the guest sees after its image name (after --)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
#if defined(XABI_MUTANTS)
  if (mutants->parsed()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : xabi::mutants::all())
      list.push_back({{"name", m.name}, {"group", m.group}, {"fault", m.fault}, {"catch", m.catch_it}});
    std::cout << list.dump(2) << "\n";
    return 0;
  }
#endif

  xabi::launch::LaunchSpec spec;
  spec.image_path = image;
  spec.args = {image};
  spec.args.insert(spec.args.end(), args.begin(), args.end());
  spec.memory_quota = memory;
  spec.bootstrap_path = bootstrap_path(bootstrap);
  spec.mode = on_violation == "errno" ? xabi::launch::Mode::kErrno : xabi::launch::Mode::kKill;

  nlohmann::json out = {{"image", image}, {"mode", on_violation}};
  auto finish = [&](int status) {
    out["xabi_host_status"] = status;
    if (!report.empty()) std::ofstream(report) << out.dump(2) << "\n";
    return status;
  };

  xabi::app::ServeOptions serve_opts;
  serve_opts.origin = origin;
  serve_opts.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  if (!listen.empty()) {
    xabi::host::UniqueFd lfd;
    if (int e = xabi::host::open_listen_endpoint(listen, lfd); e < 0) {
      std::cerr << "xabi-host: cannot listen on " << listen << ": " << std::strerror(-e) << "\n";
      out["error"] = "cannot listen";
      return finish(kExitLaunchFailed);
    }
    serve_opts.listen_fd = lfd.release();
  }

  auto p = xabi::launch::launch(spec);
  if (!p) {
    std::cerr << "xabi-host: cannot launch " << image << ": " << xabi::launch::describe(p.error()) << "\n";
    out["error"] = xabi::launch::describe(p.error());
    return finish(kExitLaunchFailed);
  }
  if (auto s = xabi::launch::await_sealed(p.value(), std::chrono::seconds(5)); !s) {
    std::cerr << "xabi-host: " << image << " was not sealed: " << xabi::launch::describe(s.error()) << "\n";
    out["error"] = xabi::launch::describe(s.error());
    return finish(kExitLaunchFailed);
  }
  xabi::app::Served served = xabi::app::serve(p.value(), serve_opts);
  out["violations"] = nlohmann::json::array();
  if (XABI_MUTANT(violation_not_reported)) served.reports.clear();
  for (const auto& r : served.reports) {
    std::cerr << "xabi-host: denied system call: " << xabi::launch::to_json(r) << "\n";
    out["violations"].push_back(nlohmann::json::parse(xabi::launch::to_json(r)));
  }
  out["exit"] = {{"exited", served.exit.exited}, {"code", served.exit.code}, {"signal", served.exit.signal}};
  out["requests_served"] = served.requests;
  out["refused_frames"] = served.refused_frames;
  if (!served.ok) {
    std::cerr << "xabi-host: " << served.error << "\n";
    out["error"] = served.error;
  }
  if (!served.reports.empty() && !served.exit.exited) return finish(kExitViolation);
  if (XABI_MUTANT(exit_status_off) && served.exit.exited) return finish((served.exit.code + 1) % 256);
  if (served.exit.exited) return finish(served.exit.code);
  return finish(128 + served.exit.signal);
}
