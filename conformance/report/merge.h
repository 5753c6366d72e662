// Joining the reports of a sharded run (xabi-conform --shard K/N, one report
// per CI job) into the report one unsharded run would have written: every
// host's cases in the order of the whole selection, totals and rule coverage
// added up, the mutation check's mutants back in the mutants command's order.
#pragma once

#include <string>
#include <vector>

#include "conformance/conform_error.h"
#include "report.pb.h"

namespace xabi::conform {

struct ShardReport {
  std::string name;  // the file it came from, for messages
  Report report;
};

// Refuses (kMerge, the detail names the file and the reason) reports of other spec
// or ABI versions, seeds, modes or hosts, a case or mutant in two reports, a
// shard given twice or missing, and unsharded reports mixed with others. An
// unsharded report counts as shard 1/1. `command` becomes the merged
// report's command. The merged report has no shard.
Result<Report> merge_reports(const std::vector<ShardReport>& shards, const std::string& command);

}  // namespace xabi::conform
