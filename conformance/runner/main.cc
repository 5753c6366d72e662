// xabi-conform: validates hosts against the xabi spec and writes reports.
//
//   xabi-conform --host ADAPTER [--host ADAPTER...] [--cases GLOBS] [--expect FILE]
//                [--jobs N] [--quick] [--list] [--mutants ADAPTER] --out DIR
//
// Exit status: 0 every case passed (and every mutant was caught); 1 a FAIL,
// an XPASS or a surviving mutant; 2 a configuration error (bad adapter,
// missing image, bad case file), with a message naming the problem.
#include <CLI/CLI.hpp>
#include <iostream>

#include "runner.h"

int main(int argc, char** argv) {
  xabi::conform::Options o;
  CLI::App app{"xabi-conform: run the xabi conformance suite against hosts"};
  app.add_option("--host", o.hosts, "an adapter file describing a host (repeatable)");
  app.add_option("--cases", o.cases, "only cases whose id matches one of these comma-separated globs (e.g. 'spec/alloc/*,channels/*')");
  app.add_option("--expect", o.expect, "expectations file: cases expected to fail on a host, each with a reason (XFAIL)");
  app.add_option("--jobs", o.jobs, "cases run in parallel")->check(CLI::Range(1, 64));
  app.add_flag("--quick", o.quick, "only the quick subset (the cases marked quick)");
  app.add_flag("--list", o.list, "print the cases a run would execute, and stop");
  app.add_option("--mutants", o.mutants, "an adapter for a mutant host: every mutant must fail at least one case");
  app.add_option("--mutant", o.mutant, "run the hosts as this mutant ({mutant} in the adapter)");
  app.add_flag("--fail-fast", o.fail_fast, "stop a host's run at its first failure");
  app.add_option("--seed", o.seed, "the seed a run is reproduced with");
  app.add_option("--cases-dir", o.cases_dir, "where the case files and fixtures.txt are")->check(CLI::ExistingDirectory);
  app.add_option("--agent", o.agent, "the agent image for adapters that do not name one");
  app.add_option("--out", o.out, "where reports go");
  o.cases_dir = XABI_CONFORM_CASES_DIR;
  o.agent = XABI_CONFORM_AGENT;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!o.list && o.out.empty()) {
    std::cerr << "xabi-conform: --out DIR is required\n";
    return 2;
  }
  for (int i = 0; i < argc; ++i) o.command_line += std::string(i ? " " : "") + argv[i];
  return xabi::conform::run_suite(o);
}
