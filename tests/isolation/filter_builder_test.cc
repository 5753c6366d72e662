// (e) The filter builder: a non-empty, deterministic program; named refusal of
// a program over the limit; the x86-64-only arch check and x32 routing.
#include "filter_builder.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "host_link.h"

namespace xabi::launch {
namespace {

LaunchParams Params(uint64_t base = 5ull << 40) {
  return LaunchParams{XABI_LINK_FD_DOORBELL, base, XABI_LINK_REGION_MASK};
}

bool Same(const Filter& a, const Filter& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].code != b[i].code || a[i].jt != b[i].jt || a[i].jf != b[i].jf || a[i].k != b[i].k)
      return false;
  return true;
}

TEST(FilterBuilder, ProgramIsNonEmptyAndFitsTheCallArea) {
  Result<Filter> f = build_filter(Params(), Mode::kKill);
  ASSERT_TRUE(f) << describe(f.error());
  EXPECT_GT(f.value().size(), 10u);
  EXPECT_LE(f.value().size(), XABI_LINK_FILTER_MAX);
}

TEST(FilterBuilder, DeterministicForTheSameParams) {
  Result<Filter> a = build_filter(Params(), Mode::kKill);
  Result<Filter> b = build_filter(Params(), Mode::kKill);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(Same(a.value(), b.value()));
  // Both modes install the same program: the monitor decides, not the filter.
  Result<Filter> c = build_filter(Params(), Mode::kErrno);
  ASSERT_TRUE(c);
  EXPECT_TRUE(Same(a.value(), c.value()));
  // Another region is another program.
  Result<Filter> d = build_filter(Params(7ull << 40), Mode::kKill);
  ASSERT_TRUE(d);
  EXPECT_FALSE(Same(a.value(), d.value()));
}

TEST(FilterBuilder, RefusesTooLongAProgram) {
  Result<Filter> f = build_filter_limited(Params(), Mode::kKill, 10);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kFilterTooLong);
}

TEST(FilterBuilder, ChecksTheArchitectureFirstAndRoutesX32ToTheKill) {
  Result<Filter> f = build_filter(Params(), Mode::kKill);
  ASSERT_TRUE(f);
  const Filter& p = f.value();
  // ld [4] (arch); jeq AUDIT_ARCH_X86_64 ... else -> KILL_PROCESS.
  ASSERT_GE(p.size(), 4u);
  EXPECT_EQ(p[0].code, BPF_LD | BPF_W | BPF_ABS);
  EXPECT_EQ(p[0].k, 4u);
  EXPECT_EQ(p[1].code, BPF_JMP | BPF_JEQ | BPF_K);
  EXPECT_EQ(p[1].k, AUDIT_ARCH_X86_64);
  // Somewhere a jge 0x40000000 (the x32 bit) leads to KILL_PROCESS.
  bool x32_checked = false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].code != (BPF_JMP | BPF_JGE | BPF_K) || p[i].k != 0x40000000u) continue;
    // libseccomp 2.5: jge 0x40000000 -> jeq 0xffffffff (nr -1 is let through
    // to the default) else -> the bad-arch action.
    size_t t = i + 1 + p[i].jt;
    if (p[t].code == (BPF_JMP | BPF_JEQ | BPF_K) && p[t].k == 0xffffffffu) t = t + 1 + p[t].jf;
    x32_checked = p[t].code == (BPF_RET | BPF_K) && p[t].k == SECCOMP_RET_KILL_PROCESS;
  }
  EXPECT_TRUE(x32_checked) << "no x32 check leading to KILL_PROCESS";
  // A foreign arch lands on KILL_PROCESS; the default is user notification.
  const sock_filter& bad_arch = p[2 + p[1].jf];
  EXPECT_EQ(bad_arch.code, BPF_RET | BPF_K);
  EXPECT_EQ(bad_arch.k, SECCOMP_RET_KILL_PROCESS);
  bool notifies = false;
  for (const sock_filter& i : p) notifies |= i.code == (BPF_RET | BPF_K) && i.k == SECCOMP_RET_USER_NOTIF;
  EXPECT_TRUE(notifies);
}

TEST(FilterBuilder, PseudoCodeNamesEveryAllowedCall) {
  Result<std::string> pfc = filter_pfc(Params(), Mode::kKill);
  ASSERT_TRUE(pfc) << describe(pfc.error());
  for (const char* name : {"futex", "futex_waitv", "clone", "exit", "exit_group", "arch_prctl",
                           "getrandom", "clock_gettime", "write", "sched_yield"})
    EXPECT_NE(pfc.value().find(name), std::string::npos) << name;
}

}  // namespace
}  // namespace xabi::launch
