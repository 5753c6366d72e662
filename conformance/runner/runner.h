// The suite's driver: which cases, on which hosts, in parallel, with what
// expectations; the outcome of each; the reports.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapter.h"
#include "case.h"
#include "shard.h"
#include "report.pb.h"

namespace xabi::conform {

struct Options {
  std::vector<std::string> hosts;  // adapter files
  std::string cases;               // comma-separated globs on case ids; empty: all
  std::string expect;              // expectations file
  int jobs = 2;
  bool quick = false;
  bool list = false;
  std::string out;
  std::string cases_dir;           // *.cases files and fixtures.txt
  uint64_t seed = 1;
  std::string mutants;             // an adapter with a "mutants" command: run the mutation check
  std::string mutant;              // run the hosts as this one mutant
  bool fail_fast = false;
  std::string agent;               // default agent image
  std::string command_line;
  std::optional<ShardSpec> shard;  // --shard K/N: only that part of the cases and mutants
};

// Every case the suite knows (data files, the spec, the allow-list, faults).
bool load_all_cases(const Options& o, std::vector<Case>& out, std::vector<std::string>& errors);
bool case_selected(const Case& c, const Options& o);

// Runs the suite; returns the exit status (0 all passed, 1 a FAIL or XPASS
// or a surviving mutant, 2 a configuration error, kExitReportNotWritten a
// report file could not be written).
inline constexpr int kExitReportNotWritten = 3;
int run_suite(const Options& o);

// The report files of one run: those written, and those that could not be
// (each said on stderr as it fails; any of them fails the run with exit 3).
struct ReportFiles {
  std::vector<std::string> written, unwritten;
  void wrote(const Status& written, const std::string& path);
};

// Writes report.json and report.html into `out` (and with `junit` a
// junit-<host>.xml per host), prints the summary table and the files written
// (after those already in `files`). Returns 0, or kExitReportNotWritten if a
// file could not be written.
int publish_reports(const Report& report, const std::string& out, bool junit, ReportFiles files = {});

}  // namespace xabi::conform
