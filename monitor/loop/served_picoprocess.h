// served_picoprocess.h: what the launcher hands the event loop for one picoprocess
// (MonitorLoop::add). A plain struct so the launch side needs nothing of the
// loop's internals. On a successful add() the loop owns every descriptor and
// the call-area mapping in it and releases them all when the picoprocess
// exits (pidfd readable) or is removed; on a failed add() the caller keeps them.
//
//   ServedPicoprocess p;
//   p.pid = pid; p.pidfd = pidfd; p.notify_fd = listener; p.doorbell_fd = efd;
//   p.call_area = mmap(..., XABI_LINK_AREA_SIZE, MAP_SHARED, calls_fd, 0);
//   p.call_area_size = XABI_LINK_AREA_SIZE; p.calls_fd = calls_fd;
//   p.arena_fd = arena_fd; p.arena_size = quota; p.region_base = base;
//   p.console = true; p.origin = "http://127.0.0.1:8080"; p.listen_fd = lfd;
//   int64_t id = loop.add(std::move(p));   // > 0, or a negative errno
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace xabi::monitor {

struct ServedPicoprocess {
  pid_t pid = -1;
  int pidfd = -1;           // readable when the picoprocess has exited
  int notify_fd = -1;       // seccomp user-notification listener; -1: none
  int doorbell_fd = -1;     // eventfd the PAL writes when monitor_sleeping is set
  void* call_area = nullptr;  // the monitor's MAP_SHARED mapping of the call-area memfd
  size_t call_area_size = 0;  // must be >= XABI_LINK_AREA_SIZE
  int calls_fd = -1;        // the call-area memfd, if the launcher kept it; -1: none
  int arena_fd = -1;        // the arena memfd (size = quota); hole-punched on free
  uint64_t arena_size = 0;  // bytes, a multiple of the page size
  uint64_t region_base = 0; // guest address of the region; arena at + XABI_LINK_ARENA_OFFSET
  // Capabilities (xabi-host --listen / --origin / console).
  int listen_fd = -1;       // a listening socket for xabi_accept; -1: none
  std::string origin;       // "http://host[:port]"; empty: none
  bool console = true;
  bool stdio = false;       // lend the monitor's own fds 0, 1, 2 (xabi_stdio)
  void* user = nullptr;     // the launcher's own cookie, handed back in hooks
};

// How a picoprocess ended (from waitid on its pidfd).
struct ExitInfo {
  int code = 0;    // CLD_EXITED, CLD_KILLED, CLD_DUMPED; 0 when it was not our child
  int status = 0;  // exit status or signal number
};

}  // namespace xabi::monitor
