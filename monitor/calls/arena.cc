#include "arena.h"

#include <fcntl.h>
#include <linux/falloc.h>

#include <cerrno>

#include "xabi/xabi.h"

namespace xabi::calls {

int MemfdPuncher::punch(uint64_t offset, uint64_t len) {
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(len)) != 0)
    return -errno;
  return 0;
}

uint64_t Arena::alloc(uint64_t len) {
  if (len == 0 || len > XABI_LIMIT_ALLOC) return 0;
  const uint64_t need = (len + XABI_PAGE - 1) & ~uint64_t{XABI_PAGE - 1};
  // The arena is exactly the quota, so "fits in the arena" is "within quota".
  auto at = used_.first_fit(base_, base_ + size_, need);
  if (!at) return 0;
  // The guest can write to arena pages it never allocated (the whole arena is
  // mapped); punch them too, so what alloc hands out is zero-filled whatever
  // the guest did before. Untouched ranges have no pages: the punch is cheap.
  if (puncher_.punch(*at - base_, need) != 0) {
    ++punch_failures_;
    return 0;  // cannot promise zeroed memory: refuse (an allowed answer)
  }
  used_.insert(*at, *at + need);
  return *at;
}

int64_t Arena::free(uint64_t base, uint64_t len) {
  if (len == 0 || base % XABI_PAGE != 0 || len % XABI_PAGE != 0) return XABI_E_INVAL;
  if (base + len < base || !used_.covers(base, base + len)) return XABI_E_NOT_MAPPED;
  used_.remove(base, base + len);
  // Zero the pages for the next alloc and give their memory back.
  if (puncher_.punch(base - base_, len) != 0) ++punch_failures_;
  return 0;
}

}  // namespace xabi::calls
