// Differential fuzzer for the seccomp filter: the exact BPF program xabi-host
// installs (xabi::launch::build_filter, from the spec's allow-list) runs in a
// small classic-BPF interpreter (cbpf.h) on a struct seccomp_data made from
// the input, and its answer must agree with the allow-list read directly:
//
//   allowed  iff  arch == AUDIT_ARCH_X86_64, nr < 0x40000000 (no x32 bit), and
//                 some kAllowList entry for that system call has every ArgCheck
//                 holding on the full 64-bit argument (EQ: arg == value;
//                 MASKED_EQ: (arg & mask) == value; launch parameters bound as
//                 the host binds them)
//
// and when it denies, the action must be the builder's (filter_builder.h):
// KILL_PROCESS for another architecture and for x32 numbers (nr >= 0x40000000
// except -1, which libseccomp leaves to the default action), USER_NOTIF for
// every other x86-64 call, in both modes.
//
// Input, read front to back (reader.h; zeros past the end):
//   u8 region (region base = (1 + region % 63) TiB), u8 mode (bit 0: kErrno),
//   u8 arch choice [u8/u32], u8 nr choice [u8/u32], u64 instruction_pointer,
//   u8 rule index, then per argument 0..5: u8 value choice [u8/u64],
//   u8 modifier [u8/u32/i8].
// The choices are biased: most byte values give x86-64, an allowed system
// call, and arguments that satisfy (or nearly satisfy) its checks.
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cbpf.h"
#include "filter_builder.h"
#include "host_link.h"
#include "reader.h"
#include "region_base.h"
#include "xabi/syscalls.hpp"

namespace {

using xabi::fuzz::Reader;
using xabi::launch::Filter;
using xabi::launch::LaunchParams;
using xabi::launch::Mode;
namespace meta = xabi::meta;

constexpr uint32_t kX32Bit = 0x40000000u;  // __X32_SYSCALL_BIT

// Path feedback: which instructions of the filter ran and which way each
// branch went (libFuzzer reads this section as extra coverage counters).
constexpr size_t kCounters = 2 * 4096;
__attribute__((used, section("__libfuzzer_extra_counters"))) uint8_t g_path_counters[kCounters];

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fuzz_filter: %s\n", what.c_str());
  std::abort();
}

bool check_holds(const meta::ArgCheck& c, const __u64 args[6], const LaunchParams& p) {
  const uint64_t arg = args[c.arg];  // the full 64 bits
  if (c.op == meta::ArgCheck::Op::kEq) return arg == c.value.bind(p);
  return (arg & c.mask.bind(p)) == c.value.bind(p);
}

// The x86-64 number of every allow-list entry, resolved as the builder does.
const std::vector<int>& rule_numbers() {
  static const std::vector<int> nrs = [] {
    std::vector<int> v;
    for (const meta::SyscallRule& r : meta::kAllowList) {
      const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, std::string(r.name).c_str());
      if (nr < 0) die("libseccomp does not know " + std::string(r.name));
      v.push_back(nr);
    }
    if (v.empty()) die("empty allow-list");
    return v;
  }();
  return nrs;
}

// What the spec's allow-list says, without the filter.
bool spec_allows(const seccomp_data& d, const LaunchParams& p, int* matched) {
  if (d.arch != AUDIT_ARCH_X86_64 || (d.nr & kX32Bit) != 0) return false;
  const auto& nrs = rule_numbers();
  for (size_t i = 0; i < std::size(meta::kAllowList); ++i) {
    if (static_cast<uint32_t>(nrs[i]) != static_cast<uint32_t>(d.nr)) continue;
    bool all = true;
    for (const meta::ArgCheck& c : meta::kAllowList[i].args) all = all && check_holds(c, d.args, p);
    if (all) {
      *matched = static_cast<int>(i);
      return true;
    }
  }
  return false;
}

LaunchParams params_for(unsigned region) {
  const uint64_t span = xabi::launch::kLastRegion - xabi::launch::kFirstRegion + 1;
  return LaunchParams{XABI_LINK_FD_DOORBELL, (xabi::launch::kFirstRegion + region % span) * XABI_LINK_REGION_SIZE,
                      XABI_LINK_REGION_MASK};
}

// The installed program for (region, mode), built once each.
const Filter& program_for(unsigned region, Mode mode) {
  static std::map<std::pair<unsigned, Mode>, Filter> cache;
  auto it = cache.find({region, mode});
  if (it != cache.end()) return it->second;
  auto f = xabi::launch::build_filter(params_for(region), mode);
  if (!f) die("build_filter failed: " + xabi::launch::describe(f.error()));
  if (std::string err = xabi::fuzz::cbpf::check(f.value()); !err.empty())
    die("the installed program is outside what the interpreter runs: " + err);
  return cache.emplace(std::make_pair(region, mode), std::move(f.value())).first->second;
}

// Values worth trying for an argument: every bound value of the allow-list,
// addresses inside the region, just outside it on both sides.
std::vector<uint64_t> interesting_values(const LaunchParams& p) {
  std::vector<uint64_t> v = {0, 1, 2, 4, ~uint64_t{0}, 0xffffffffu, uint64_t{1} << 32, p.doorbell_fd + 1,
                             p.region_base, p.region_base - 1, p.region_base + XABI_LINK_REGION_SIZE,
                             p.region_base + XABI_LINK_REGION_SIZE - 1, p.region_base - XABI_LINK_REGION_SIZE,
                             p.region_base ^ (uint64_t{1} << 63)};
  for (const meta::SyscallRule& r : meta::kAllowList)
    for (const meta::ArgCheck& c : r.args) {
      v.push_back(c.value.bind(p));
      if (c.op == meta::ArgCheck::Op::kMaskedEq) v.push_back(~c.mask.bind(p));
    }
  return v;
}

uint32_t pick_arch(Reader& in) {
  static const uint32_t kOthers[] = {AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_X86_64 ^ 1,
                                     AUDIT_ARCH_X86_64 & ~__AUDIT_ARCH_64BIT, 0};
  const uint8_t c = in.u8();
  if (c % 8 < 6) return AUDIT_ARCH_X86_64;
  if (c % 8 == 6) return kOthers[in.u8() % std::size(kOthers)];
  return in.u32();
}

int32_t pick_nr(Reader& in) {
  const auto& nrs = rule_numbers();
  const uint8_t c = in.u8();
  const uint32_t allowed = static_cast<uint32_t>(nrs[in.u8() % nrs.size()]);
  uint32_t nr = 0;
  switch (c % 8) {
    case 0: case 1: case 2: case 3: nr = allowed; break;
    case 4: nr = allowed | kX32Bit; break;
    case 5: {
      static const uint32_t kSpecial[] = {0xffffffffu, kX32Bit, kX32Bit - 1, 0x80000000u, 39 /* getpid */,
                                          257 /* openat */, 0, 1, 435 /* clone3 */, 202 /* futex */};
      nr = kSpecial[in.u8() % std::size(kSpecial)];
      break;
    }
    case 6: nr = allowed ^ (1u << (in.u8() % 32)); break;
    default: nr = in.u32(); break;
  }
  return static_cast<int32_t>(nr);
}

std::string show(const seccomp_data& d) {
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "nr=%d (0x%x) arch=0x%x ip=0x%" PRIx64, d.nr, static_cast<unsigned>(d.nr),
                        d.arch, static_cast<uint64_t>(d.instruction_pointer));
  for (int i = 0; i < 6 && n > 0 && static_cast<size_t>(n) < sizeof buf; ++i)
    n += std::snprintf(buf + n, sizeof buf - n, " arg%d=0x%" PRIx64, i, static_cast<uint64_t>(d.args[i]));
  return buf;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  const unsigned region = in.u8() % 63;
  const Mode mode = (in.u8() & 1) ? Mode::kErrno : Mode::kKill;
  const LaunchParams params = params_for(region);
  const Filter& program = program_for(region, mode);

  seccomp_data d{};
  d.arch = pick_arch(in);
  d.nr = pick_nr(in);
  d.instruction_pointer = in.u64();
  // A rule of the chosen system call (if it has any) whose checks the
  // "satisfying" choice below aims at.
  std::vector<size_t> same_nr;
  for (size_t i = 0; i < std::size(meta::kAllowList); ++i)
    if (static_cast<uint32_t>(rule_numbers()[i]) == static_cast<uint32_t>(d.nr & ~kX32Bit)) same_nr.push_back(i);
  const uint8_t rule_pick = in.u8();
  const meta::SyscallRule* target = same_nr.empty() ? nullptr : &meta::kAllowList[same_nr[rule_pick % same_nr.size()]];
  const std::vector<uint64_t> pool = interesting_values(params);
  for (int a = 0; a < 6; ++a) {
    const uint8_t c = in.u8();
    uint64_t v = 0;
    const meta::ArgCheck* check = nullptr;
    if (target)
      for (const meta::ArgCheck& k : target->args)
        if (k.arg == a) check = &k;
    switch (c % 8) {
      case 0: case 1: case 2: case 3:
        if (check) {
          const uint64_t want = check->value.bind(params);
          v = check->op == meta::ArgCheck::Op::kEq ? want : want | (in.u64() & ~check->mask.bind(params));
        } else {
          v = pool[in.u8() % pool.size()];
        }
        break;
      case 4: v = pool[in.u8() % pool.size()]; break;
      case 5: v = in.u64(); break;
      case 6: v = 0; break;
      default: v = in.u32(); break;
    }
    const uint8_t m = in.u8();
    switch (m % 8) {
      case 4: v = (v & 0xffffffffu) | (uint64_t{in.u32()} << 32); break;  // another upper half
      case 5: v |= uint64_t{0xffffffffu} << 32; break;                    // sign-extended-looking
      case 6: v ^= uint64_t{1} << (in.u8() % 64); break;                   // one bit off
      case 7: v += static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(in.u8()))) << 12; break;
      default: break;  // most often unchanged
    }
    d.args[a] = v;
  }

  const xabi::fuzz::cbpf::Outcome out = xabi::fuzz::cbpf::run(program, d);
  if (!out.ok) die("the interpreter refused the installed program: " + out.error);
  for (size_t i = 0; i < out.path.size(); ++i) {
    const uint32_t pc = out.path[i];
    const bool jumped = i + 1 < out.path.size() && out.path[i + 1] != pc + 1;
    g_path_counters[(2 * size_t{pc} + (jumped ? 1 : 0)) % kCounters]++;
  }

  int matched = -1;
  const bool expect_allow = spec_allows(d, params, &matched);
  const uint32_t action = out.ret & SECCOMP_RET_ACTION_FULL;
  const bool allowed = action == SECCOMP_RET_ALLOW;
  char base[32];
  std::snprintf(base, sizeof base, "0x%" PRIx64, params.region_base);
  const std::string where = std::string(" [region base ") + base + ", mode " +
                            std::string(xabi::launch::mode_name(mode)) + "] " + show(d) + " -> " + hex(out.ret);
  if (allowed && !expect_allow) die("the filter ALLOWS a call the allow-list does not:" + where);
  if (!allowed && expect_allow)
    die("the filter DENIES a call the allow-list allows (entry " + std::to_string(matched) + ", " +
        std::string(meta::kAllowList[matched].name) + "):" + where);
  if (!allowed) {
    const bool x32 = d.arch == AUDIT_ARCH_X86_64 && static_cast<uint32_t>(d.nr) >= kX32Bit &&
                     static_cast<uint32_t>(d.nr) != 0xffffffffu;
    if (d.arch != AUDIT_ARCH_X86_64 && out.ret != SECCOMP_RET_KILL_PROCESS)
      die("a foreign architecture is not KILL_PROCESS:" + where);
    if (x32 && out.ret != SECCOMP_RET_KILL_PROCESS) die("an x32 system call number is not KILL_PROCESS:" + where);
    if (d.arch == AUDIT_ARCH_X86_64 && !x32 && out.ret != SECCOMP_RET_USER_NOTIF)
      die("a denied x86-64 call is not USER_NOTIF (the builder's default action):" + where);
  }
  return 0;
}
