// xabi-conform: validates hosts against the xabi spec and writes reports.
//
//   xabi-conform --host ADAPTER [--host ADAPTER...] [--cases GLOBS] [--expect FILE]
//                [--jobs N] [--quick] [--list] [--mutants ADAPTER] [--seed N] [--shard K/N] --out DIR
//   xabi-conform merge --out DIR REPORT.json...   (the reports of a --shard run, one per shard)
//   xabi-conform diff OLD.json NEW.json
//   xabi-conform --version
//
// Every path is checked before a case runs: input files must be readable
// files, --cases-dir a directory, and --out a directory that exists or can be
// made and that files can be created in. Exit statuses: kExitStatuses below
// (and --help).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "report_commands.h"
#include "runner.h"
#include "xabi/meta.hpp"

namespace {

namespace fs = std::filesystem;

constexpr int kExitUsage = 2;
constexpr int kExitInternal = 70;

constexpr const char* kExitStatuses =
    "Exit status:\n"
    "  0   every case passed (and every mutant was caught)\n"
    "  1   a case failed, an XPASS, or a mutant survived\n"
    "  2   usage or configuration error: an unknown option, a bad value, a path that\n"
    "      cannot be used, a bad adapter, case or expectations file, a host that\n"
    "      cannot run the agent\n"
    "  3   the run finished but a report file could not be written (the summary\n"
    "      still shows the outcome)\n"
    "  70  an internal error in xabi-conform";

using xabi::conform::ConformError;
using xabi::conform::Status;

xabi::conform::Error refuse(std::string why) { return {ConformError::kUsage, std::move(why)}; }

int usage_error(const std::string& what) {
  std::cerr << "xabi-conform: " << what << "\n";
  return kExitUsage;
}

// The path names a file that can be read; else kUsage, the detail says why not.
Status readable_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return refuse(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return refuse("it is a directory, not a file");
  if (::access(path.c_str(), R_OK) != 0) return refuse(std::strerror(errno));
  return {};
}

Status readable_dir(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return refuse(std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return refuse("not a directory");
  if (::access(path.c_str(), R_OK | X_OK) != 0) return refuse(std::strerror(errno));
  return {};
}

// Makes --out (and its parents) and proves files can be created in it, so a
// long run does not end unable to write its reports.
Status usable_out_dir(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return refuse("cannot create it: " + ec.message());
  if (!fs::is_directory(path, ec)) return refuse("not a directory");
  const std::string probe = path + "/.xabi-conform-probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return refuse(std::string("cannot create files in it: ") + std::strerror(errno));
  const bool wrote = ::write(fd, "x", 1) == 1;
  const int write_errno = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!wrote) return refuse(std::string("cannot write files in it: ") + std::strerror(write_errno));
  return {};
}

int run_main(int argc, char** argv) {
  xabi::conform::Options o;
  std::string seed_text = std::to_string(o.seed);
  CLI::App app{"xabi-conform: run the xabi conformance suite against hosts"};
  app.set_version_flag("--version",
                       "xabi-conform " XABI_PROJECT_VERSION " (xabi ABI spec version " +
                           std::to_string(xabi::meta::kAbiVersion) + ")",
                       "print xabi-conform's version and the ABI spec version it checks, and exit");
  app.footer(kExitStatuses);
  app.add_option("--host", o.hosts, "an adapter file describing a host (repeatable)");
  app.add_option("--cases", o.cases, "only cases whose id matches one of these comma-separated globs (e.g. 'spec/alloc/*,channels/*')");
  app.add_option("--expect", o.expect, "expectations file: cases expected to fail on a host, each with a reason (XFAIL)");
  app.add_option("--jobs", o.jobs, "cases run in parallel, 1..64")->check(CLI::Range(1, 64));
  app.add_flag("--quick", o.quick, "only the quick subset (the cases marked quick)");
  app.add_flag("--list", o.list, "print the cases a run would execute, and stop");
  app.add_option("--mutants", o.mutants, "an adapter for a mutant host: every mutant must fail at least one case");
  app.add_option("--mutant", o.mutant, "run the hosts as this mutant ({mutant} in the adapter)");
  app.add_flag("--fail-fast", o.fail_fast, "stop a host's run at its first failure");
  app.add_option("--seed", seed_text, "the seed a run is reproduced with: 0..18446744073709551615 (default 1)");
  app.add_option("--cases-dir", o.cases_dir, "where the case files and fixtures.txt are");
  app.add_option("--agent", o.agent, "the agent image for adapters that do not name one");
  app.add_option("--out", o.out, "where reports go (created if missing)");
  std::string shard_text;
  app.add_option("--shard", shard_text,
                 "run only shard K of N (K/N, 1 <= K <= N): the cases, and the mutants of --mutants, whose id's "
                 "FNV-1a hash is K-1 modulo N; join the N reports with `merge`");
  // Subcommands on reports: no host runs.
  std::string merge_out;
  std::vector<std::string> merge_reports;
  CLI::App* merge = app.add_subcommand("merge", "join the report.json files of a --shard run into the reports of one run");
  merge->add_option("--out", merge_out, "where the merged reports go (created if missing)")->required();
  merge->add_option("reports", merge_reports, "the report.json of every shard")->required();
  merge->footer(
      "Exit status: 0 the merged run passed, 1 it did not, 2 a usage error or a report that cannot be read or\n"
      "is refused (another run's, a case twice, a shard missing), 3 a report file could not be written");
  std::string diff_old, diff_new;
  CLI::App* diff = app.add_subcommand("diff", "list regressions, fixes, new and removed cases between two report.json files");
  diff->add_option("old", diff_old, "the earlier report.json")->required();
  diff->add_option("new", diff_new, "the later report.json")->required();
  diff->footer("Exit status: 0 no regression, 1 a regression (a case that did not fail now fails), 2 a usage error\n"
               "or a report that cannot be read");
  app.require_subcommand(0, 1);
  o.cases_dir = XABI_CONFORM_CASES_DIR;
  o.agent = XABI_CONFORM_AGENT;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += std::string(i ? " " : "") + argv[i];
  if (merge->parsed()) {
    for (const auto& r : merge_reports)
      if (auto e = readable_file(r); !e) return usage_error("merge: " + r + ": " + e.error().detail);
    if (auto e = usable_out_dir(merge_out); !e) return usage_error("merge: --out " + merge_out + ": " + e.error().detail);
    return xabi::conform::merge_command(merge_reports, merge_out, command_line);
  }
  if (diff->parsed()) {
    for (const auto& r : {diff_old, diff_new})
      if (auto e = readable_file(r); !e) return usage_error("diff: " + r + ": " + e.error().detail);
    return xabi::conform::diff_command(diff_old, diff_new);
  }
  if (app.count("--shard") > 0) {
    auto shard = xabi::conform::parse_shard(shard_text);
    if (!shard) return usage_error(shard.error().detail);
    o.shard = shard.value();
  }
  {
    const char* end = seed_text.data() + seed_text.size();
    auto [p, ec] = std::from_chars(seed_text.data(), end, o.seed);
    if (seed_text.empty() || ec != std::errc() || p != end)
      return usage_error("--seed \"" + seed_text + "\": must be a whole number from 0 to 18446744073709551615");
  }
  if (auto e = readable_dir(o.cases_dir); !e) return usage_error("--cases-dir " + o.cases_dir + ": " + e.error().detail);
  for (const auto& h : o.hosts)
    if (auto e = readable_file(h); !e) return usage_error("--host " + h + ": " + e.error().detail);
  if (!o.mutants.empty())
    if (auto e = readable_file(o.mutants); !e) return usage_error("--mutants " + o.mutants + ": " + e.error().detail);
  if (!o.expect.empty())
    if (auto e = readable_file(o.expect); !e) return usage_error("--expect " + o.expect + ": " + e.error().detail);
  if (app.count("--agent") > 0)
    if (auto e = readable_file(o.agent); !e) return usage_error("--agent " + o.agent + ": " + e.error().detail);
  if (!o.list) {
    if (o.out.empty()) return usage_error("--out DIR is required");
    if (auto e = usable_out_dir(o.out); !e) return usage_error("--out " + o.out + ": " + e.error().detail);
  }
  o.command_line = command_line;
  return xabi::conform::run_suite(o);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "xabi-conform: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "xabi-conform: internal error\n";
  }
  return kExitInternal;
}
