// The writers of what an xabi-conform run found: report.json (protobuf's JSON
// mapping of report.proto), one JUnit XML file per host, one self-contained
// report.html, and the plain-text summary printed at the end of a run.
//
// Everything a host produced (stderr, summaries, trace steps) may be hostile or
// not even UTF-8: every writer escapes for its format, replaces invalid UTF-8
// with U+FFFD and never lets a control character through raw.
//
// The public interface of the writers, one file each: json_writer.cc,
// junit_writer.cc, html_writer.cc (its CSS in html_style.h), text_summary.cc;
// what they share: text_escape.{h,cc} (UTF-8, escaping), atomic_write.cc and
// writer_common.{h,cc} (outcomes, number formats). Only this header is public.
#pragma once

#include <string>
#include <string_view>

#include "conformance/conform_error.h"
#include "report.pb.h"

namespace xabi::conform {

// --- report.json -----------------------------------------------------------
// Pretty-printed, lowerCamelCase field names, enums by name, and primitive
// fields always printed (so zero counts appear). Strings that are not valid
// UTF-8 are written with U+FFFD in place of each invalid byte (JSON and proto3
// strings must be UTF-8), so parse_json(to_json(r)) == utf8_sanitized(r).
// The writers fail with kIo (the detail: what could not be done to which file).
std::string to_json(const Report& report);
Status write_json(const Report& report, const std::string& path);
// Parses report.json back; unknown fields are an error (kBadReport, the
// detail protobuf's message).
Result<Report> parse_json(const std::string& json);

// --- junit.xml ---------------------------------------------------------------
// One <testsuites> holding one <testsuite name="xabi-conform.<host>">; one
// <testcase classname="<host>.<group>" name="<case id>"> per case. FAIL and
// XPASS are <failure>s, SKIP is <skipped>, XFAIL passes with a <system-out>
// note (JUnit has no expected failures), a case without an outcome is an
// <error>.
std::string to_junit(const HostRun& host, const Report& report);
Status write_junit(const HostRun& host, const Report& report, const std::string& path);

// --- report.html -------------------------------------------------------------
// One file, inline CSS, no scripts, no external resources.
std::string to_html(const Report& report);
Status write_html(const Report& report, const std::string& path);

// --- the end of a run ----------------------------------------------------------
// host | pass | fail | skip | xfail | xpass | verdict, then
// "mutation score: K/N (P %)" when mutants ran, then one line per failing case:
// "FAIL <host> <case id>: <summary>" (XPASS cases: "XPASS <host> <case id>: ...").
std::string summary_table(const Report& report);

// --- helpers (used by the writers, exposed for the suite and the tests) --------
// The counts of each outcome among host.cases (the writers count the cases
// rather than trusting host.totals).
Totals count_outcomes(const HostRun& host);
// A host passes when no case FAILed or XPASSed (and every case has an outcome).
bool host_passed(const HostRun& host);
std::string_view outcome_name(Outcome outcome);  // "PASS", ..., "UNSPECIFIED"
// "K/N (P %)", P truncated to one decimal so only N/N prints 100 %.
std::string mutation_score_text(const MutationRun& mutation);
// `text` with each invalid UTF-8 byte replaced by U+FFFD.
std::string valid_utf8(std::string_view text);
// A copy of `report` with valid_utf8 applied to every string field.
Report utf8_sanitized(const Report& report);
// Writes `path` + ".tmp", flushes it to disk, then renames it over `path`.
Status write_file_atomically(const std::string& path, std::string_view content);

}  // namespace xabi::conform
