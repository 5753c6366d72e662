// Property: the production host's arena allocator (monitor/calls/arena) answers
// every alloc/free sequence the way the spec's rules allow, as judged by the
// reference model. RapidCheck generates the sequences (sizes at and around
// the page and limit boundaries, frees of allocated, partial, misaligned,
// unmapped and spanning ranges) and shrinks any failure to a minimal one.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "arena.h"
#include "pal/linux/host_link.h"
#include "reference/model.h"
#include "xabi/model_calls.hpp"

namespace {

// Records punches instead of touching a memfd: this property is about answers.
struct NullPuncher : xabi::calls::HolePuncher {
  int punch(uint64_t, uint64_t) override { return 0; }
};

struct Op {
  bool alloc;
  uint64_t a, b;  // alloc: len; free: base offset choice, len
};

constexpr uint64_t kPage = 4096;
constexpr uint64_t kQuota = 16 * 1024 * 1024;
constexpr uint64_t kBase = (5ull << 40) + XABI_LINK_ARENA_OFFSET;

rc::Gen<uint64_t> lengths() {
  return rc::gen::oneOf(rc::gen::element<uint64_t>(0, 1, kPage - 1, kPage, kPage + 1, 2 * kPage, kQuota, kQuota + 1,
                                                   XABI_LIMIT_ALLOC, XABI_LIMIT_ALLOC + 1),
                        rc::gen::map(rc::gen::inRange<uint64_t>(1, 64), [](uint64_t p) { return p * kPage; }),
                        rc::gen::inRange<uint64_t>(0, 1 << 20));
}

}  // namespace

namespace rc {
template <>
struct Arbitrary<Op> {
  static Gen<Op> arbitrary() {
    return gen::oneOf(gen::build<Op>(gen::set(&Op::alloc, gen::just(true)), gen::set(&Op::a, lengths()), gen::set(&Op::b, gen::just<uint64_t>(0))),
                      gen::build<Op>(gen::set(&Op::alloc, gen::just(false)), gen::set(&Op::a, gen::inRange<uint64_t>(0, 1000)),
                                     gen::set(&Op::b, lengths())));
  }
};
}  // namespace rc

RC_GTEST_PROP(ArenaAgainstModel, EveryAnswerIsOneTheSpecAllows, (const std::vector<Op>& ops)) {
  NullPuncher punch;
  xabi::calls::Arena arena(kBase, kQuota, punch);
  xabi::ref::ModelConfig cfg;
  cfg.quota = kQuota;
  xabi::ref::Model model(cfg);
  std::vector<uint64_t> live;  // bases handed out, to aim frees at
  for (const Op& op : ops) {
    if (op.alloc) {
      const uint64_t r = arena.alloc(op.a);
      auto v = xabi::ref::check_alloc(model, op.a, r);
      RC_ASSERT(v.ok());
      if (r) live.push_back(r);
    } else {
      // Aim at a live region (possibly partially, possibly past its end), or anywhere.
      uint64_t base = live.empty() || op.a % 5 == 0 ? kBase + (op.a / 5) * kPage : live[op.a % live.size()] + (op.a % 3) * kPage;
      if (op.a % 7 == 0) base += 1;  // misaligned
      const int64_t r = arena.free(base, op.b);
      auto v = xabi::ref::check_free(model, base, op.b, static_cast<uint64_t>(r));
      if (!v.ok()) RC_FAIL(v.message);
    }
  }
  RC_ASSERT(arena.allocated() == static_cast<uint64_t>(model.state().mem.total()));
}
