#include "reference/z3/z3_prims.h"

namespace xabi::proof {

z3::expr zmin(const z3::expr& a, const z3::expr& b) { return z3::ite(a < b, a, b); }
z3::expr zmax(const z3::expr& a, const z3::expr& b) { return z3::ite(a > b, a, b); }
// SMT-LIB Int div/mod are Euclidean, like the model's ediv/emod.
z3::expr ediv(const z3::expr& a, const z3::expr& b) { return z3::expr(a.ctx(), Z3_mk_div(a.ctx(), a, b)); }
z3::expr emod(const z3::expr& a, const z3::expr& b) { return z3::mod(a, b); }
z3::expr round_up(const z3::expr& x, const z3::expr& a) { return ediv(x + a - 1, a) * a; }

Z3Regions Z3Regions::fresh(z3::context& c, const std::string& name, int slots) {
  Z3Regions r;
  for (int i = 0; i < slots; ++i) {
    std::string s = name + "[" + std::to_string(i) + "]";
    r.valid.push_back(c.bool_const((s + ".valid").c_str()));
    r.lo.push_back(c.int_const((s + ".lo").c_str()));
    r.hi.push_back(c.int_const((s + ".hi").c_str()));
  }
  return r;
}

z3::expr Z3Regions::covers(const z3::expr& a, const z3::expr& b) const {
  z3::context& c = a.ctx();
  z3::expr sum = c.int_val(0);
  for (size_t i = 0; i < valid.size(); ++i)
    sum = sum + z3::ite(valid[i], zmax(c.int_val(0), zmin(b, hi[i]) - zmax(a, lo[i])), c.int_val(0));
  return a == b || (a < b && sum == b - a);
}

z3::expr Z3Regions::disjoint(const z3::expr& a, const z3::expr& b) const {
  z3::context& c = a.ctx();
  z3::expr all = c.bool_val(true);
  for (size_t i = 0; i < valid.size(); ++i) all = all && (!valid[i] || hi[i] <= a || b <= lo[i]);
  return a == b || (a < b && all);
}

z3::expr Z3Regions::total() const {
  z3::context& c = valid.empty() ? lo.front().ctx() : valid.front().ctx();
  z3::expr sum = c.int_val(0);
  for (size_t i = 0; i < valid.size(); ++i) sum = sum + z3::ite(valid[i], hi[i] - lo[i], c.int_val(0));
  return sum;
}

z3::expr Z3Regions::count() const {
  z3::context& c = valid.front().ctx();
  z3::expr sum = c.int_val(0);
  for (const auto& v : valid) sum = sum + z3::ite(v, c.int_val(1), c.int_val(0));
  return sum;
}

Effect<Z3Regions> Z3Regions::insert(const z3::expr& a, const z3::expr& b) const {
  Z3Regions post = *this;
  post.valid.push_back(a < b);
  post.lo.push_back(a);
  post.hi.push_back(b);
  return {post, disjoint(a, b)};
}

Effect<Z3Regions> Z3Regions::remove(const z3::expr& a, const z3::expr& b) const {
  Z3Regions post;
  for (size_t i = 0; i < valid.size(); ++i) {
    // What is left of interval i: the part below a and the part above b.
    z3::expr left_hi = zmin(hi[i], a), right_lo = zmax(lo[i], b);
    post.valid.push_back(valid[i] && lo[i] < left_hi);
    post.lo.push_back(lo[i]);
    post.hi.push_back(left_hi);
    post.valid.push_back(valid[i] && right_lo < hi[i]);
    post.lo.push_back(right_lo);
    post.hi.push_back(hi[i]);
  }
  return {post, covers(a, b)};
}

Z3Handles Z3Handles::fresh(z3::context& c, const std::string& name, int slots) {
  Z3Handles h;
  for (int i = 0; i < slots; ++i) {
    std::string s = name + "[" + std::to_string(i) + "]";
    h.valid.push_back(c.bool_const((s + ".valid").c_str()));
    h.id.push_back(c.int_const((s + ".id").c_str()));
  }
  return h;
}

z3::expr Z3Handles::contains(const z3::expr& x) const {
  z3::expr any = x.ctx().bool_val(false);
  for (size_t i = 0; i < valid.size(); ++i) any = any || (valid[i] && id[i] == x);
  return any;
}

z3::expr Z3Handles::count() const {
  z3::context& c = valid.front().ctx();
  z3::expr sum = c.int_val(0);
  for (const auto& v : valid) sum = sum + z3::ite(v, c.int_val(1), c.int_val(0));
  return sum;
}

Effect<Z3Handles> Z3Handles::add(const z3::expr& x) const {
  Z3Handles post = *this;
  post.valid.push_back(x.ctx().bool_val(true));
  post.id.push_back(x);
  return {post, !contains(x)};
}

Effect<Z3Handles> Z3Handles::remove(const z3::expr& x) const {
  Z3Handles post = *this;
  for (size_t i = 0; i < valid.size(); ++i) post.valid[i] = valid[i] && id[i] != x;
  return {post, contains(x)};
}

Z3Cell Z3Cell::fresh(z3::context& c, const std::string& name) { return Z3Cell{c.int_const(name.c_str())}; }

}  // namespace xabi::proof
