// Fault and resource isolation, after the process-per-site browser's tests:
// a hostile picoprocess (crashing, spinning on every core, exhausting its
// memory, or blocked forever) runs beside a healthy one. The healthy one's
// host-call latency must stay within a stated bound (kLatencyFactor x its own
// baseline, or under kLatencyFloorMs), the hostile one must end the way the
// contract says, and the healthy one must still work and end cleanly.
#include <algorithm>
#include <sstream>
#include <thread>

#include "agent_protocol.h"
#include "builtin_cases.h"
#include "execute.h"
#include "xabi/meta.hpp"

namespace xabi::conform {
namespace {

// Median round trip (ms) of n alarm_set(0) calls: a HOST call with no effect.
CaseOr<double> median_call_ms(CaseEnv& env, Pico& p, int n) {
  std::vector<double> ms;
  const uint32_t id = meta::find_call("alarm_set")->id;
  for (int i = 0; i < n; ++i) {
    Bytes pl;
    pl.u32(id).u8(1).u8(AGENT_ARG_VALUE).u64(0).u8(0);
    auto t0 = Clock::now();
    auto r = p.agent.wait(p.agent.send(AGENT_OP_CALL, 0, pl.data), env.deadline);
    auto t1 = Clock::now();
    if (!r) return CaseFail{"the healthy picoprocess stopped answering", "a reply", p.agent.closed() ? "connection closed" : "timeout", ""};
    Reader rd(r->payload);
    int64_t result = rd.i64();
    if (result != 0) return CaseFail{"alarm_set(0) failed in the healthy picoprocess", "0", std::to_string(result), "alarm_set.ok"};
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

std::string fmt(double v) {
  std::ostringstream o;
  o.precision(3);
  o << v;
  return o.str();
}

CaseStatus hog(CaseEnv& env, Pico& p, int worker, uint8_t kind, uint64_t param) {
  Bytes pl;
  pl.u8(kind).u64(param);
  auto r = p.agent.wait(p.agent.send(AGENT_OP_HOG, static_cast<uint8_t>(worker), pl.data), env.deadline);
  if (!r) return CaseFail{"the hostile agent did not acknowledge its orders", "a reply", "none", ""};
  return {};
}

CaseStatus spawn(CaseEnv& env, Pico& p, int slot) {
  Bytes pl;
  pl.u8(static_cast<uint8_t>(slot));
  auto r = p.agent.wait(p.agent.send(AGENT_OP_SPAWN, 0, pl.data), env.deadline);
  const std::string payload = r ? r->payload : std::string();
  Reader rd(payload);
  if (!r || rd.i64() <= 0) return CaseFail{"the hostile agent could not start a thread", "a thread", "none", ""};
  return {};
}

CaseStatus run_fault(CaseEnv& env, uint8_t kind) {
  XABI_CASE_LET(healthy, env.launch({64ull << 20, false, {}, "healthy", std::nullopt}));
  const int n = 200;
  XABI_CASE_LET(base, median_call_ms(env, *healthy, n));
  env.note(0, "healthy: median of " + std::to_string(n) + " alarm_set(0) round trips", fmt(base) + " ms", "baseline");

  XABI_CASE_LET(bad, env.launch({16ull << 20, false, {}, "hostile", std::nullopt}));
  if (kind == AGENT_HOG_SPIN) {
    // One spinning thread per core, and the initial thread too.
    XABI_TRY(spawn(env, *bad, 1));
    XABI_TRY(spawn(env, *bad, 2));
    XABI_TRY(hog(env, *bad, 1, AGENT_HOG_SPIN, 0));
    XABI_TRY(hog(env, *bad, 2, AGENT_HOG_SPIN, 0));
  } else if (kind == AGENT_HOG_BLOCK) {
    XABI_TRY(spawn(env, *bad, 1));
    XABI_TRY(hog(env, *bad, 1, AGENT_HOG_BLOCK, 0));
  }
  if (kind != AGENT_HOG_BLOCK) XABI_TRY(hog(env, *bad, 0, kind, 1 << 20));
  env.note(0, "hostile: started", "", "");

  XABI_CASE_LET(during, median_call_ms(env, *healthy, n));
  double bound = std::max(kLatencyFactor * base, kLatencyFloorMs);
  env.measurements.push_back("healthy median round trip: " + fmt(base) + " ms alone, " + fmt(during) + " ms beside the hostile one (bound " +
                             fmt(bound) + " ms)");
  env.note(0, "healthy, hostile running: median of " + std::to_string(n) + " round trips", fmt(during) + " ms",
           during <= bound ? "ok: within " + fmt(bound) + " ms" : "refused");
  if (during > bound)
    return CaseFail{"the healthy picoprocess slowed down beside a hostile one", "median <= " + fmt(bound) + " ms (" + fmt(kLatencyFactor) +
                                                                                    " x baseline " + fmt(base) + " ms, or " + fmt(kLatencyFloorMs) + " ms)",
                    fmt(during) + " ms", "fault.latency"};

  // How the hostile one must end.
  if (kind == AGENT_HOG_CRASH) {
    auto e = bad->host.wait_for(std::chrono::milliseconds(5000));
    bad->ended = true;
    env.note(0, "hostile host after the crash", e ? e->describe() : "still running", "");
    if (!e || !e->exited || e->code != 128 + 11)
      return CaseFail{"the crash was not reported as the contract says", "exit 139 (128 + SIGSEGV)", e ? e->describe() : "still running", "contract.exit"};
  } else if (kind == AGENT_HOG_MEMORY) {
    // The hog stops when alloc refuses: the picoprocess lives on, within its quota.
    if (bad->host.poll())
      return CaseFail{"memory exhaustion ended the picoprocess", "xabi_alloc refuses at the quota; the picoprocess lives",
                      "host " + bad->host.exit()->describe(), "alloc.ok.refused"};
    XABI_TRY(env.finish(*bad));
  } else {
    if (bad->host.poll()) return CaseFail{"the hostile picoprocess ended by itself", "it keeps running until killed", bad->host.exit()->describe(), ""};
    bad->host.kill_group();
    (void)bad->host.wait_for(std::chrono::milliseconds(3000));
    bad->ended = true;
  }
  // The healthy one still works, and ends cleanly.
  XABI_CASE_LET(after, median_call_ms(env, *healthy, 20));
  env.note(0, "healthy, after the hostile one: median of 20 round trips", fmt(after) + " ms", "ok");
  return env.finish(*healthy);
}

Case fault_case(const std::string& name, uint8_t kind, const std::string& what) {
  Case c;
  c.id = "fault/" + name;
  c.group = "fault";
  c.file = "builtin";
  c.quick = false;
  c.custom = [kind, what](CaseEnv& env) {
    env.note(0, what, "", "");
    return run_fault(env, kind);
  };
  return c;
}

}  // namespace

void fault_cases(std::vector<Case>& out) {
  out.push_back(fault_case("crash", AGENT_HOG_CRASH, "a neighbour that crashes (SIGSEGV)"));
  out.push_back(fault_case("cpu_hog", AGENT_HOG_SPIN, "a neighbour spinning on three threads"));
  out.push_back(fault_case("memory_hog", AGENT_HOG_MEMORY, "a neighbour allocating 1 MiB chunks until refused (quota 16 MiB)"));
  out.push_back(fault_case("blocked", AGENT_HOG_BLOCK, "a neighbour blocked forever in zutex_wait"));
}

}  // namespace xabi::conform
