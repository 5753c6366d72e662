#include "report_commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "diff.h"
#include "merge.h"
#include "report_writers.h"
#include "runner.h"

namespace xabi::conform {
namespace {

// The report at `path`: kIo when it cannot be read, kBadReport when it is
// not a report.json; the detail starts with the path.
Result<Report> read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) return Error{ConformError::kIo, path + ": cannot read it"};
  auto report = parse_json(text.str());
  if (!report) return Error{ConformError::kBadReport, path + ": not a report.json: " + report.error().detail};
  return report;
}

// The host logs a shard's report names relative to its own folder, named
// relative to `out` instead, so the merged report.html links them.
void rebase_logs(Report& report, const std::string& report_path, const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path from = fs::absolute(report_path).lexically_normal().parent_path();
  const fs::path to = (fs::absolute(out) / "").lexically_normal().parent_path();
  for (auto& host : *report.mutable_hosts())
    for (auto& c : *host.mutable_cases())
      if (c.has_failure())
        for (auto& log : *c.mutable_failure()->mutable_logs())
          log.set_path((from / log.path()).lexically_normal().lexically_relative(to).generic_string());
}

}  // namespace

int merge_command(const std::vector<std::string>& reports, const std::string& out, const std::string& command_line) {
  std::vector<ShardReport> shards;
  for (const auto& path : reports) {
    auto report = read_report(path);
    if (!report) {
      std::cerr << "xabi-conform merge: " << report.error().detail << "\n";
      return 2;
    }
    ShardReport s{path, std::move(report).value()};
    rebase_logs(s.report, path, out);
    shards.push_back(std::move(s));
  }
  auto merging = merge_reports(shards, command_line);
  if (!merging) {
    std::cerr << "xabi-conform merge: refused: " << merging.error().detail << "\n";
    return 2;
  }
  const Report& merged = merging.value();
  if (const int st = publish_reports(merged, out, true); st != 0) return st;
  bool ok = true;
  for (const auto& h : merged.hosts()) ok &= host_passed(h);
  if (merged.has_mutation()) ok &= merged.mutation().killed() == merged.mutation().total();
  return ok ? 0 : 1;
}

int diff_command(const std::string& before, const std::string& after) {
  auto a = read_report(before);
  auto b = a ? read_report(after) : a;
  if (!b) {
    std::cerr << "xabi-conform diff: " << b.error().detail << "\n";
    return 2;
  }
  const ReportDiff d = diff_reports(a.value(), b.value());
  std::cout << diff_text(d);
  return d.count(CaseChange::Kind::kRegression) > 0 ? 1 : 0;
}

}  // namespace xabi::conform
