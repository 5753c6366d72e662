// The picoprocess's life: its arguments, its threads (spawn, thread_exit,
// handover, raw clones) and its end (exit), each end checked against the host's.
#include "interp.h"

#include <algorithm>

#include "agent_protocol.h"
#include "step_text.h"

namespace xabi::conform::detail {

using ref::Arg;

CaseStatus Interp::args_step(const Step& s) {
  XABI_CASE_LET(r, wait_reply(p.agent.send(AGENT_OP_ARGS, 0, ""), "args"));
  Reader rd(r.payload);
  uint32_t argc = rd.u32();
  std::vector<std::string> argv;
  for (uint32_t i = 0; i < argc && !rd.bad; ++i) argv.push_back(rd.bytes(rd.u32()));
  std::vector<std::string> rest(argv.size() > 1 ? argv.begin() + 1 : argv.end(), argv.end());
  auto join = [](const std::vector<std::string>& v) {
    std::string o;
    for (const auto& x : v) o += "\"" + printable(x) + "\" ";
    return o;
  };
  env.note(0, "xabi_args()", join(argv), rest == s.strings ? "ok" : "refused");
  if (rest != s.strings) return CaseFail{"the guest's arguments differ", join(s.strings), join(rest), ""};
  return {};
}

CaseStatus Interp::spawn(const Step& s) {
  Bytes pl;
  pl.u8(static_cast<uint8_t>(s.worker));
  std::string action = "spawn worker " + std::to_string(s.worker);
  XABI_CASE_LET(r, wait_reply(p.agent.send(AGENT_OP_SPAWN, 0, pl.data), action));
  Reader rd(r.payload);
  int64_t result = rd.i64();
  uint64_t entry = rd.u64(), stack = rd.u64(), arg = rd.u64();
  uint8_t ran = rd.u8();
  action = "thread_create(entry=" + hex(entry) + ", stack=" + hex(stack) + ", arg=" + std::to_string(arg) + ")";
  XABI_TRY(model_check("thread_create", {Arg::num(entry), Arg::num(stack), Arg::num(arg)}, static_cast<uint64_t>(result), 0, action,
                       show_result(call_info("thread_create"), result), 0));
  if (result > 0) {
    if (!ran) return CaseFail{"the new thread never ran", "the thread runs", "no sign of it", ""};
    p.tid[s.worker] = result;
  }
  if (!s.bind.empty()) vars[s.bind] = result;
  if (s.check.cmp == Cmp::kNone && result <= 0)
    return CaseFail{"thread creation failed", "a thread id > 0", show_result(call_info("thread_create"), result), ""};
  return check_clauses(s, nullptr, result, nullptr, nullptr, action);
}

CaseStatus Interp::thread_exit(const Step& s) {
  XABI_CASE_LET(t, tid_of(s.worker));
  Bytes pl;
  pl.u32(call_info("thread_exit").id).u8(0).u8(0);
  p.agent.send(AGENT_OP_CALL, static_cast<uint8_t>(s.worker), pl.data);
  XABI_TRY(model_check("thread_exit", {}, 0, t, "thread_exit() on worker " + std::to_string(s.worker), "(does not return)", s.worker));
  p.tid.erase(s.worker);
  if (p.model->state().exited.get() == 0) return {};
  // The last thread ended: the picoprocess ends with status 0 (the rule's effect).
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(env.deadline - Clock::now());
  auto e = p.host.wait_for(std::max(left, std::chrono::milliseconds(100)));
  p.ended = true;
  const int64_t want = static_cast<int64_t>(p.model->state().exit_status.get());
  if (!e) return CaseFail{"the host did not end after its last thread did", "the host exits " + std::to_string(want), "still running", ""};
  if (!e->exited || e->code != want)
    return CaseFail{"the host reported another end of the picoprocess than its last thread's", "exited " + std::to_string(want), e->describe(), "thread_exit.last"};
  env.note(s.worker, "the host ended", e->describe(), "ok");
  return {};
}

// clone-storm N: the agent's raw clones (agent_protocol.h CLONE_STORM).
CaseStatus Interp::clone_storm(const Step& s) {
  Bytes pl;
  XABI_CASE_LET(n, u(s.exprs[0]));
  pl.u32(static_cast<uint32_t>(n));
  const std::string action = "clone-storm " + std::to_string(n) + " (raw clone system calls, the allow-list's thread flags)";
  XABI_CASE_LET(r, wait_reply(p.agent.send(AGENT_OP_CLONE_STORM, 0, pl.data), action));
  Reader rd(r.payload);
  const uint32_t started = rd.u32();
  const int64_t failure = rd.i64();
  env.note(0, action, std::to_string(started) + " started" + (failure ? ", then -errno " + std::to_string(-failure) : ""), "");
  if (!s.bind.empty()) vars[s.bind] = started;
  return check_clauses(s, nullptr, started, nullptr, nullptr, action);
}

// handover W: worker W serves on; the initial thread calls thread_exit.
CaseStatus Interp::handover(const Step& s) {
  Bytes pl;
  pl.u8(static_cast<uint8_t>(s.worker));
  const std::string action = "handover to worker " + std::to_string(s.worker);
  XABI_TRY(wait_reply(p.agent.send(AGENT_OP_HANDOVER, 0, pl.data), action));
  XABI_CASE_LET(t, tid_of(0));
  XABI_TRY(model_check("thread_exit", {}, 0, t, "thread_exit() on worker 0 (" + action + ")", "(does not return)", 0));
  p.tid.erase(0);
  return {};
}

CaseStatus Interp::exit_step(const Step& s) {
  XABI_CASE_LET(value, eval(s.exprs[0]));
  const int64_t status = static_cast<int64_t>(value);
  Bytes pl;
  pl.u32(call_info("exit").id).u8(1).u8(AGENT_ARG_VALUE).u64(static_cast<uint64_t>(status)).u8(0);
  p.agent.send(AGENT_OP_CALL, 0, pl.data);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(env.deadline - Clock::now());
  auto e = p.host.wait_for(std::max(left, std::chrono::milliseconds(100)));
  p.ended = true;
  std::string action = "exit(" + std::to_string(status) + ")";
  if (!e) return CaseFail{"the host did not end after " + action, "the host exits", "still running at the case timeout", ""};
  if (!e->exited) return CaseFail{"the host did not report the exit status of " + action, "exit status " + std::to_string(((status % 256) + 256) % 256), e->describe(), ""};
  return model_check("exit", {Arg::num(static_cast<int32_t>(status))}, static_cast<uint64_t>(e->code), 0, action, e->describe(), 0);
}

}  // namespace xabi::conform::detail
