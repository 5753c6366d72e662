// guest_fixture.h: a picoprocess without the sandbox, for transport tests.
// Creates the call-area and arena memfds and the doorbell eventfd, maps them
// as a guest would, and forks plain children that run a function with the
// PAL transport initialised (doorbell at XABI_LINK_FD_DOORBELL). The monitor
// side gets its own second mapping of the call area, as the real launcher does.
//
//   auto g = GuestMemory::create(1 << 20);
//   pid_t pid = g->spawn([&] { return xabi_pal_host_close(-1) == XABI_E_BAD_CHANNEL ? 0 : 1; });
//   int64_t id = loop.add(g->picoprocess(pid));
//   // child's exit status = number of failed CHILD_CHECKs
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "host_link.h"
#include "served_picoprocess.h"
#include "xabi/unique_fd.h"

namespace xabi::test {

// In a child: report a failed check on stderr and count it.
void child_fail(int line, const char* what);
#define CHILD_CHECK(c)                     \
  do {                                     \
    if (!(c)) {                            \
      ::xabi::test::child_fail(__LINE__, #c); \
      ++fails;                             \
    }                                      \
  } while (0)

class GuestMemory {
 public:
  static std::unique_ptr<GuestMemory> create(uint64_t arena_size);
  ~GuestMemory();

  // Forks a child that runs `body` and _exits with its result.
  pid_t spawn(const std::function<int()>& body);
  // What the launcher would hand the loop (fds dup'ed, a fresh monitor mapping).
  monitor::ServedPicoprocess picoprocess(pid_t pid);

  xabi_link_header* area() const { return static_cast<xabi_link_header*>(guest_area_); }
  xabi_link_slot* slot(uint32_t i) const;
  const struct xabi_alarms* alarms() const;
  uint8_t* arena() const { return static_cast<uint8_t*>(guest_arena_); }
  uint64_t region_base() const { return reinterpret_cast<uint64_t>(guest_arena_) - XABI_LINK_ARENA_OFFSET; }

 private:
  UniqueFd calls_, arena_fd_, doorbell_;
  void* guest_area_ = nullptr;
  void* guest_arena_ = nullptr;
  uint64_t arena_size_ = 0;
};

// Open descriptors of this process (for leak checks).
size_t open_fd_count();

}  // namespace xabi::test
