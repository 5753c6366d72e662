// The interpreter of a case's steps (case.h), internal to execute.cc: the state
// of one case being run on one picoprocess, and one member per step kind.
// Its members are defined by concern:
//   interp.cc            talking to the agent; which code runs each step kind
//   interp_values.cc     expressions, operands and the CALL frame
//   interp_checks.cc     the model's verdict and the case's own clauses
//   interp_calls.cc      call steps: sync, retried, async and awaited
//   interp_memory.cc     observing guest memory
//   interp_lifecycle.cc  the guest's arguments, its threads and its end
//   interp_sandbox.cc    denied system calls and capability-less probes
//   interp_peers.cc      peers on the listen endpoint and the HTTP origin
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "execute.h"
#include "xabi/meta.hpp"

namespace xabi::conform::detail {

using ref::Args;
using ref::Int;

// The state of a case being interpreted. A member that can fail the case
// returns the failure (CaseStatus, CaseOr: case_status.h).
struct Interp {
  CaseEnv& env;
  Pico& p;
  std::map<std::string, Int> vars;
  struct Pending {
    const Step* step;
    uint32_t seq;
  };
  std::map<int, Pending> pending;  // worker -> async call
  std::vector<std::string> console_checks;
  std::vector<std::string> stderr_checks;

  struct Marshalled {
    std::string payload;
    Args model_args;          // blob pointers filled in after the reply
    std::vector<int> blob_of; // per param: blob index or -1
    std::vector<std::string> shown;
  };
  struct CallReply {
    int64_t result = 0;
    std::vector<std::pair<uint64_t, std::string>> blobs;
  };

  // interp.cc
  CaseStatus run(const Step& s);
  CaseOr<int64_t> tid_of(int worker);
  CaseOr<AgentReply> wait_reply(uint32_t seq, const std::string& what);

  // interp_values.cc
  CaseOr<Int> eval(const Expr& e);
  CaseOr<uint64_t> u(const Expr& e);
  std::string expand(std::string s);
  CaseOr<Marshalled> marshal(const meta::CallInfo& c, const std::vector<Operand>& ops);
  CaseOr<CallReply> parse_call_reply(const AgentReply& r);

  // interp_checks.cc
  CaseStatus model_check(const std::string& call, const Args& a, uint64_t raw, int64_t caller, const std::string& action,
                   const std::string& shown_result, int worker);
  CaseStatus check_clauses(const Step& s, const meta::CallInfo* c, int64_t result, const CallReply* reply,
                     const std::vector<int>* blob_of, const std::string& action);

  // interp_calls.cc
  CaseOr<int64_t> do_call(const Step& s);
  CaseStatus check_result(const Step& s, const meta::CallInfo& c, Marshalled& m, const CallReply& r, const std::string& action);
  CaseOr<int64_t> accept_result(const Step& s, const meta::CallInfo& c, const Marshalled& m, const CallReply& r,
                        const std::string& action);
  CaseStatus await(const Step& s);

  // interp_memory.cc
  CaseStatus observe_alloc(int worker, uint64_t base, uint64_t len);
  CaseStatus mem_fill(int worker, uint64_t a, uint64_t n, uint8_t b);
  CaseStatus mem_check(int worker, uint64_t a, uint64_t n, uint8_t b, const std::string& why);

  // interp_lifecycle.cc
  CaseStatus args_step(const Step& s);
  CaseStatus spawn(const Step& s);
  CaseStatus thread_exit(const Step& s);
  CaseStatus clone_storm(const Step& s);
  CaseStatus handover(const Step& s);
  CaseStatus exit_step(const Step& s);

  // interp_sandbox.cc
  CaseStatus probe(const Step& s);
  CaseStatus syscall_step(const Step& s);
  CaseStatus escape_step(const Step& s);

  // interp_peers.cc
  CaseOr<int> peer(const Step& s);
  CaseStatus peer_step(const Step& s);
  CaseStatus origin_saw(const Step& s);
};

}  // namespace xabi::conform::detail
