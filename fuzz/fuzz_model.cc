// Drives the reference model with an arbitrary sequence of observed calls.
// Whatever the arguments and results, the model may answer kOk, kViolation or
// kBadCall, but never kSpecError (the spec's rules broken for an input: guards
// overlapping or leaving a gap, an effect's precondition failing), and never
// crash.
//
// Callers: a step's caller is one of the threads the model holds live
// (state().threads), as a real host would report; with config bit 7 it is the
// raw number 0-3 instead, live or not, which the model must refuse as kBadCall.
// (This target found that it answered kSpecError for thread_exit from a dead
// thread; regressions/model/thread_exit_from_dead_thread keeps that input.)
//
// Input (fuzz/reader.h):
//   u8 config: bit0 listen, bit1 origin, bit2 console, bits 3-4 quota choice, bits 5-6 origin
//   choice, bit 7 raw callers
//   then per step: u8 call (index into meta::kCalls), u8 flags (bits 0-1 caller, bit 2 begin()
//   first for blocking calls), one value per parameter (strings: u16 length + bytes), a value
//   for the result. A value is u8 kind then: 0 u64 literal; 1 an earlier result (u8 index);
//   2 u8; 3 u8 pages; 4 a negative error code (u8); 5 an earlier result + u8 pages.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "reader.h"
#include "reference/model.h"
#include "xabi/meta.hpp"

namespace {

using xabi::ref::Arg;
using xabi::ref::Verdict;

uint64_t value(xabi::fuzz::Reader& rd, const std::vector<uint64_t>& pool) {
  switch (rd.u8() % 6) {
    case 0: return rd.u64();
    case 1: return pool.empty() ? 0 : pool[rd.u8() % pool.size()];
    case 2: return rd.u8();
    case 3: return uint64_t{rd.u8()} * 4096;
    case 4: return static_cast<uint64_t>(-static_cast<int64_t>(rd.u8() % 16));
    default: {
      uint64_t base = pool.empty() ? 0 : pool[rd.u8() % pool.size()];
      return base + uint64_t{rd.u8()} * 4096;
    }
  }
}

[[noreturn]] void spec_error(const Verdict& v, const std::string& what) {
  std::fprintf(stderr, "fuzz_model: kSpecError on %s\n  call: %s rule: %s\n  %s\n", what.c_str(), v.call.c_str(),
               v.rule.c_str(), v.message.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  xabi::fuzz::Reader rd(data, size);
  const uint8_t cfg = rd.u8();
  xabi::ref::ModelConfig config;
  config.caps.listen = cfg & 1;
  config.caps.origin = cfg & 2;
  config.caps.console = cfg & 4;
  config.caps.stdio = (cfg & 5) == 5;  // no bit is left: with listen and console (both states are reached)
  static const uint64_t kQuotas[] = {0, 4096, 1 << 20, 1ull << 30};
  config.quota = kQuotas[(cfg >> 3) & 3];
  static const char* const kOrigins[] = {"", "http://app.test", "https://app.test:8443", "http://[::1]:8080"};
  config.origin = kOrigins[(cfg >> 5) & 3];
  const bool raw_callers = cfg & 0x80;
  xabi::ref::Model model(config);

  constexpr size_t kCallCount = std::size(xabi::meta::kCalls);
  std::vector<uint64_t> pool;
  for (int step = 0; step < 256 && !rd.empty(); ++step) {
    const xabi::meta::CallInfo& call = xabi::meta::kCalls[rd.u8() % kCallCount];
    const uint8_t flags = rd.u8();
    xabi::ref::Int caller = flags & 3;
    if (!raw_callers) {
      const auto& live = model.state().threads.ids();
      if (live.empty()) {
        caller = 0;  // the process has ended: every call is kBadCall anyway
      } else {
        auto it = live.begin();
        std::advance(it, static_cast<long>((flags & 3) % live.size()));
        caller = *it;
      }
    }
    xabi::ref::Args args;
    std::string text = std::string(call.name) + "(";
    for (const auto& p : call.params) {
      if (p.type == xabi::meta::Type::kCstr) {
        // As the callee copies it: up to the NUL, at most max_len + 1 bytes.
        std::string s = rd.bytes();
        s = s.substr(0, s.find('\0'));
        if (s.size() > p.max_len + 1) s.resize(p.max_len + 1);
        args.push_back(Arg::str(s));
        text += "\"" + s + "\",";
      } else {
        const uint64_t v = value(rd, pool);
        args.push_back(Arg::num(v));
        text += std::to_string(v) + ",";
      }
    }
    const uint64_t result = value(rd, pool);
    text += ") -> " + std::to_string(static_cast<int64_t>(result));

    if (call.blocks && (flags & 4)) {
      Verdict b = model.begin(call.name, args, caller);
      if (b.kind == Verdict::Kind::kSpecError) spec_error(b, "begin " + text);
    }
    Verdict v = model.check(call.name, args, result, caller);
    if (v.kind == Verdict::Kind::kSpecError) spec_error(v, text);
    if (v.ok() && pool.size() < 64) pool.push_back(result);
  }
  return 0;
}
