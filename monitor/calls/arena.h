// arena.h: xabi_alloc / xabi_free for one picoprocess. The guest's arena
// [base, base+size) is mapped in the guest from the start (backed by a memfd
// whose size is the quota); the host only chooses placements and, on free,
// punches the pages out of the memfd so they return zero-filled and their
// memory goes back to the kernel.
//
//   MemfdPuncher punch(arena_fd);
//   Arena a(region_base + XABI_LINK_ARENA_OFFSET, arena_size, punch);
//   uint64_t p = a.alloc(len);          // 0: refused (bad len, no room)
//   int64_t r = a.free(p, len);         // 0, XABI_E_INVAL or XABI_E_NOT_MAPPED
#pragma once

#include <cstdint>

#include "interval_set.h"

namespace xabi::calls {

// Returns pages [offset, offset+len) of the backing store to the kernel.
class HolePuncher {
 public:
  virtual ~HolePuncher() = default;
  // 0, or a negative errno (a host failure: reported, never an ABI error).
  virtual int punch(uint64_t offset, uint64_t len) = 0;
};

// fallocate(PUNCH_HOLE | KEEP_SIZE) on a memfd: the size (= quota) stays.
class MemfdPuncher : public HolePuncher {
 public:
  explicit MemfdPuncher(int fd) : fd_(fd) {}
  int punch(uint64_t offset, uint64_t len) override;

 private:
  int fd_;  // borrowed
};

class Arena {
 public:
  Arena(uint64_t base, uint64_t size, HolePuncher& puncher) : base_(base), size_(size), puncher_(puncher) {}

  uint64_t alloc(uint64_t len);
  int64_t free(uint64_t base, uint64_t len);

  uint64_t allocated() const { return used_.total(); }
  // Hole punches that failed (host failures; the pages stay as they were).
  uint64_t punch_failures() const { return punch_failures_; }

 private:
  uint64_t base_;
  uint64_t size_;
  HolePuncher& puncher_;
  IntervalSet used_;
  uint64_t punch_failures_ = 0;
};

}  // namespace xabi::calls
