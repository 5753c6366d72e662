// Steps that test the sandbox rather than an ABI call: a denied system call
// (the allow-list) and a probe picoprocess with no capabilities.
#include "interp.h"

#include <algorithm>
#include <filesystem>

#include "agent_protocol.h"
#include "step_text.h"

namespace xabi::conform::detail {

// probe CALL: a bare picoprocess of its own (no listen endpoint, no
// console, no stdio) makes the call with 0 for every argument; its exit
// status carries the result.
CaseStatus Interp::probe(const Step& s) {
  const meta::CallInfo* c = meta::find_call(s.call);
  LaunchVars v;
  v.image = env.cfg.agent_image;
  v.memory = 1 << 20;
  v.no_console = true;
  v.stdio = false;
  v.args = {"probe", std::to_string(c->id)};
  v.mutant = env.cfg.mutant;
  HostProcess h;
  const std::string dir = env.dir + "/probe";
  std::filesystem::create_directories(dir);
  const std::string action = s.call + "(" + (c->params.empty() ? "" : "0...") + ") in a picoprocess with no listen endpoint, console or stdio";
  if (auto started = h.start(env.cfg.adapter->expand(v), env.cfg.adapter->expand_env(v), dir); !started)
    return CaseFail{started.error().detail, "the host starts", started.error().detail, ""};
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(env.deadline - Clock::now());
  auto e = h.wait_for(std::max(left, std::chrono::milliseconds(100)));
  if (!e) return CaseFail{"the probe did not end", "the host exits with the probe's status", "still running", ""};
  if (!e->exited || e->code == 100 || e->code > 199)
    return CaseFail{"the probe did not report a result", "an exit status 0..99 or 101..199 (AGENT_PROBE_STATUS)", e->describe(), ""};
  const int64_t result = e->code <= 99 ? e->code : 100 - e->code;
  ref::ModelConfig mc;
  mc.quota = v.memory;  // caps: none of listen, origin, console, stdio
  ref::Model m(mc);
  const std::vector<ref::Arg> zeros(c->params.size(), ref::Arg::num(0));  // what the agent's probe passes
  ref::Verdict vd = m.check(s.call, zeros, static_cast<uint64_t>(result), 0);
  env.note(0, action, show_result(*c, result), vd.ok() ? "ok: " + vd.rule + "." + vd.outcome : "refused: " + vd.message);
  if (!vd.ok()) return CaseFail{"unexpected result of " + action, "what the spec allows", show_result(*c, result), s.call + "." + vd.rule};
  env.reached.insert(s.call + "." + vd.rule + "." + vd.outcome);
  return check_clauses(s, c, result, nullptr, nullptr, action);
}

CaseStatus Interp::syscall_step(const Step& s) {
  Bytes pl;
  XABI_CASE_LET(nr, u(s.exprs[0]));
  pl.u64(nr);
  for (size_t i = 1; i <= 6; ++i) {
    if (i >= s.exprs.size()) {
      pl.u64(0);
      continue;
    }
    XABI_CASE_LET(arg, u(s.exprs[i]));
    pl.u64(arg);
  }
  const Adapter& a = *env.cfg.adapter;
  uint32_t seq = p.agent.send(AGENT_OP_SYSCALL, 0, pl.data);
  auto r = p.agent.wait(seq, env.deadline);
  if (r) {
    Reader rd(r->payload);
    int64_t ret = rd.i64();
    env.note(0, s.text, std::to_string(ret), "refused");
    return CaseFail{"a system call outside the allow-list was not denied: " + s.text, "the picoprocess ends with status " +
                    std::to_string(a.violation_exit_status) + " (a violation)", "it returned " + std::to_string(ret), "allow-list"};
  }
  auto e = p.host.wait_for(std::chrono::milliseconds(5000));
  p.ended = true;
  if (!e) return CaseFail{"after a denied system call the host did not end", "exit " + std::to_string(a.violation_exit_status), "still running", "allow-list"};
  env.note(0, s.text, "host " + e->describe(), e->exited && e->code == a.violation_exit_status ? "ok: denied" : "refused");
  if (!e->exited || e->code != a.violation_exit_status)
    return CaseFail{"a denied system call was not reported as a violation: " + s.text, "exit " + std::to_string(a.violation_exit_status),
                    "host " + e->describe(), "allow-list"};
  return {};
}

// An escape instruction must end the picoprocess. A host that declares
// `escape_violations` (the KVM host: no kernel, so every such instruction is
// an attempt on the monitor) must report each as a violation; any other
// isolated host may instead let it die as a Linux process would (a signal).
CaseStatus Interp::escape_step(const Step& s) {
  const Adapter& a = *env.cfg.adapter;
  const uint32_t kind = escape_kind(s.call);
  const std::string what = escape_what(kind);
  Bytes pl;
  pl.u8(static_cast<uint8_t>(kind));
  uint32_t seq = p.agent.send(AGENT_OP_ESCAPE, 0, pl.data);
  if (auto r = p.agent.wait(seq, env.deadline)) {
    env.note(0, s.text, "it returned", "refused");
    return CaseFail{"an escape instruction returned to the guest: " + what, "the picoprocess ends", "it went on", "isolation"};
  }
  auto e = p.host.wait_for(std::chrono::milliseconds(5000));
  p.ended = true;
  if (!e) return CaseFail{"after an escape instruction the host did not end", "the picoprocess ends", "still running", "isolation"};
  const bool violation = e->exited && e->code == a.violation_exit_status;
  const bool crash = e->exited && e->code > 128 && e->code < 128 + 65;
  const bool strict = a.has("escape_violations");
  const bool ok = violation || (!strict && crash);
  env.note(0, s.text, "host " + e->describe(), ok ? (violation ? "ok: a violation" : "ok: ended by a signal") : "refused");
  if (!ok)
    return CaseFail{"an escape instruction was not reported as the host declares: " + what,
                    strict ? "exit " + std::to_string(a.violation_exit_status) + " (a violation)"
                           : "exit " + std::to_string(a.violation_exit_status) + " (a violation) or 128+N (a signal)",
                    "host " + e->describe(), "isolation"};
  return {};
}

}  // namespace xabi::conform::detail
