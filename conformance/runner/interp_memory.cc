// Observing guest memory through the agent (MEM_FILL, MEM_CHECK): what the
// spec promises of memory cannot be seen in a call's result alone.
#include "interp.h"

#include "agent_protocol.h"
#include "step_text.h"
#include "xabi/xabi.h"

namespace xabi::conform::detail {

// Observes freshly allocated memory: zero-filled, writable, readable back.
CaseStatus Interp::observe_alloc(int worker, uint64_t base, uint64_t len) {
  const uint64_t pages = (len + XABI_PAGE - 1) / XABI_PAGE * XABI_PAGE;
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  if (pages <= (1u << 20)) spans.push_back({base, pages});
  else spans = {{base, XABI_PAGE}, {base + pages - XABI_PAGE, XABI_PAGE}};
  for (auto [a, n] : spans) {
    XABI_TRY(mem_check(worker, a, n, 0, "fresh memory is zero-filled"));
    XABI_TRY(mem_fill(worker, a, n, 0xa5));
    XABI_TRY(mem_check(worker, a, n, 0xa5, "memory keeps what was written"));
    XABI_TRY(mem_fill(worker, a, n, 0));
  }
  return {};
}

CaseStatus Interp::mem_fill(int worker, uint64_t a, uint64_t n, uint8_t b) {
  Bytes pl;
  pl.u64(a).u64(n).u8(b);
  std::string what = "mem fill " + hex(a) + " " + std::to_string(n) + " " + std::to_string(b);
  XABI_TRY(wait_reply(p.agent.send(AGENT_OP_MEM_FILL, static_cast<uint8_t>(worker), pl.data), what));
  env.note(worker, what, "done", "ok");
  return {};
}

CaseStatus Interp::mem_check(int worker, uint64_t a, uint64_t n, uint8_t b, const std::string& why) {
  Bytes pl;
  pl.u64(a).u64(n).u8(b);
  std::string what = "mem check " + hex(a) + " " + std::to_string(n) + " " + std::to_string(b);
  XABI_CASE_LET(r, wait_reply(p.agent.send(AGENT_OP_MEM_CHECK, static_cast<uint8_t>(worker), pl.data), what));
  Reader rd(r.payload);
  uint64_t bad = rd.u64(), first = rd.u64();
  uint8_t val = rd.u8();
  env.note(worker, what, std::to_string(bad) + " bytes differ", bad ? "refused" : "ok");
  if (bad)
    return CaseFail{why + ": " + std::to_string(bad) + " of " + std::to_string(n) + " bytes at " + hex(a) + " are not " + std::to_string(b),
                    "every byte " + std::to_string(b), "byte at +" + std::to_string(first) + " is " + std::to_string(val), ""};
  return {};
}

}  // namespace xabi::conform::detail
