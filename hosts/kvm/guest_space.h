// guest_space.h: the KVM host's own map of a picoprocess's address space:
// which guest virtual ranges are guest memory in the ABI's sense (the spec's
// E_FAULT: static memory plus pages from xabi_alloc not yet freed), where
// each lies in the host's mapping of guest memory, and the arena that
// xabi_alloc hands out. The host answers every guest pointer from here, never
// from anything the guest or its PAL wrote.
//
// The arena is mapped read-write for the guest from the start; its bitmap
// (in the guest's read-only block, so the PAL can answer E_FAULT first) says
// which pages are allocated. free() gives the pages' memory back to the
// kernel (a hole punched in the memfd), so a freed page reads as zero and
// costs nothing, and a page allocated again is zero-filled.
//
//   GuestSpace g;
//   g.add_static(va, len, host, /*writable=*/true);
//   g.set_arena(XABI_KVM_ARENA_VA, quota, host, bitmap, memfd, memfd_offset);
//   uint64_t at = g.alloc(len);                     // 0: refused
//   uint8_t* p = g.translate(va, 4, /*write=*/false);  // nullptr: not guest memory
#pragma once

#include <cstdint>
#include <vector>

namespace xabi::kvm {

class GuestSpace {
 public:
  void add_static(uint64_t va, uint64_t len, uint8_t* host, bool writable);
  void set_arena(uint64_t va, uint64_t quota, uint8_t* host, uint64_t* bitmap, int memfd, uint64_t memfd_offset);

  // The host's address of [va, va + len) when all of it is guest memory
  // (writable too if `write`); nullptr otherwise. len >= 1.
  uint8_t* translate(uint64_t va, uint64_t len, bool write) const;

  // The ABI's alloc and free (spec rules: bad length -> 0, quota, placement;
  // E_INVAL, E_NOT_MAPPED). Not thread-safe: the call service serialises them.
  uint64_t alloc(uint64_t len);
  int64_t free(uint64_t base, uint64_t len);

 private:
  struct Static {
    uint64_t va, len;
    uint8_t* host;
    bool writable;
  };
  bool page_allocated(uint64_t page) const;
  void set_pages(uint64_t first, uint64_t count, bool on);

  std::vector<Static> statics_;
  uint64_t arena_va_ = 0, arena_pages_ = 0;
  uint8_t* arena_host_ = nullptr;
  uint64_t* bitmap_ = nullptr;
  int memfd_ = -1;
  uint64_t memfd_offset_ = 0;
  uint64_t allocated_ = 0;  // bytes
  uint64_t next_fit_ = 0;   // page to start the next search at
};

}  // namespace xabi::kvm
