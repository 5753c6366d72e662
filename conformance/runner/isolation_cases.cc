#include <dirent.h>
#include <seccomp.h>

#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "builtin_cases.h"
#include "execute.h"
#include "xabi/syscalls.hpp"

namespace xabi::conform {
namespace {

// The most telling escapes: always part of --quick.
const std::set<std::string> kQuickSyscalls = {"getpid", "openat", "open", "socket", "connect", "execve", "fork", "ptrace",
                                              "mmap", "mprotect", "kill", "read", "ioctl", "prctl", "seccomp", "unshare",
                                              "setns", "memfd_create", "process_vm_readv", "bpf", "io_uring_setup"};

std::string hex(uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

bool allowed_name(const std::string& n) {
  for (const auto& r : meta::kAllowList)
    if (r.name == n) return true;
  return false;
}

Case syscall_case(const std::string& id, int nr, const std::vector<std::string>& args, bool quick, const std::string& why) {
  Case c;
  c.id = id;
  c.group = "isolation";
  c.file = "allow-list";
  c.needs = {"isolation"};
  c.quick = quick;
  std::string line = "syscall " + std::to_string(nr);
  for (const auto& a : args) line += " " + a;
  line += " denied";
  auto s = parse_step(line);
  if (!s) abort();  // generated text: a bug here is ours
  s.value().text += "   # " + why;
  c.steps.push_back(std::move(s).value());
  return c;
}

// Linux processes below `root` (by parent pid).
std::vector<int> descendants(int root) {
  std::map<int, int> parent;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      int pid = atoi(e->d_name);
      if (pid <= 0) continue;
      std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
      std::string s;
      std::getline(st, s);
      size_t rp = s.rfind(')');
      if (rp == std::string::npos) continue;
      std::istringstream rest(s.substr(rp + 2));
      char state;
      int ppid;
      rest >> state >> ppid;
      parent[pid] = ppid;
    }
    closedir(d);
  }
  std::vector<int> out;
  for (auto [pid, pp] : parent) {
    for (int p = pp, hops = 0; p > 1 && hops < 64; p = parent.count(p) ? parent[p] : 0, ++hops)
      if (p == root) {
        out.push_back(pid);
        break;
      }
  }
  return out;
}

// The one sealed (Seccomp: 2) process below the host: the picoprocess.
CaseOr<int> sealed_picoprocess(Pico& p) {
  std::vector<int> sealed;
  for (int pid : descendants(p.host.pid())) {
    std::ifstream st("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(st, line))
      if (line.rfind("Seccomp:", 0) == 0 && line.find('2') != std::string::npos) sealed.push_back(pid);
  }
  if (sealed.size() != 1)
    return CaseFail{"cannot find the picoprocess below the host", "one sealed (Seccomp: 2) process below pid " + std::to_string(p.host.pid()),
                    std::to_string(sealed.size()) + " found", ""};
  return sealed[0];
}

// Least privilege, from the kernel's side: no uid or gid 0, no capability.
CaseStatus inspect_privileges(CaseEnv& env) {
  XABI_CASE_LET(p, env.launch({64ull << 20, false, {}, "", std::nullopt}));
  XABI_CASE_LET(pid, sealed_picoprocess(*p));
  std::ifstream st("/proc/" + std::to_string(pid) + "/status");
  std::map<std::string, std::string> f;
  for (std::string line; std::getline(st, line);)
    if (size_t c = line.find(":\t"); c != std::string::npos) f[line.substr(0, c)] = line.substr(c + 2);
  for (const char* ids : {"Uid", "Gid"}) {
    std::istringstream in(f[ids]);
    bool root = false;
    for (std::string id; in >> id;) root |= id == "0";
    env.note(0, std::string("/proc/") + std::to_string(pid) + "/status " + ids, f[ids], root ? "refused" : "ok");
    if (root) return CaseFail{std::string("the picoprocess runs with ") + ids + " 0", "no 0 among real, effective, saved, fs", f[ids], "isolation.privileges"};
  }
  for (const char* cap : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    const bool none = f[cap] == "0000000000000000";
    env.note(0, std::string("/proc/") + std::to_string(pid) + "/status " + cap, f[cap], none ? "ok" : "refused");
    if (!none) return CaseFail{std::string("the picoprocess holds capabilities (") + cap + ")", "0000000000000000", f[cap], "isolation.privileges"};
  }
  return env.finish(*p);
}

CaseStatus inspect_fds(CaseEnv& env) {
  XABI_CASE_LET(p, env.launch({64ull << 20, false, {}, "", std::nullopt}));
  XABI_CASE_LET(pid, sealed_picoprocess(*p));
  std::set<int> fds;
  if (DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') fds.insert(atoi(e->d_name));
    closedir(d);
  }
  std::set<int> want(env.cfg.adapter->picoprocess_fds.begin(), env.cfg.adapter->picoprocess_fds.end());
  auto show = [](const std::set<int>& s) {
    std::string o;
    for (int f : s) o += std::to_string(f) + " ";
    return o.empty() ? "none" : o;
  };
  env.note(0, "list /proc/" + std::to_string(pid) + "/fd", show(fds), fds == want ? "ok" : "refused");
  if (fds != want) return CaseFail{"the picoprocess holds other file descriptors than the contract's", show(want), show(fds), "isolation.fds"};
  return env.finish(*p);
}

// What the picoprocess has mapped, from the kernel's side: never the guest
// image file it was loaded from (the host copies the image; a file mapping
// left behind is a handle on the host's file system), and nothing shared
// with a file but the host's anonymous memory files (memfd).
CaseStatus inspect_maps(CaseEnv& env) {
  XABI_CASE_LET(p, env.launch({64ull << 20, false, {}, "", std::nullopt}));
  XABI_CASE_LET(pid, sealed_picoprocess(*p));
  std::error_code ec;
  const std::string image = std::filesystem::canonical(env.cfg.agent_image, ec).string();
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  int lines = 0;
  for (std::string line; std::getline(maps, line); ++lines) {
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode, path;
    in >> range >> perms >> offset >> dev >> inode;
    std::getline(in >> std::ws, path);
    if (!image.empty() && path == image) {
      env.note(0, "read /proc/" + std::to_string(pid) + "/maps", line, "refused");
      return CaseFail{"the guest image file is still mapped in the picoprocess", "no mapping of " + image, line, "isolation.maps"};
    }
    if (perms.size() == 4 && perms[3] == 's' && !path.empty() && path.rfind("/memfd:", 0) != 0) {
      env.note(0, "read /proc/" + std::to_string(pid) + "/maps", line, "refused");
      return CaseFail{"the picoprocess shares a mapping with a file", "shared mappings of memfds only", line, "isolation.maps"};
    }
  }
  env.note(0, "read /proc/" + std::to_string(pid) + "/maps", std::to_string(lines) + " mappings", lines > 0 ? "ok" : "refused");
  if (lines == 0) return CaseFail{"cannot read the picoprocess's mappings", "/proc/PID/maps", "nothing", "isolation.maps"};
  return env.finish(*p);
}

}  // namespace

void isolation_cases(std::vector<Case>& out) {
  // Every system call of x86-64 that the allow-list does not name.
  for (int nr = 0; nr < 512; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
    if (!name) continue;
    std::string n = name;
    free(name);
    if (allowed_name(n)) continue;
    out.push_back(syscall_case("isolation/syscall/" + n, nr, {}, kQuickSyscalls.count(n) != 0, n + " is not in the allow-list"));
  }
  // Each argument check of the allow-list, violated one at a time, with the
  // other checked arguments valid. Unchecked arguments: 0, except the third,
  // 0xffffffff (so a wrongly allowed FUTEX_WAIT finds a changed word and
  // returns instead of sleeping).
  std::map<std::string, int> seen;
  for (const auto& rule : meta::kAllowList) {
    if (rule.args.empty()) continue;
    int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, std::string(rule.name).c_str());
    if (nr < 0) continue;
    std::vector<std::string> valid(6, "0");
    valid[2] = "4294967295";
    for (const auto& chk : rule.args) {
      if (!chk.value.param.empty()) valid[chk.arg] = chk.value.param == "region_base" ? "$alarms" : "6";
      else valid[chk.arg] = std::to_string(chk.value.literal);
    }
    for (const auto& chk : rule.args) {
      std::vector<std::pair<std::string, std::string>> bad;  // value, why
      if (chk.op == meta::ArgCheck::Op::kMaskedEq) {
        bad = {{"65536", "an address outside the picoprocess's region"},
               {"$alarms+9223372036854775807+1", "an address in the region with the top bit set"}};
      } else if (!chk.value.param.empty()) {
        bad = {{"1", "fd 1 instead of " + std::string(chk.value.param)}, {"6+4294967296", std::string(chk.value.param) + " with bit 32 set"}};
      } else {
        uint64_t L = chk.value.literal;
        std::vector<std::pair<uint64_t, std::string>> cands = {{L | (1ull << 32), "bit 32 set"}, {L ^ 0x80, "bit 7 flipped"},
                                                               {L ^ 1, "bit 0 flipped"}, {L + 2, "+2"}};
        for (auto [v, why] : cands) {
          bool matches_other = false;
          for (const auto& r2 : meta::kAllowList)
            if (r2.name == rule.name)
              for (const auto& c2 : r2.args)
                if (c2.arg == chk.arg && c2.value.param.empty() && c2.op == meta::ArgCheck::Op::kEq && c2.value.literal == v)
                  matches_other = true;
          if (!matches_other) bad.push_back({std::to_string(v), hex(L) + " with " + why});
        }
      }
      for (const auto& [v, why] : bad) {
        auto args = valid;
        args[chk.arg] = v;
        std::string id = "isolation/args/" + std::string(rule.name) + "/arg" + std::to_string(chk.arg) + "_" + std::to_string(++seen[std::string(rule.name)]);
        out.push_back(syscall_case(id, nr, args, true, std::string(rule.name) + " argument " + std::to_string(chk.arg) + ": " + why));
      }
    }
  }
  Case fd;
  fd.id = "isolation/fds";
  fd.group = "isolation";
  fd.file = "builtin";
  fd.needs = {"proc_inspect"};
  fd.quick = true;
  fd.custom = inspect_fds;
  out.push_back(fd);
  Case priv = fd;
  priv.id = "isolation/privileges";
  priv.custom = inspect_privileges;
  out.push_back(priv);
  Case maps = fd;
  maps.id = "isolation/maps";
  maps.custom = inspect_maps;
  out.push_back(maps);
}

}  // namespace xabi::conform
