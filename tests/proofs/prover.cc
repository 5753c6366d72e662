#include "prover.h"

#include <sstream>

#include "xabi/meta.hpp"

namespace xabi::proof {
namespace {

int64_t constant(const char* name) { return *xabi::meta::find_constant(name); }

}  // namespace

namespace {

z3::expr region_ok(const Z3Regions& m, size_t i) {
  z3::context& c = m.lo[i].ctx();
  z3::expr page = c.int_val(constant("PAGE")), limit = c.int_val(std::to_string(constant("ADDR_LIMIT")).c_str());
  return z3::implies(m.valid[i], m.lo[i] > 0 && m.lo[i] < m.hi[i] && m.hi[i] <= limit && emod(m.lo[i], page) == 0 &&
                                     emod(m.hi[i], page) == 0);
}

z3::expr regions_disjoint(const Z3Regions& m) {
  z3::expr ok = m.lo.front().ctx().bool_val(true);
  for (size_t i = 0; i < m.valid.size(); ++i)
    for (size_t j = i + 1; j < m.valid.size(); ++j) ok = ok && z3::implies(m.valid[i] && m.valid[j], m.hi[i] <= m.lo[j] || m.hi[j] <= m.lo[i]);
  return ok;
}

template <typename Set, typename Less>
z3::expr prefix_ordered(const Set& s, Less less) {
  z3::expr ok = s.valid.front().ctx().bool_val(true);
  for (size_t i = 1; i < s.valid.size(); ++i) ok = ok && z3::implies(s.valid[i], s.valid[i - 1] && less(i - 1, i));
  return ok;
}

}  // namespace

z3::expr Invariants::memory(const Z3State& s) {
  const auto& m = s.mem;
  z3::expr ok = s.quota.v >= 0 && m.total() <= s.quota.v && regions_disjoint(m);
  for (size_t i = 0; i < m.valid.size(); ++i) ok = ok && region_ok(m, i);
  return ok;
}

namespace {

bool same(const std::vector<z3::expr>& a, const std::vector<z3::expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!z3::eq(a[i], b[i])) return false;  // the very same term
  return true;
}

}  // namespace

std::vector<std::pair<std::string, z3::expr>> Invariants::claims(const Z3State& s, const Z3State& pre) {
  std::vector<std::pair<std::string, z3::expr>> v;
  const bool mem_same = same(s.mem.valid, pre.mem.valid) && same(s.mem.lo, pre.mem.lo) && same(s.mem.hi, pre.mem.hi) &&
                        z3::eq(s.quota.v, pre.quota.v);
  if (!mem_same) {
    for (size_t i = 0; i < s.mem.valid.size(); ++i)
      v.emplace_back("mem region " + std::to_string(i) + " page-aligned, non-empty, inside (0, ADDR_LIMIT]", region_ok(s.mem, i));
    v.emplace_back("mem regions disjoint", regions_disjoint(s.mem));
    v.emplace_back("mem total within quota", s.quota.v >= 0 && s.mem.total() <= s.quota.v);
  }
  // A table whose ids are the very same terms as before, with only occupancy
  // changed, inherits the invariant if it only lost members: prove that
  // (cheap) instead of uniqueness over 65 slots from scratch.
  auto table = [&](const Z3Handles& post_h, const Z3Handles& pre_h, const char* name, int64_t limit) {
    if (same(post_h.valid, pre_h.valid) && same(post_h.id, pre_h.id)) return;
    if (same(post_h.id, pre_h.id)) {
      z3::expr subset = post_h.id.front().ctx().bool_val(true);
      for (size_t i = 0; i < post_h.valid.size(); ++i) subset = subset && z3::implies(post_h.valid[i], pre_h.valid[i]);
      v.emplace_back(std::string(name) + " only loses members (so its ids stay unique, non-negative, within the limit)", subset);
      return;
    }
    v.emplace_back(std::string(name) + " ids unique, non-negative, within the limit", handles(post_h, limit));
  };
  table(s.chan, pre.chan, "chan", constant("LIMIT_CHANNELS"));
  table(s.threads, pre.threads, "threads", constant("LIMIT_THREADS"));
  return v;
}

z3::expr Invariants::pre(const Z3State& s) {
  z3::context& c = s.quota.v.ctx();
  z3::expr ok = memory(s) && ordered(s) && s.chan.count() <= c.int_val(constant("LIMIT_CHANNELS")) &&
                s.threads.count() <= c.int_val(constant("LIMIT_THREADS"));
  for (const Z3Handles* h : {&s.chan, &s.threads, &s.sleepers}) ok = ok && z3::implies(h->valid.front(), h->id.front() >= 0);
  return ok;
}

z3::expr Invariants::ordered(const Z3State& s) {
  return prefix_ordered(s.mem, [&](size_t a, size_t b) { return s.mem.hi[a] <= s.mem.lo[b]; }) &&
         prefix_ordered(s.chan, [&](size_t a, size_t b) { return s.chan.id[a] < s.chan.id[b]; }) &&
         prefix_ordered(s.threads, [&](size_t a, size_t b) { return s.threads.id[a] < s.threads.id[b]; }) &&
         prefix_ordered(s.sleepers, [&](size_t a, size_t b) { return s.sleepers.id[a] < s.sleepers.id[b]; });
}

z3::expr Invariants::handles(const Z3Handles& h, int64_t limit) {
  z3::context& c = h.id.front().ctx();
  z3::expr ok = h.count() <= c.int_val(limit);
  // Unique ids as one n-ary `distinct`: an empty slot stands for a negative
  // sentinel of its own, which no valid (non-negative) id can equal.
  z3::expr_vector keys(c);
  for (size_t i = 0; i < h.valid.size(); ++i) {
    ok = ok && z3::implies(h.valid[i], h.id[i] >= 0);
    keys.push_back(z3::ite(h.valid[i], h.id[i], c.int_val(-1 - static_cast<int64_t>(i))));
  }
  return ok && z3::distinct(keys);
}

z3::expr Invariants::all(const Z3State& s) {
  return memory(s) && handles(s.chan, constant("LIMIT_CHANNELS")) && handles(s.threads, constant("LIMIT_THREADS"));
}

// Every query gets a time limit: an `unknown` is reported as a failure, never
// as a proof. (Setting a parameter also keeps Z3 on its incremental solver,
// which is far faster on these formulas than the default tactic.)
constexpr unsigned kQueryTimeoutMs = 120000;  // generous: a loaded CI machine under ASan runs the slowest queries at 20 s

bool Prover::satisfiable(const z3::expr& e) {
  z3::solver s(c_);
  s.set("timeout", kQueryTimeoutMs);
  s.add(e);
  return s.check() == z3::sat;
}

std::optional<std::string> Prover::prove(const z3::expr& assumptions, const z3::expr& claim, const CallEnc* call,
                                         const Z3State* show) {
  z3::solver s(c_);
  s.set("timeout", kQueryTimeoutMs);
  s.add(assumptions);
  s.add(!claim);
  switch (s.check()) {
    case z3::unsat: return std::nullopt;
    case z3::unknown: return "unknown: " + s.reason_unknown();
    case z3::sat: break;
  }
  z3::model m = s.get_model();
  std::ostringstream o;
  auto val = [&](const z3::expr& e) { return m.eval(e, true).to_string(); };
  if (call) {
    o << call->name << "(";
    for (size_t i = 0; i < call->params.size(); ++i)
      o << (i ? ", " : "") << call->params[i].name << (call->params[i].is_string ? ": strlen=" : "=") << val(call->params[i].value);
    o << ") -> " << val(call->result) << ", caller " << val(call->caller);
  }
  if (show) {
    o << "; mem:";
    for (size_t i = 0; i < show->mem.valid.size(); ++i)
      if (m.eval(show->mem.valid[i], true).is_true()) o << " [" << val(show->mem.lo[i]) << ", " << val(show->mem.hi[i]) << ")";
    o << " quota " << val(show->quota.v) << "; chan:";
    for (size_t i = 0; i < show->chan.valid.size(); ++i)
      if (m.eval(show->chan.valid[i], true).is_true()) o << " " << val(show->chan.id[i]);
  }
  return o.str();
}

}  // namespace xabi::proof
