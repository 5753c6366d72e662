// The subcommands that work on reports rather than hosts:
//   xabi-conform merge --out DIR REPORT.json...   joins the reports of a sharded run
//   xabi-conform diff OLD.json NEW.json            what changed between two runs
#pragma once

#include <string>
#include <vector>

namespace xabi::conform {

// Writes the merged report.json, report.html, junit-<host>.xml and prints the
// summary, as the unsharded run would. Exit status: 0 the merged run passed,
// 1 it did not (a FAIL, XPASS or surviving mutant), 2 a report could not be
// read or was refused, kExitReportNotWritten a file could not be written.
int merge_command(const std::vector<std::string>& reports, const std::string& out, const std::string& command_line);
// Prints the changes; 0 no regression, 1 a regression, 2 a report could not be read.
int diff_command(const std::string& before, const std::string& after);

}  // namespace xabi::conform
