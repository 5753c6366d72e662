// Call steps: a call of the ABI made by a worker, synchronously, retried, or
// started now and awaited later.
#include "interp.h"

#include <thread>

#include "agent_protocol.h"
#include "step_text.h"

namespace xabi::conform::detail {

using ref::Arg;

// One call step; with `retry`, repeated (each attempt checked by the
// model) while the result equals the retry value. Returns the final result.
CaseOr<int64_t> Interp::do_call(const Step& s) {
  const meta::CallInfo& c = call_info(s.call);
  for (;;) {
    XABI_CASE_LET(m, marshal(c, s.args));
    std::string action = s.call + "(";
    for (size_t i = 0; i < m.shown.size(); ++i) action += (i ? ", " : "") + m.shown[i];
    action += ")";
    uint32_t seq = p.agent.send(AGENT_OP_CALL, static_cast<uint8_t>(s.worker), m.payload);
    if (s.async) {
      if (c.blocks) {
        XABI_CASE_LET(tid, tid_of(s.worker));
        (void)p.model->begin(s.call, m.model_args, static_cast<Int>(tid));
      }
      pending[s.worker] = {&s, seq};
      env.note(s.worker, action + " (async)", "pending", "");
      return 0;
    }
    XABI_CASE_LET(reply, wait_reply(seq, action));
    XABI_CASE_LET(r, parse_call_reply(reply));
    XABI_TRY(check_result(s, c, m, r, action));
    if (s.retry) {
      XABI_CASE_LET(again, eval(*s.retry));
      if (Int(r.result) == again) {
        if (Clock::now() > env.deadline) return CaseFail{"still " + s.retry->text + " at the case timeout: " + s.text, "progress", "none", ""};
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
    }
    return accept_result(s, c, m, r, action);
  }
}

// The model's verdict on a reply, with the blobs' real addresses as arguments.
CaseStatus Interp::check_result(const Step& s, const meta::CallInfo& c, Marshalled& m, const CallReply& r, const std::string& action) {
  for (size_t i = 0; i < c.params.size(); ++i)
    if (m.blob_of[i] >= 0 && c.params[i].type != meta::Type::kCstr && static_cast<size_t>(m.blob_of[i]) < r.blobs.size())
      m.model_args[i] = Arg::num(r.blobs[static_cast<size_t>(m.blob_of[i])].first);
  XABI_CASE_LET(tid, tid_of(s.worker));
  return model_check(s.call, m.model_args, static_cast<uint64_t>(r.result), tid, action, show_result(c, r.result), s.worker);
}

// What the case itself asks of a result the model allowed.
CaseOr<int64_t> Interp::accept_result(const Step& s, const meta::CallInfo& c, const Marshalled& m, const CallReply& r,
                                      const std::string& action) {
  if (s.call == "alloc" && r.result != 0)
    XABI_TRY(observe_alloc(s.worker, static_cast<uint64_t>(r.result), static_cast<uint64_t>(m.model_args[0].i)));
  if (!s.bind.empty()) vars[s.bind] = r.result;
  XABI_TRY(check_clauses(s, &c, r.result, &r, &m.blob_of, action));
  return r.result;
}

CaseStatus Interp::await(const Step& s) {
  auto it = pending.find(s.worker);
  const Step& cs = *it->second.step;
  const meta::CallInfo& c = call_info(cs.call);
  XABI_CASE_LET(m, marshal(c, cs.args));
  std::string action = cs.call + " (awaited on worker " + std::to_string(s.worker) + ")";
  XABI_CASE_LET(reply, wait_reply(it->second.seq, action));
  XABI_CASE_LET(r, parse_call_reply(reply));
  pending.erase(it);
  XABI_TRY(check_result(cs, c, m, r, action));
  Step merged = cs;  // the call, with the await step's clauses
  merged.bind = s.bind;
  merged.check = s.check;
  XABI_TRY(accept_result(merged, c, m, r, action));
  return {};
}

}  // namespace xabi::conform::detail
