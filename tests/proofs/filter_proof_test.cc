// The exact BPF program xabi-host installs (monitor/launch/filter_builder),
// given its semantics in Z3 over a symbolic struct seccomp_data, allows
// exactly the spec's allow-list: the architecture check, the x32 bit, every
// argument check on all 64 bits (both halves), nothing more and nothing less.
// A program with one extra allowed call must fail with a counterexample.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "bpf_z3.h"
#include "filter_builder.h"
#include "pal/linux/host_link.h"

namespace {

using namespace xabi::proof;
using xabi::launch::LaunchParams;

z3::expr bv64(z3::context& c, uint64_t v) { return c.bv_val(static_cast<uint64_t>(v), 64); }

// What the spec allows, read straight from the allow-list (xabi/syscalls.hpp).
z3::expr spec_allows(const SeccompData& d, const LaunchParams& p, std::span<const xabi::meta::SyscallRule> rules) {
  z3::context& c = d.nr.ctx();
  z3::expr any = c.bool_val(false);
  for (const auto& r : rules) {
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, std::string(r.name).c_str());
    EXPECT_GE(nr, 0) << r.name;
    z3::expr entry = d.nr == c.bv_val(nr, 32);
    for (const auto& chk : r.args) {
      const z3::expr arg = d.arg(chk.arg);
      entry = entry && (chk.op == xabi::meta::ArgCheck::Op::kEq ? arg == bv64(c, chk.value.bind(p))
                                                                : (arg & bv64(c, chk.mask.bind(p))) == bv64(c, chk.value.bind(p)));
    }
    any = any || entry;
  }
  return d.arch == c.bv_val(AUDIT_ARCH_X86_64, 32) && any;
}

std::string show(const z3::model& m, const SeccompData& d) {
  std::string s = "nr=" + m.eval(d.nr, true).to_string() + " arch=" + m.eval(d.arch, true).to_string();
  for (int i = 0; i < 6; ++i) s += " arg" + std::to_string(i) + "=" + m.eval(d.arg(i), true).to_string();
  return s;
}

// Empty when the claim holds for every seccomp_data; else a counterexample.
std::string refute(z3::context& c, const z3::expr& claim, const SeccompData& d) {
  z3::solver s(c);
  s.add(!claim);
  switch (s.check()) {
    case z3::unsat: return "";
    case z3::unknown: return "unknown";
    case z3::sat: return show(s.get_model(), d);
  }
  return "?";
}

// The native architecture, and an x32 number on it (bit 30; libseccomp
// passes nr == -1 through to the default action).
z3::expr native_arch(const SeccompData& d) { return d.arch == d.nr.ctx().bv_val(AUDIT_ARCH_X86_64, 32); }
z3::expr x32_call(const SeccompData& d) {
  z3::context& c = d.nr.ctx();
  return native_arch(d) && z3::uge(d.nr, c.bv_val(0x40000000u, 32)) && d.nr != c.bv_val(0xffffffffu, 32);
}

// `ret` is SECCOMP_RET_ALLOW exactly where `spec` holds: both directions.
void expect_allows_exactly(z3::context& c, const z3::expr& ret, const z3::expr& spec, const SeccompData& d) {
  const z3::expr allowed = ret == c.bv_val(SECCOMP_RET_ALLOW, 32);
  std::string cex = refute(c, z3::implies(allowed, spec), d);
  EXPECT_EQ(cex, "") << "the program allows a call the spec does not: " << cex;
  cex = refute(c, z3::implies(spec, allowed), d);
  EXPECT_EQ(cex, "") << "the program denies a call the spec allows: " << cex;
}

const LaunchParams kParams[] = {
    {XABI_LINK_FD_DOORBELL, 5ull << 40, XABI_LINK_REGION_MASK},
    {XABI_LINK_FD_DOORBELL, 63ull << 40, XABI_LINK_REGION_MASK},
};

class FilterProof : public ::testing::TestWithParam<LaunchParams> {};

TEST_P(FilterProof, AllowsExactlyTheSpecsAllowList) {
  auto program = xabi::launch::build_filter(GetParam(), xabi::launch::Mode::kKill);
  ASSERT_TRUE(program) << xabi::launch::describe(program.error());
  z3::context c;
  SeccompData d = SeccompData::fresh(c);
  auto ret = run_bpf(program.value(), d);
  ASSERT_TRUE(ret) << describe(ret.error());
  expect_allows_exactly(c, ret.value(), spec_allows(d, GetParam(), xabi::meta::kAllowList), d);
  std::cout << "[ filter ] " << program.value().size() << " instructions proved equal to the allow-list ("
            << std::size(xabi::meta::kAllowList) << " entries)\n";
}

TEST_P(FilterProof, OtherArchitecturesAndX32AreKilled) {
  auto program = xabi::launch::build_filter(GetParam(), xabi::launch::Mode::kKill);
  ASSERT_TRUE(program);
  z3::context c;
  SeccompData d = SeccompData::fresh(c);
  auto ret = run_bpf(program.value(), d);
  ASSERT_TRUE(ret) << describe(ret.error());
  const z3::expr kill = ret.value() == c.bv_val(SECCOMP_RET_KILL_PROCESS, 32);
  std::string cex = refute(c, z3::implies(!native_arch(d), kill), d);
  EXPECT_EQ(cex, "") << "a foreign architecture is not killed: " << cex;
  const z3::expr x32 = x32_call(d);
  cex = refute(c, z3::implies(x32, kill), d);
  EXPECT_EQ(cex, "") << "an x32 call is not killed: " << cex;
  // Everything else denied reaches the monitor as a notification.
  const z3::expr other = native_arch(d) && !x32 && !spec_allows(d, GetParam(), xabi::meta::kAllowList);
  cex = refute(c, z3::implies(other, ret.value() == c.bv_val(SECCOMP_RET_USER_NOTIF, 32)), d);
  EXPECT_EQ(cex, "") << "a denied call is neither notified nor killed: " << cex;
}

INSTANTIATE_TEST_SUITE_P(Regions, FilterProof, ::testing::ValuesIn(kParams));

// --linux: the same allow-list plus the profile's trap list, region 0 (the
// program is linked there); every other native call is trapped (SIGSYS to the
// personality in the picoprocess), never run and never notified; foreign
// architectures and x32 are still killed.
TEST(FilterProofLinux, AllowsTheAllowListAndTrapListAndTrapsTheRest) {
  const LaunchParams p{XABI_LINK_FD_DOORBELL, 0, XABI_LINK_REGION_MASK};
  auto program = xabi::launch::build_filter(p, xabi::launch::Mode::kLinux);
  ASSERT_TRUE(program) << xabi::launch::describe(program.error());
  z3::context c;
  SeccompData d = SeccompData::fresh(c);
  auto ret = run_bpf(program.value(), d);
  ASSERT_TRUE(ret) << describe(ret.error());
  const z3::expr spec = spec_allows(d, p, xabi::meta::kAllowList) || spec_allows(d, p, xabi::meta::kTrapAllowList);
  expect_allows_exactly(c, ret.value(), spec, d);
  const z3::expr native = native_arch(d), x32 = x32_call(d);
  const z3::expr kill = ret.value() == c.bv_val(SECCOMP_RET_KILL_PROCESS, 32);
  std::string cex = refute(c, z3::implies(!native || x32, kill), d);
  EXPECT_EQ(cex, "") << "a foreign architecture or x32 call is not killed: " << cex;
  cex = refute(c, z3::implies(native && !x32 && !spec, ret.value() == c.bv_val(SECCOMP_RET_TRAP, 32)), d);
  EXPECT_EQ(cex, "") << "a call outside both lists is not trapped: " << cex;
  // The trap list is what it says: rt_sigaction on SIGSYS only.
  const int sigaction_nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "rt_sigaction");
  const z3::expr other_signal = native && d.nr == c.bv_val(sigaction_nr, 32) && d.arg(0) != bv64(c, 31);
  cex = refute(c, z3::implies(other_signal, ret.value() == c.bv_val(SECCOMP_RET_TRAP, 32)), d);
  EXPECT_EQ(cex, "") << "rt_sigaction on a signal other than SIGSYS reaches the kernel: " << cex;
  std::cout << "[ filter ] --linux: " << program.value().size() << " instructions proved equal to the allow-list ("
            << std::size(xabi::meta::kAllowList) << ") plus the trap list (" << std::size(xabi::meta::kTrapAllowList)
            << "), every other call trapped\n";
}

TEST(FilterProofNegative, OneExtraAllowedCallIsCaughtWithACounterexample) {
  std::vector<xabi::meta::SyscallRule> rules(std::begin(xabi::meta::kAllowList), std::end(xabi::meta::kAllowList));
  rules.push_back({"getpid", {}, "one call too many"});
  auto program = xabi::launch::build_filter_from(kParams[0], xabi::launch::Mode::kKill, rules, 4096);
  ASSERT_TRUE(program);
  z3::context c;
  SeccompData d = SeccompData::fresh(c);
  auto ret = run_bpf(program.value(), d);
  ASSERT_TRUE(ret) << describe(ret.error());
  const std::string cex =
      refute(c, z3::implies(ret.value() == c.bv_val(SECCOMP_RET_ALLOW, 32), spec_allows(d, kParams[0], xabi::meta::kAllowList)), d);
  ASSERT_NE(cex, "") << "a filter allowing getpid was proved equal to the allow-list";
  EXPECT_NE(cex.find("nr=#x00000027"), std::string::npos) << cex;  // 39, getpid
}

// run_bpf names what it does not model rather than guessing a formula: a
// proof over a program it misread would prove nothing.
TEST(RunBpf, RefusesWhatItDoesNotModelByName) {
  struct Refused {
    std::vector<sock_filter> program;
    BpfError code;
    const char* detail;
  };
  const Refused refused[] = {
      {{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)}, BpfError::kOutOfProgram, "ran off the end at instruction 1"},
      {{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}, BpfError::kBadOperand,
       "load outside seccomp_data at instruction 0"},
      {{BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}, BpfError::kBadOperand,
       "scratch out of range at instruction 0"},
      {{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0), BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 2), BPF_STMT(BPF_RET | BPF_A, 0)},
       BpfError::kUnsupported, "unsupported alu op at instruction 1"},
  };
  z3::context c;
  const SeccompData d = SeccompData::fresh(c);
  for (const Refused& r : refused) {
    auto ret = run_bpf(r.program, d);
    ASSERT_FALSE(ret) << r.detail;
    EXPECT_EQ(ret.error().code, r.code) << describe(ret.error());
    EXPECT_EQ(ret.error().detail, r.detail);
  }
  auto allow = run_bpf({BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}, d);
  ASSERT_TRUE(allow) << describe(allow.error());
  EXPECT_TRUE(allow.value().is_numeral());
}

}  // namespace
