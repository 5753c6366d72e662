// Property: random call traces, run on the REAL hosts through the
// conformance agent, get only answers the spec allows. RapidCheck generates
// a trace from the spec's parameter domains (valid, boundary and invalid
// arguments; frees of live, partial, freed and unmapped ranges; use after
// close; quota pressure; calls from several threads), renders it in the case
// language the suite reads, and runs it as a conformance case: a fresh
// picoprocess, every result checked by the reference model, every fresh
// allocation observed zero-filled and writable, a clean end. A failure
// shrinks to a minimal trace, which is written as a ready-to-commit
// regression case (XABI_REGRESSIONS_DIR, default the build tree) and named in
// the failure message.
#include <gtest/gtest.h>
#include <unistd.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapter.h"
#include "case.h"
#include "execute.h"

namespace {

using namespace xabi::conform;

enum class Kind { kAlloc, kFree, kConnect, kSend, kPeerClose, kRead, kWrite, kClose, kPoll, kRandom, kAlarm, kTime, kWake, kConsole };

struct Op {
  Kind kind;
  int worker;     // 0..3
  uint64_t a, b;  // parameters, meaning by kind
};

constexpr uint64_t kQuota = 1 << 20;

rc::Gen<uint64_t> alloc_len() {
  return rc::gen::oneOf(rc::gen::element<uint64_t>(0, 1, 4095, 4096, 4097, 3 * 4096, kQuota / 2, kQuota, kQuota + 1, 1ull << 30,
                                                   (1ull << 30) + 1),
                        rc::gen::map(rc::gen::inRange<uint64_t>(1, 32), [](uint64_t p) { return p * 4096; }));
}

}  // namespace

namespace rc {
template <>
struct Arbitrary<Op> {
  static Gen<Op> arbitrary() {
    auto k = gen::weightedElement<Kind>({{6, Kind::kAlloc}, {6, Kind::kFree}, {3, Kind::kConnect}, {3, Kind::kSend}, {1, Kind::kPeerClose},
                                         {3, Kind::kRead}, {3, Kind::kWrite}, {2, Kind::kClose}, {2, Kind::kPoll}, {1, Kind::kRandom},
                                         {1, Kind::kAlarm}, {1, Kind::kTime}, {1, Kind::kWake}, {1, Kind::kConsole}});
    return gen::apply(
        [](Kind kind, int worker, uint64_t a, uint64_t b) { return Op{kind, worker, a, b}; }, k, gen::inRange(0, 4),
        gen::oneOf(alloc_len(), gen::inRange<uint64_t>(0, 100)), gen::oneOf(alloc_len(), gen::inRange<uint64_t>(0, 100)));
  }
};
}  // namespace rc

namespace {

// The trace as a case file. References to earlier allocations and channels
// are taken modulo what exists when the step runs, so any sub-sequence
// RapidCheck shrinks to is still a valid case. Never the control channel
// ($control): that is the suite's own connection to the agent.
std::string render(const std::vector<Op>& ops, const std::string& id) {
  std::ostringstream o;
  o << "case " << id << "\n  group memory\n  needs listen console\n  timeout 10\n  memory " << kQuota << "\n";
  o << "  spawn 1\n  spawn 2\n  spawn 3\n";
  int allocs = 0, chans = 0, peers = 0;
  std::vector<int> open_peers;
  std::vector<uint64_t> alloc_lens;
  for (const Op& op : ops) {
    std::string on = op.worker ? "on " + std::to_string(op.worker) + " " : "";
    switch (op.kind) {
      case Kind::kAlloc:
        o << "  " << on << "call alloc " << op.a << " -> $m" << allocs++ << "\n";
        alloc_lens.push_back(op.a);
        break;
      case Kind::kFree: {
        if (allocs == 0) {
          o << "  " << on << "call free " << (op.a % 3) * 4096 << " 4096\n";
          break;
        }
        int r = static_cast<int>(op.a % static_cast<uint64_t>(allocs));
        uint64_t pages = (alloc_lens[static_cast<size_t>(r)] + 4095) / 4096;
        uint64_t off = pages ? (op.b % (pages + 1)) : 0;
        uint64_t len = op.b % 7 == 0 ? op.b % 5000 : std::max<uint64_t>(1, pages - std::min(off, pages)) * 4096;
        o << "  " << on << "call free $m" << r << "+" << off * 4096 << " " << len << "\n";
        break;
      }
      case Kind::kConnect:
        o << "  peer connect p" << peers << "\n  " << on << "call accept retry E_AGAIN -> $c" << chans << "\n";
        open_peers.push_back(peers++);
        ++chans;
        break;
      case Kind::kSend:
        if (!open_peers.empty())
          o << "  peer send p" << open_peers[op.a % open_peers.size()] << " fill:" << op.b % 300 + 1 << ":65\n";
        break;
      case Kind::kPeerClose:
        if (!open_peers.empty()) {
          size_t i = op.a % open_peers.size();
          o << "  peer close p" << open_peers[i] << "\n";
          open_peers.erase(open_peers.begin() + static_cast<long>(i));
        }
        break;
      case Kind::kRead:
      case Kind::kWrite:
      case Kind::kClose:
      case Kind::kPoll: {
        std::string ch = chans ? "$c" + std::to_string(op.a % static_cast<uint64_t>(chans)) : "$control+" + std::to_string(op.a % 70 + 1);
        if (op.kind == Kind::kRead) o << "  " << on << "call read " << ch << " zero:512 " << (op.b % 5 == 0 ? 70000 : op.b % 512) << "\n";
        if (op.kind == Kind::kWrite) o << "  " << on << "call write " << ch << " fill:64:66 " << (op.b % 5 == 0 ? 70000 : op.b % 64) << "\n";
        if (op.kind == Kind::kClose) o << "  " << on << "call close " << ch << "\n";
        if (op.kind == Kind::kPoll) o << "  " << on << "call poll struct:pollfd{channel=" << ch << ",events=3} 1 0\n";
        break;
      }
      case Kind::kRandom:
        o << "  " << on << "call random zero:64 " << (op.a % 4 == 0 ? 65537 : op.a % 65) << "\n";
        break;
      case Kind::kAlarm:
        o << "  " << on << "call alarm_set " << (op.a % 3 == 0 ? 0 : op.a) << "\n";
        break;
      case Kind::kTime:
        o << "  " << on << "call time_now\n";
        break;
      case Kind::kWake:
        o << "  " << on << "call zutex_wake $scratch+" << (op.a % 3) * 2 << " 0 " << op.b % 3 << " 0 0\n";
        break;
      case Kind::kConsole:
        o << "  " << on << "call console\n";
        break;
    }
  }
  o << "end\n";
  return o.str();
}

std::string adapter_path(const char* host) { return std::string(XABI_ADAPTERS_DIR) + "/" + host + ".json"; }

// Returns whether every trace passed; on failure the minimal trace is saved
// and its path put in *saved.
bool traces_pass_on(const char* host, const std::string& mutant, std::string* saved);

void check_traces_on(const char* host) {
  std::string saved;
  if (!traces_pass_on(host, "", &saved)) ADD_FAILURE() << "minimal failing trace saved as " << saved;
}

bool traces_pass_on(const char* host, const std::string& mutant, std::string* saved) {
  auto loaded = load_adapter(adapter_path(host));
  if (!loaded) {
    ADD_FAILURE() << loaded.error().detail;
    return false;
  }
  const Adapter adapter = loaded.value();
  const std::string work = std::string(XABI_WORK_DIR) + "/" + host;
  std::string last_failure;
  int n = 0;
  const bool ok = rc::check(std::string("random traces on ") + host, [&](const std::vector<Op>& ops) {
    const std::string id = "regressions/" + std::string(host) + "_trace";
    std::string text = render(ops, id);
    std::vector<Case> cases;
    std::vector<std::string> errors;
    RC_ASSERT(parse_case_text(text, "trace", cases, errors));
    RunConfig cfg;
    cfg.adapter = &adapter;
    cfg.agent_image = XABI_AGENT;
    cfg.work_dir = work + "/" + std::to_string(n++);
    cfg.mutant = mutant;
    CaseResult r;
    execute_case(cases[0], cfg, r);
    if (r.outcome() != PASS) {
      std::string why = r.failure().summary() + "\nexpected: " + r.failure().expected() + "\nobserved: " + r.failure().observed();
      std::string commented = "# ";
      for (char ch : why) commented += ch == '\n' ? std::string("\n# ") : std::string(1, ch);
      last_failure = text + commented + "\n";
      RC_FAIL(r.failure().summary() + "\n" + text);
    }
  });
  if (!ok) {
    const char* dir = std::getenv("XABI_REGRESSIONS_DIR");
    std::string out = std::string(dir ? dir : XABI_WORK_DIR) + "/" + host + (mutant.empty() ? "" : "-" + mutant) + "_trace.cases";
    std::filesystem::create_directories(std::filesystem::path(out).parent_path());
    std::ofstream(out) << "# A minimal trace RapidCheck found failing on " << host
                       << "; copy into conformance/cases/ to keep it.\n" << last_failure;
    std::cerr << "minimal failing trace saved as " << out << ":\n" << last_failure;
    *saved = out;
  }
  return ok;
}

TEST(HostTraces, XabiHost) { check_traces_on("xabi-host"); }
TEST(HostTraces, XabiRefhost) { check_traces_on("xabi-refhost"); }
TEST(HostTraces, XabiPtrace) { check_traces_on("xabi-ptrace"); }
TEST(HostTraces, XabiKvm) {
  if (access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "/dev/kvm is absent or not usable here: the KVM host cannot run";
  check_traces_on("xabi-kvm");
}

// The property can fail: on a host that accepts a double free it must find a
// trace, shrink it, and save a case the suite reads that fails there too.
TEST(HostTraces, CatchesAMutantAndSavesTheCase) {
  if (!std::filesystem::exists(adapter_path("xabi-host-mutant"))) GTEST_SKIP() << "no mutant host in this build";
  std::string saved;
  ASSERT_FALSE(traces_pass_on("xabi-host-mutant", "free_double_ok", &saved)) << "random traces did not catch free_double_ok";
  std::vector<Case> cases;
  std::vector<std::string> errors;
  ASSERT_TRUE(parse_case_file(saved, cases, errors)) << (errors.empty() ? "" : errors[0]);
  ASSERT_EQ(cases.size(), 1u);
  size_t frees = 0;
  for (const auto& st : cases[0].steps) frees += st.kind == Step::Kind::kCall && st.call == "free";
  EXPECT_LE(frees, 3u) << "the trace did not shrink";
  auto a = load_adapter(adapter_path("xabi-host-mutant"));
  ASSERT_TRUE(a) << a.error().detail;
  RunConfig cfg;
  cfg.adapter = &a.value();
  cfg.agent_image = XABI_AGENT;
  cfg.work_dir = std::string(XABI_WORK_DIR) + "/replay";
  cfg.mutant = "free_double_ok";
  CaseResult r;
  execute_case(cases[0], cfg, r);
  EXPECT_EQ(r.outcome(), FAIL) << "the saved case passes on the mutant";
  cfg.mutant.clear();
  CaseResult clean;
  execute_case(cases[0], cfg, clean);
  EXPECT_EQ(clean.outcome(), PASS) << "the saved case fails without the mutant: " << clean.failure().summary();
}

}  // namespace
