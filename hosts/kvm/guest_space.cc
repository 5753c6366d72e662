#include "guest_space.h"

#include <fcntl.h>

#include <cstring>

#include "xabi/xabi.h"

namespace xabi::kvm {

void GuestSpace::add_static(uint64_t va, uint64_t len, uint8_t* host, bool writable) {
  statics_.push_back({va, len, host, writable});
}

void GuestSpace::set_arena(uint64_t va, uint64_t quota, uint8_t* host, uint64_t* bitmap, int memfd, uint64_t memfd_offset) {
  arena_va_ = va;
  arena_pages_ = quota / XABI_PAGE;
  arena_host_ = host;
  bitmap_ = bitmap;
  memfd_ = memfd;
  memfd_offset_ = memfd_offset;
}

bool GuestSpace::page_allocated(uint64_t page) const {
  return (__atomic_load_n(&bitmap_[page / 64], __ATOMIC_ACQUIRE) >> (page % 64)) & 1;
}

void GuestSpace::set_pages(uint64_t first, uint64_t count, bool on) {
  for (uint64_t p = first; p < first + count; ++p) {
    const uint64_t bit = 1ull << (p % 64);
    if (on)
      __atomic_fetch_or(&bitmap_[p / 64], bit, __ATOMIC_RELEASE);
    else
      __atomic_fetch_and(&bitmap_[p / 64], ~bit, __ATOMIC_RELEASE);
  }
}

uint8_t* GuestSpace::translate(uint64_t va, uint64_t len, bool write) const {
  if (len == 0 || va < XABI_PAGE || va >= XABI_ADDR_LIMIT || len > XABI_ADDR_LIMIT - va) return nullptr;
  for (const Static& s : statics_)
    if (va >= s.va && va + len <= s.va + s.len) return (!write || s.writable) ? s.host + (va - s.va) : nullptr;
  if (va < arena_va_ || va - arena_va_ >= arena_pages_ * XABI_PAGE || len > arena_pages_ * XABI_PAGE - (va - arena_va_))
    return nullptr;
  for (uint64_t p = (va - arena_va_) / XABI_PAGE; p <= (va + len - 1 - arena_va_) / XABI_PAGE; ++p)
    if (!page_allocated(p)) return nullptr;
  return arena_host_ + (va - arena_va_);
}

uint64_t GuestSpace::alloc(uint64_t len) {
  if (len == 0 || len > XABI_LIMIT_ALLOC) return 0;
  const uint64_t pages = (len + XABI_PAGE - 1) / XABI_PAGE;
  if (allocated_ + pages * XABI_PAGE > arena_pages_ * XABI_PAGE) return 0;
  // Next fit, wrapping once: a run of `pages` free pages.
  for (uint64_t scanned = 0, p = next_fit_ % (arena_pages_ ? arena_pages_ : 1); scanned < arena_pages_;) {
    if (p + pages > arena_pages_) {
      scanned += arena_pages_ - p;
      p = 0;
      continue;
    }
    uint64_t run = 0;
    while (run < pages && !page_allocated(p + run)) ++run;
    if (run == pages) {
      set_pages(p, pages, true);
      allocated_ += pages * XABI_PAGE;
      next_fit_ = p + pages;
      return arena_va_ + p * XABI_PAGE;
    }
    scanned += run + 1;
    p += run + 1;
  }
  return 0;
}

int64_t GuestSpace::free(uint64_t base, uint64_t len) {
  if (len == 0 || base % XABI_PAGE || len % XABI_PAGE) return XABI_E_INVAL;
  if (base < arena_va_ || base - arena_va_ >= arena_pages_ * XABI_PAGE || len > arena_pages_ * XABI_PAGE - (base - arena_va_))
    return XABI_E_NOT_MAPPED;
  const uint64_t first = (base - arena_va_) / XABI_PAGE, count = len / XABI_PAGE;
  for (uint64_t p = first; p < first + count; ++p)
    if (!page_allocated(p)) return XABI_E_NOT_MAPPED;
  set_pages(first, count, false);
  allocated_ -= len;
  // Zero and release the memory: the guest's mapping stays and reads zero.
  if (fallocate(memfd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(memfd_offset_ + first * XABI_PAGE),
                static_cast<off_t>(len)) != 0) {
    std::memset(arena_host_ + first * XABI_PAGE, 0, len);  // still zero-filled when allocated again
  }
  return 0;
}

}  // namespace xabi::kvm
