// Denied system calls; see violation.h.
#include "violation.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

namespace xabi::launch {
namespace {

// The kernel may grow struct seccomp_notif; size the buffer by what it says.
Result<size_t> notif_size() {
  static const seccomp_notif_sizes sizes = [] {
    seccomp_notif_sizes s{};
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) != 0) s = {};
    return s;
  }();
  if (sizes.seccomp_notif == 0) return Error{ErrorCode::kSystem, "SECCOMP_GET_NOTIF_SIZES failed"};
  return std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif));
}

}  // namespace

Result<ViolationReport> handle_notification(Picoprocess& p, Mode mode) {
  if (p.listener_fd() < 0) return Error{ErrorCode::kWrongState, "not sealed"};
  Result<size_t> size = notif_size();
  if (!size) return size.error();
  std::vector<unsigned char> buf(size.value(), 0);  // RECV wants it zeroed
  auto* n = reinterpret_cast<seccomp_notif*>(buf.data());
  while (ioctl(p.listener_fd(), SECCOMP_IOCTL_NOTIF_RECV, n) != 0) {
    if (errno != EINTR) return system_error(ErrorCode::kNoNotification, "SECCOMP_IOCTL_NOTIF_RECV");
    std::fill(buf.begin(), buf.end(), 0);
  }
  ViolationReport r;
  r.tid = static_cast<pid_t>(n->pid);
  r.nr = n->data.nr;
  r.arch = n->data.arch;
  r.instruction_pointer = n->data.instruction_pointer;
  for (size_t i = 0; i < 6; ++i) r.args[i] = n->data.args[i];
  if (char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, n->data.nr)) {
    r.name = name;
    free(name);
  }
  r.mode = mode;
  if (mode == Mode::kKill) {
    // Never answered: the call cannot run, and the process is gone.
    r.action = "killed";
    if (Status s = p.kill(); !s) return s.error();
  } else {
    r.action = "ENOSYS";
    seccomp_notif_resp resp{};
    resp.id = n->id;
    resp.error = -ENOSYS;
    // ENOENT: the thread died meanwhile; the report still stands.
    if (ioctl(p.listener_fd(), SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT)
      return system_error(ErrorCode::kSystem, "SECCOMP_IOCTL_NOTIF_SEND");
  }
  return r;
}

std::optional<ViolationReport> violation_from_exit(const ExitStatus& status, Mode mode) {
  if (!status.killed_by(SIGSYS)) return std::nullopt;
  ViolationReport r;
  r.source = ViolationReport::Source::kSeccompKill;
  r.name = "(another architecture or an x32 system call)";
  r.mode = mode;
  r.action = "killed";
  return r;
}

std::string to_json(const ViolationReport& r) {
  nlohmann::json j;
  j["source"] = r.source == ViolationReport::Source::kNotification ? "notification" : "seccomp_kill";
  j["tid"] = r.tid;
  j["nr"] = r.nr;
  j["name"] = r.name;
  j["arch"] = r.arch;
  j["ip"] = r.instruction_pointer;
  j["args"] = r.args;
  j["mode"] = std::string(mode_name(r.mode));
  j["action"] = r.action;
  return j.dump();
}

}  // namespace xabi::launch
