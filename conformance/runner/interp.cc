// The step interpreter: talking to the agent, and each step kind to the code
// that runs it (interp.h lists the files).
#include "interp.h"

#include <thread>

#include "agent_protocol.h"

namespace xabi::conform::detail {

CaseOr<int64_t> Interp::tid_of(int worker) {
  auto it = p.tid.find(worker);
  if (it == p.tid.end()) return CaseFail{"worker " + std::to_string(worker) + " was never spawned", "", "", ""};
  return it->second;
}

CaseOr<AgentReply> Interp::wait_reply(uint32_t seq, const std::string& what) {
  auto r = p.agent.wait(seq, env.deadline);
  if (r) {
    if (r->status != AGENT_OK)
      return CaseFail{"the agent refused the command (status " + std::to_string(r->status) + ")", "a reply", what, ""};
    return *r;
  }
  // No reply: the agent broke the protocol, the picoprocess ended, or the
  // case ran out of time.
  if (!p.agent.error().empty())
    return CaseFail{"the agent's connection broke during: " + what, "a well-formed reply", p.agent.error(), ""};
  if (p.agent.closed()) {
    auto e = p.host.wait_for(std::chrono::milliseconds(3000));
    p.ended = true;
    return CaseFail{"the picoprocess ended during: " + what, "a reply", e ? "host " + e->describe() : "the connection closed", ""};
  }
  return CaseFail{"no reply within the case timeout during: " + what, "a reply", "nothing (the host or the call hangs)", ""};
}

CaseStatus Interp::run(const Step& s) {
  switch (s.kind) {
    case Step::Kind::kCall:
      XABI_TRY(do_call(s));
      return {};
    case Step::Kind::kAwait:
      return await(s);
    case Step::Kind::kSpawn:
      return spawn(s);
    case Step::Kind::kThreadExit:
      return thread_exit(s);
    case Step::Kind::kExit:
      return exit_step(s);
    case Step::Kind::kPeerConnect:
    case Step::Kind::kPeerSend:
    case Step::Kind::kPeerRecv:
    case Step::Kind::kPeerClose:
    case Step::Kind::kPeerReset:
    case Step::Kind::kPeerEof:
      return peer_step(s);
    case Step::Kind::kMemFill:
    case Step::Kind::kMemCheck: {
      XABI_CASE_LET(addr, u(s.exprs[0]));
      XABI_CASE_LET(len, u(s.exprs[1]));
      XABI_CASE_LET(byte, u(s.exprs[2]));
      if (s.kind == Step::Kind::kMemFill) return mem_fill(s.worker, addr, len, static_cast<uint8_t>(byte));
      return mem_check(s.worker, addr, len, static_cast<uint8_t>(byte), s.text);
    }
    case Step::Kind::kSyscall:
      return syscall_step(s);
    case Step::Kind::kEscape:
      return escape_step(s);
    case Step::Kind::kCloneStorm:
      return clone_storm(s);
    case Step::Kind::kHandover:
      return handover(s);
    case Step::Kind::kProbe:
      return probe(s);
    case Step::Kind::kSleep: {
      XABI_CASE_LET(ms, eval(s.exprs[0]));
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(ms)));
      return {};
    }
    case Step::Kind::kLet: {
      XABI_CASE_LET(value, eval(s.exprs[0]));
      vars[s.bind] = value;
      env.note(0, s.text, ref::to_string(vars[s.bind]), "");
      return {};
    }
    case Step::Kind::kOriginSaw:
      return origin_saw(s);
    case Step::Kind::kArgs:
      return args_step(s);
    case Step::Kind::kOriginStop:
      if (!p.origin) return CaseFail{"origin stop: the case was launched without an origin", "", "", ""};
      p.origin->stop();
      env.note(0, s.text, "stopped", "ok");
      return {};
    case Step::Kind::kConsoleSaw:
      console_checks.push_back(s.strings[0]);
      return {};
    case Step::Kind::kStderrSaw:
      stderr_checks.push_back(s.strings[0]);
      return {};
    case Step::Kind::kJudge:
    case Step::Kind::kJudgeBegin:  // the parser keeps these out of host cases
      break;
  }
  return CaseFail{"a judge step in a host case: " + s.text, "", "", ""};
}

}  // namespace xabi::conform::detail
