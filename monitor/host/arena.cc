#include "arena.h"

#include <fcntl.h>
#include <linux/falloc.h>

#include <cerrno>
#include <utility>

#include "mutant.h"
#include "xabi/xabi.h"

namespace xabi::host {

int MemfdPuncher::punch(uint64_t offset, uint64_t len) {
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(len)) != 0)
    return -errno;
  return 0;
}

uint64_t Arena::alloc(uint64_t len) {
  if (XABI_MUTANT(alloc_len_zero_ok) && len == 0) len = 1;
  if (len == 0 || len > XABI_LIMIT_ALLOC) return 0;
  const uint64_t need = (len + XABI_PAGE - 1) & ~uint64_t{XABI_PAGE - 1};
  if (XABI_MUTANT(alloc_overlap)) {
    // Hands out the previous allocation again while it is still live.
    static uint64_t last = 0;
    if (last != 0 && used_.covers(last, last + need)) return std::exchange(last, 0);
    if (auto at = used_.first_fit(base_, base_ + size_, need); at && puncher_.punch(*at - base_, need) == 0) {
      used_.insert(*at, *at + need);
      return last = *at;
    }
    return 0;
  }
  // The arena is exactly the quota, so "fits in the arena" is "within quota".
  auto at = used_.first_fit(base_, base_ + size_, need);
  if (XABI_MUTANT(alloc_ignores_quota) && !at) {
    // Places it past the quota (unbacked: the guest faults on touching it).
    if (auto past = used_.first_fit(base_ + size_, base_ + 2 * size_ + need, need)) {
      used_.insert(*past, *past + need);
      return *past;
    }
  }
  if (!at) return 0;
  if (XABI_MUTANT(free_no_punch)) {
    used_.insert(*at, *at + need);  // no zeroing: whatever the guest left there stays
    return *at;
  }
  // The guest can write to arena pages it never allocated (the whole arena is
  // mapped); punch them too, so what alloc hands out is zero-filled whatever
  // the guest did before. Untouched ranges have no pages: the punch is cheap.
  if (puncher_.punch(*at - base_, need) != 0) {
    ++punch_failures_;
    return 0;  // cannot promise zeroed memory: refuse (an allowed answer)
  }
  used_.insert(*at, *at + need);
  if (XABI_MUTANT(alloc_unaligned)) return *at + 16;
  return *at;
}

int64_t Arena::free(uint64_t base, uint64_t len) {
  if (XABI_MUTANT(free_bad_len_ok) && len % XABI_PAGE != 0) return 0;
  if (len == 0 || base % XABI_PAGE != 0 || len % XABI_PAGE != 0) return XABI_E_INVAL;
  if (XABI_MUTANT(free_double_ok) && (base + len < base || !used_.covers(base, base + len))) return 0;
  if (base + len < base || !used_.covers(base, base + len)) return XABI_E_NOT_MAPPED;
  if (XABI_MUTANT(free_partial_whole)) {
    // Widens the range to the whole allocated range it falls in.
    while (base > base_ && used_.covers(base - XABI_PAGE, base + len)) base -= XABI_PAGE, len += XABI_PAGE;
    while (used_.covers(base, base + len + XABI_PAGE)) len += XABI_PAGE;
  }
  used_.remove(base, base + len);
  if (XABI_MUTANT(free_no_punch)) return 0;  // the pages keep their bytes
  // Zero the pages for the next alloc and give their memory back.
  if (puncher_.punch(base - base_, len) != 0) ++punch_failures_;
  return 0;
}

}  // namespace xabi::host
