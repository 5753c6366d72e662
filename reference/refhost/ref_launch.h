// ref_launch.h: starting a guest image under xabi-bootstrap for the reference
// host, written from the transport contract (pal/linux/host_link.h) alone.
//
//   Result<RefLaunch> l = ref_launch({.image = "hello", .args = {"hello"}, .quota = 64 << 20,
//                                     .bootstrap = "/abs/xabi-bootstrap"});
//   if (!l) ...;                                       // exit XABI_HOST_EXIT_LAUNCH_FAILED
//   if (!ref_await_sealed(l.value(), 5000)) ...;       // exit XABI_HOST_EXIT_LAUNCH_FAILED
//
// No namespaces, no resource limits, and a seccomp program of one
// instruction (SECCOMP_RET_ALLOW): the bootstrap insists on installing a
// filter, and this one restricts nothing.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "host_link.h"
#include "ref_error.h"

namespace xabi::refhost {

struct LaunchRequest {
  std::string image;              // path of the guest image
  std::vector<std::string> args;  // the guest's argv: image path first
  uint64_t quota = 0;             // bytes; the arena is quota rounded up to pages
  std::string bootstrap;          // path of xabi-bootstrap
};

struct RefLaunch {
  pid_t pid = -1;
  int pidfd = -1;
  int doorbell = -1;  // eventfd, non-blocking
  int arena = -1;     // memfd, arena_size bytes
  xabi_link_header* header = nullptr;  // our own mapping of the call area
  uint64_t region_base = 0;
  uint64_t arena_size = 0;

  xabi_link_ro* ro() const;
  xabi_link_slot* slot(uint32_t i) const;
  uint64_t arena_base() const { return region_base + XABI_LINK_ARENA_OFFSET; }
};

// Creates the call area, arena and doorbell and starts the bootstrap on them.
// kInvalidArgument (quota, arguments), kImageUnreadable or kSystem.
Result<RefLaunch> ref_launch(const LaunchRequest& req);

// Waits for the bootstrap's doorbell (it has installed its filter), then lets
// it run the guest (go = 1 + wake). On failure (kSealTimeout,
// kBootstrapFailed, kSealBroken, kSystem) the child is killed and reaped.
Status ref_await_sealed(RefLaunch& l, int timeout_ms);

// Exit status in the xabi-host convention: the code, or 128 + signal.
int wait_status_to_exit(int wstatus);

}  // namespace xabi::refhost
