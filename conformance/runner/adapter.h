// A host as the suite sees it: an adapter file (JSON, no code) that says how
// to start the host on a guest image, what it declares it can do, and how it
// reports the end of a picoprocess. docs/host-contract.md is the reference.
//
//   auto a = xabi::conform::load_adapter("xabi-host.json");
//   if (!a) die(a.error().detail);              // names the file, key and problem
//   auto argv = a.value().expand({.image = ..., .listen = ..., .memory = ...});
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/conform_error.h"

namespace xabi::conform {

// What one launch binds the placeholders to.
struct LaunchVars {
  std::string image;    // {image}
  std::string listen;   // {listen}: a unix socket path the host must listen on; empty: none (bare launch)
  uint64_t memory = 0;  // {memory}: the quota for xabi_alloc, bytes
  std::string origin;   // {origin}: http://127.0.0.1:PORT, or empty (no origin)
  std::vector<std::string> args;  // {args}: zero or more arguments after the image
  std::string mutant;   // {mutant}: only for mutant runs
  bool no_console = false;  // condition "no_console": the host must offer no console (bare launch)
  bool stdio = true;        // condition "stdio": the host may lend its standard streams (false: bare launch)
};

struct Adapter {
  std::string name;
  std::string path;  // the file it came from
  std::string description;
  // Elements: literal strings with placeholders, or conditional groups that
  // appear only when a variable is set ("if": "origin").
  struct Part {
    std::string text;               // a single element
    std::string cond;               // non-empty: a group used only when this var is set
    std::vector<std::string> group; // the group's elements
  };
  std::vector<Part> command;
  std::map<std::string, std::string> env;  // values may use placeholders
  std::set<std::string> capabilities;
  std::string agent;            // the agent image this host runs
  int violation_exit_status = -1;  // -1: the host does not report violations by status
  std::vector<int> picoprocess_fds;  // for capability "proc_inspect"
  double start_timeout_s = 10;  // until the listen endpoint accepts
  double case_timeout_s = 30;   // a whole case
  std::vector<std::string> mutants_list;  // a command printing the mutants as JSON (mutant hosts)

  bool has(const std::string& cap) const { return capabilities.count(cap) != 0; }
  std::vector<std::string> expand(const LaunchVars& v) const;
  std::map<std::string, std::string> expand_env(const LaunchVars& v) const;
};

// Capabilities the suite knows: the spec's own (meta::kCapabilities) plus
// isolation (denied system calls end the picoprocess with violation_exit_status)
// and proc_inspect (the picoprocess is a Linux process below the host whose
// open fds the suite may list; it must hold exactly picoprocess_fds).
const std::set<std::string>& known_capabilities();

// The adapter, or kAdapter with a detail that names the file, the key and the
// problem: "adapters/x.json: key \"command\": must be a non-empty array".
Result<Adapter> load_adapter(const std::string& path);
Result<Adapter> parse_adapter(const std::string& json_text, const std::string& path);

}  // namespace xabi::conform
