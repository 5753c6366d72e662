// Running one case against one host: launch the host on the agent image
// through the adapter, drive the agent step by step, check every observed
// result with the reference model (reference/model.h) and the case's own
// expectations, then see the host end as the contract says.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapter.h"
#include "agent_client.h"
#include "case.h"
#include "case_status.h"
#include "host_process.h"
#include "origin_server.h"
#include "reference/model.h"
#include "report.pb.h"

namespace xabi::conform {

struct RunConfig {
  const Adapter* adapter = nullptr;
  std::string agent_image;
  std::string work_dir;  // a fresh directory per case is made below it
  // --out, absolute: the report's folder. A failing case's host logs are kept
  // in its work directory and named in the report relative to this.
  std::string report_dir;
  uint64_t seed = 1;
  std::string mutant;    // {mutant}
};

// A running picoprocess: its host, the connection to its agent, its model.
struct Pico {
  HostProcess host;
  AgentClient agent;
  Hello hello;
  std::unique_ptr<ref::Model> model;
  std::unique_ptr<OriginServer> origin;
  std::string dir, listen;
  std::map<int, int64_t> tid;  // worker -> thread id (worker 0: 0)
  std::map<std::string, int> peers;
  bool ended = false;          // the host process has ended (expectedly)
  std::string sock_dir;        // a short /tmp directory for the socket (sun_path is 108 bytes)
  ~Pico();
};

struct LaunchOptions {
  uint64_t memory = 64ull << 20;
  bool origin = false;
  std::vector<std::string> args;
  std::string tag;  // distinguishes several picoprocesses of one case
  std::optional<std::string> stdin_text;  // the host's standard input; none: /dev/null
};

// What a case body (steps or custom code) works with.
struct CaseEnv {
  const Case& c;
  const RunConfig& cfg;
  Clock::time_point deadline;
  std::string dir;  // this case's directory
  std::vector<TraceStep> trace;
  std::set<std::string> reached;  // "call.rule.outcome"
  std::vector<std::string> measurements;

  // Launches the agent through the adapter and reads its HELLO.
  CaseOr<std::unique_ptr<Pico>> launch(const LaunchOptions& o);
  // Closes the control channel and expects the host to end with status 0.
  CaseStatus finish(Pico& p);
  void note(int worker, const std::string& action, const std::string& result, const std::string& verdict);
  std::string host_stderr;  // the tail, for failures
  std::string host_stdout;
};

// `name` with every byte but [A-Za-z0-9_-] replaced by '_': a directory name.
std::string path_safe(std::string name);

// Runs `c` and fills `out` (outcome PASS or FAIL, trace, failure, rules).
void execute_case(const Case& c, const RunConfig& cfg, CaseResult& out);

}  // namespace xabi::conform
