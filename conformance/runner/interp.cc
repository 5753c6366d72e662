// The step interpreter: talking to the agent, and each step kind to the code
// that runs it (interp.h lists the files).
#include "interp.h"

#include <thread>

#include "agent_protocol.h"

namespace xabi::conform::detail {

int64_t Interp::tid_of(int worker) {
  auto it = p.tid.find(worker);
  if (it == p.tid.end()) env.fail({"worker " + std::to_string(worker) + " was never spawned", "", "", ""});
  return it->second;
}

AgentReply Interp::wait_reply(uint32_t seq, const std::string& what) {
  auto r = p.agent.wait(seq, env.deadline);
  if (r) {
    if (r->status != AGENT_OK)
      env.fail({"the agent refused the command (status " + std::to_string(r->status) + ")", "a reply", what, ""});
    return *r;
  }
  // No reply: the picoprocess ended, or the case ran out of time.
  if (p.agent.closed()) {
    auto e = p.host.wait_for(std::chrono::milliseconds(3000));
    p.ended = true;
    env.fail({"the picoprocess ended during: " + what, "a reply", e ? "host " + e->describe() : "the connection closed", ""});
  }
  env.fail({"no reply within the case timeout during: " + what, "a reply", "nothing (the host or the call hangs)", ""});
}

void Interp::run(const Step& s) {
  switch (s.kind) {
    case Step::Kind::kCall:
      do_call(s);
      return;
    case Step::Kind::kAwait:
      await(s);
      return;
    case Step::Kind::kSpawn:
      spawn(s);
      return;
    case Step::Kind::kThreadExit:
      thread_exit(s);
      return;
    case Step::Kind::kExit:
      exit_step(s);
      return;
    case Step::Kind::kPeerConnect:
    case Step::Kind::kPeerSend:
    case Step::Kind::kPeerRecv:
    case Step::Kind::kPeerClose:
    case Step::Kind::kPeerReset:
    case Step::Kind::kPeerEof:
      peer_step(s);
      return;
    case Step::Kind::kMemFill:
      mem_fill(s.worker, u(s.exprs[0]), u(s.exprs[1]), static_cast<uint8_t>(u(s.exprs[2])));
      return;
    case Step::Kind::kMemCheck:
      mem_check(s.worker, u(s.exprs[0]), u(s.exprs[1]), static_cast<uint8_t>(u(s.exprs[2])), s.text);
      return;
    case Step::Kind::kSyscall:
      syscall_step(s);
      return;
    case Step::Kind::kCloneStorm:
      clone_storm(s);
      return;
    case Step::Kind::kHandover:
      handover(s);
      return;
    case Step::Kind::kProbe:
      probe(s);
      return;
    case Step::Kind::kSleep:
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(eval(s.exprs[0]))));
      return;
    case Step::Kind::kLet:
      vars[s.bind] = eval(s.exprs[0]);
      env.note(0, s.text, ref::to_string(vars[s.bind]), "");
      return;
    case Step::Kind::kOriginSaw:
      origin_saw(s);
      return;
    case Step::Kind::kArgs:
      args_step(s);
      return;
    case Step::Kind::kOriginStop:
      if (!p.origin) env.fail({"origin stop: the case was launched without an origin", "", "", ""});
      p.origin->stop();
      env.note(0, s.text, "stopped", "ok");
      return;
    case Step::Kind::kConsoleSaw:
      console_checks.push_back(s.strings[0]);
      return;
    case Step::Kind::kJudge:
    case Step::Kind::kJudgeBegin:  // the parser keeps these out of host cases
      env.fail({"a judge step in a host case: " + s.text, "", "", ""});
  }
}

}  // namespace xabi::conform::detail
