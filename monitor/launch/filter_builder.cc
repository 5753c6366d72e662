// Building the seccomp program; see filter_builder.h.
#include "filter_builder.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "host_link.h"
#include "mutant.h"
#include "xabi/unique_fd.h"
#include "xabi/linux_syscalls.h"
#include "xabi/syscalls.hpp"

namespace xabi::launch {
namespace {

using Ctx = std::unique_ptr<void, void (*)(scmp_filter_ctx)>;

Error lib_error(std::string_view what, int rc) {
  return Error{ErrorCode::kSeccompLibrary, std::string(what) + ": " + std::strerror(-rc)};
}

// Every rule of `allow` as an ALLOW rule with its checks (and the mutants'
// changes to them).
Status add_rules(scmp_filter_ctx ctx, const LaunchParams& params, std::span<const meta::SyscallRule> allow);

// The context with every allow-list rule added. kKill and kErrno build the
// same program (the monitor decides on each notification); kLinux adds the
// trap list and traps the rest.
Result<Ctx> make_context(const LaunchParams& params, Mode mode, std::span<const meta::SyscallRule> allow) {
  const bool linux_mode = mode == Mode::kLinux;
  Ctx ctx(seccomp_init(linux_mode ? SCMP_ACT_TRAP : SCMP_ACT_NOTIFY), seccomp_release);
  if (!ctx) return Error{ErrorCode::kSeccompLibrary, "seccomp_init failed"};
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc < 0)
    return lib_error("SCMP_FLTATR_ACT_BADARCH", rc);
  // The native arch is the only one; make sure nothing else crept in.
  if (seccomp_arch_exist(ctx.get(), SCMP_ARCH_X86_64) != 0 ||
      seccomp_arch_exist(ctx.get(), SCMP_ARCH_X32) == 0 ||
      seccomp_arch_exist(ctx.get(), SCMP_ARCH_X86) == 0)
    return Error{ErrorCode::kSeccompLibrary, "the filter's architecture is not x86-64 alone"};
  if (Status s = add_rules(ctx.get(), params, allow); !s) return s.error();
  if (linux_mode)
    if (Status s = add_rules(ctx.get(), params, meta::kTrapAllowList); !s) return s.error();
  if (XABI_MUTANT(filter_allow_getpid))
    if (int r = seccomp_rule_add_exact(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(getpid), 0); r < 0)
      return lib_error("seccomp_rule_add getpid", r);
  if (XABI_MUTANT(filter_allow_openat))
    if (int r = seccomp_rule_add_exact(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(openat), 0); r < 0)
      return lib_error("seccomp_rule_add openat", r);
  return ctx;
}

Status add_rules(scmp_filter_ctx ctx, const LaunchParams& params, std::span<const meta::SyscallRule> allow) {
  for (const meta::SyscallRule& rule : allow) {
    const std::string name(rule.name);
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name.c_str());
    if (nr < 0) return Error{ErrorCode::kUnknownSyscall, name};
    if (XABI_MUTANT(filter_deny_clone) && name == "clone") continue;
    std::vector<scmp_arg_cmp> cmps;
    for (const meta::ArgCheck& c : rule.args) {
      const uint64_t value = c.value.bind(params);
      if (c.op == meta::ArgCheck::Op::kEq)
        cmps.push_back(scmp_arg_cmp{c.arg, SCMP_CMP_EQ, value, 0});
      else
        cmps.push_back(scmp_arg_cmp{c.arg, SCMP_CMP_MASKED_EQ, c.mask.bind(params), value});
      if (XABI_MUTANT(filter_upper_bits_ignored)) {
        // Only the low halves: EQ becomes MASKED_EQ with 0xffffffff.
        scmp_arg_cmp& last = cmps.back();
        const uint64_t mask = (last.op == SCMP_CMP_EQ ? ~uint64_t{0} : last.datum_a) & 0xffffffffu;
        const uint64_t want = (last.op == SCMP_CMP_EQ ? last.datum_a : last.datum_b) & mask;
        last = scmp_arg_cmp{c.arg, SCMP_CMP_MASKED_EQ, mask, want};
      }
    }
    if (XABI_MUTANT(filter_deny_requeue) && name == "futex" &&
        std::any_of(rule.args.begin(), rule.args.end(), [](const meta::ArgCheck& c) {
          return c.arg == 1 && !c.value.field && c.value.literal == XABI_ALLOW_FUTEX_CMP_REQUEUE;
        }))
      continue;
    // _exact: libseccomp must not rewrite the rule behind our back.
    const int rc = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr,
                                                static_cast<unsigned>(cmps.size()), cmps.data());
    if (rc < 0) return lib_error("seccomp_rule_add " + name, rc);
    // One rule too many, next to the rule it loosens.
    if (XABI_MUTANT(filter_allow_realtime) && name == "clock_gettime") {
      const scmp_arg_cmp realtime{0, SCMP_CMP_EQ, 0 /* CLOCK_REALTIME */, 0};
      if (int r = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr, 1, &realtime); r < 0)
        return lib_error("seccomp_rule_add clock_gettime", r);
    }
    if (XABI_MUTANT(filter_allow_grnd_random) && name == "getrandom") {
      const scmp_arg_cmp grnd_random{2, SCMP_CMP_EQ, 2 /* GRND_RANDOM */, 0};
      if (int r = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr, 1, &grnd_random); r < 0)
        return lib_error("seccomp_rule_add getrandom", r);
    }
  }
  return {};
}

// libseccomp 2.5 exports only to a file descriptor: go through a memfd.
Result<std::string> export_with(scmp_filter_ctx ctx, int (*exporter)(const scmp_filter_ctx, int)) {
  UniqueFd fd(memfd_create("xabi-filter", MFD_CLOEXEC));
  if (!fd) return system_error(ErrorCode::kSystem, "memfd_create");
  if (int rc = exporter(ctx, fd.get()); rc < 0) return lib_error("seccomp export", rc);
  const off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size < 0) return system_error(ErrorCode::kSystem, "lseek");
  std::string bytes(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pread(fd.get(), bytes.data() + done, bytes.size() - done,
                            static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return system_error(ErrorCode::kSystem, "pread");
    done += static_cast<size_t>(n);
  }
  return bytes;
}

}  // namespace

Result<Filter> build_filter_from(const LaunchParams& params, Mode mode, std::span<const meta::SyscallRule> allow,
                                 size_t max_insns) {
  Result<Ctx> ctx = make_context(params, mode, allow);
  if (!ctx) return ctx.error();
  Result<std::string> bytes = export_with(ctx.value().get(), seccomp_export_bpf);
  if (!bytes) return bytes.error();
  const std::string& b = bytes.value();
  if (b.empty() || b.size() % sizeof(sock_filter) != 0)
    return Error{ErrorCode::kSeccompLibrary, "exported program has " + std::to_string(b.size()) +
                                                 " bytes, not whole instructions"};
  Filter program(b.size() / sizeof(sock_filter));
  std::memcpy(program.data(), b.data(), b.size());
  if (program.size() > max_insns)
    return Error{ErrorCode::kFilterTooLong, std::to_string(program.size()) + " instructions > " +
                                                std::to_string(max_insns)};
  return program;
}

Result<Filter> build_filter_limited(const LaunchParams& params, Mode mode, size_t max_insns) {
  return build_filter_from(params, mode, meta::kAllowList, max_insns);
}

Result<Filter> build_filter(const LaunchParams& params, Mode mode) {
  return build_filter_limited(params, mode, XABI_LINK_FILTER_MAX);
}

Result<std::string> filter_pfc(const LaunchParams& params, Mode mode) {
  Result<Ctx> ctx = make_context(params, mode, meta::kAllowList);
  if (!ctx) return ctx.error();
  return export_with(ctx.value().get(), seccomp_export_pfc);
}

}  // namespace xabi::launch
