// For many sampled inputs, states and answers, the generated rules never find
// their own guards overlapping or missing, nor an effect whose precondition
// its outcome failed to guarantee (Verdict::kSpecError). Z3 proves this for
// all inputs (tests/proofs); this is the quick executable check.
#include <gtest/gtest.h>

#include <random>

#include "reference/model.h"

namespace {

using xabi::meta::Type;
using xabi::ref::Arg;
using xabi::ref::Int;
using xabi::ref::Verdict;

Int sample_int(std::mt19937_64& rng, const xabi::meta::ParamInfo& p) {
  std::vector<Int> v = {0, 1, 4095, 4096, 8192, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, static_cast<Int>(~0ull),
                        static_cast<Int>(1) << 47, (static_cast<Int>(1) << 47) - 4096, 3, 4, 63, 64, 65, -1};
  if (p.has_range) {
    v.push_back(p.range_min);
    v.push_back(p.range_min - 1);
    v.push_back(p.range_max);
    v.push_back(static_cast<Int>(p.range_max) + 1);
  }
  if (rng() % 4 == 0) return static_cast<Int>(rng() >> (rng() % 64));
  return v[rng() % v.size()];
}

std::string sample_str(std::mt19937_64& rng) {
  static const char* pool[] = {"GET", "POST", "get", "", "http://app.test/", "http://app.test:81/", "http://other.test/x",
                               "https://app.test/", "http://app.test/a b"};
  std::string s = pool[rng() % std::size(pool)];
  if (rng() % 8 == 0) s += std::string(rng() % 3000, 'a');
  return s;
}

TEST(Guards, NeverOverlapNorLeaveGapsOnSampledInputs) {
  std::mt19937_64 rng(99);
  xabi::ref::ModelConfig cfg;
  cfg.quota = 1 << 20;
  cfg.caps.listen = true;
  cfg.caps.origin = true;
  cfg.origin = "http://app.test";
  for (int world = 0; world < 20; ++world) {
    xabi::ref::Model m(world % 2 ? cfg : xabi::ref::ModelConfig{});
    for (int step = 0; step < 300; ++step) {
      const auto& call = xabi::meta::kCalls[rng() % std::size(xabi::meta::kCalls)];
      xabi::ref::Args args;
      for (const auto& p : call.params) args.push_back(p.type == Type::kCstr ? Arg::str(sample_str(rng)) : Arg::num(sample_int(rng, p)));
      std::vector<uint64_t> answers = {0, 1, 2, 4096, 0x100000, static_cast<uint64_t>(rng() % 64), rng() & ~0xfffull};
      for (const auto& e : xabi::meta::kErrors) answers.push_back(static_cast<uint64_t>(e.value));
      for (uint64_t r : answers) {
        xabi::ref::Model probe = m;
        Verdict v = probe.check(call.name, args, r, 0);
        ASSERT_NE(v.kind, Verdict::Kind::kSpecError) << v.message;
        ASSERT_NE(v.kind, Verdict::Kind::kBadCall) << v.message;
      }
      // Let the state evolve with an accepted answer (not ending the process).
      if (call.result != Type::kNoReturn) {
        uint64_t r = answers[rng() % answers.size()];
        xabi::ref::Model next = m;
        if (next.check(call.name, args, r, 0).ok()) m = next;
      }
    }
  }
}

}  // namespace
