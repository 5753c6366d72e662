#include "page_tables.h"

#include <cstring>
#include <string>

namespace xabi::kvm {
namespace {

constexpr uint64_t kPresent = 1, kWritable = 2, kUser = 4, kLarge = 0x80, kNoExec = 1ull << 63;
constexpr uint64_t kAddrMask = 0x000ffffffffff000ull;

bool canonical(uint64_t va) {
  const uint64_t top = va >> 47;
  return top == 0 || top == 0x1ffff;
}

unsigned index_at(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 511; }  // level 3 = PML4

uint64_t leaf_flags(Access a, Ring ring) {
  uint64_t f = kPresent | (ring == Ring::kGuest ? kUser : 0);
  if (a == Access::kReadWrite) f |= kWritable;
  if (a != Access::kReadExec) f |= kNoExec;
  return f;
}

}  // namespace

PageTables::PageTables(uint8_t* mem, uint64_t mem_size, uint64_t pool_pa, uint64_t pool_size)
    : mem_(mem), mem_size_(mem_size), pool_pa_(pool_pa), pool_end_(pool_pa + pool_size), next_(pool_pa) {
  if (pool_end_ <= mem_size_ && pool_size >= kPage) {
    root_ = next_;
    next_ += kPage;
    std::memset(mem_ + root_, 0, kPage);
  }
}

uint64_t* PageTables::entry_at(uint64_t table_pa, unsigned index) const {
  const uint64_t at = table_pa + 8ull * index;
  if (table_pa % kPage != 0 || at + 8 > mem_size_) return nullptr;
  return reinterpret_cast<uint64_t*>(mem_ + at);
}

Result<uint64_t> PageTables::table_below(uint64_t* entry) {
  if (*entry & kPresent) {
    if (*entry & kLarge) return Error<KvmError>{KvmError::kLayout, "the range overlaps a mapped 2 MiB page"};
    return *entry & kAddrMask;
  }
  if (next_ + kPage > pool_end_) return Error<KvmError>{KvmError::kLayout, "the page-table pool is full"};
  const uint64_t t = next_;
  next_ += kPage;
  std::memset(mem_ + t, 0, kPage);
  *entry = t | kPresent | kWritable | kUser;  // permissions are decided at the leaf
  return t;
}

Status PageTables::map(uint64_t va, uint64_t pa, uint64_t len, Access access, Ring ring) {
  if (root_ == 0) return Error<KvmError>{KvmError::kLayout, "no room for the top-level table"};
  if (va % kPage || pa % kPage || len % kPage || len == 0)
    return Error<KvmError>{KvmError::kLayout, "a mapping that is not page-aligned"};
  if (!canonical(va) || !canonical(va + len - 1) || (va >> 47) != ((va + len - 1) >> 47))
    return Error<KvmError>{KvmError::kLayout, "a mapping outside the canonical address space"};
  if (pa + len > mem_size_ || pa + len < pa) return Error<KvmError>{KvmError::kLayout, "a mapping beyond guest memory"};
  const uint64_t flags = leaf_flags(access, ring);
  for (uint64_t off = 0; off < len;) {
    const uint64_t v = va + off, p = pa + off;
    uint64_t table = root_;
    const bool large = v % kLargePage == 0 && p % kLargePage == 0 && len - off >= kLargePage;
    for (int level = 3; level > (large ? 1 : 0); --level) {
      Result<uint64_t> below = table_below(entry_at(table, index_at(v, level)));
      if (!below) return below.error();
      table = below.value();
    }
    uint64_t* leaf = entry_at(table, index_at(v, large ? 1 : 0));
    if (*leaf & kPresent) return Error<KvmError>{KvmError::kLayout, "address " + std::to_string(v) + " is mapped twice"};
    *leaf = p | flags | (large ? kLarge : 0);
    off += large ? kLargePage : kPage;
  }
  return {};
}

std::optional<uint64_t> PageTables::translate(uint64_t va) const {
  if (!canonical(va)) return std::nullopt;
  uint64_t table = root_;
  for (int level = 3; level >= 0; --level) {
    const uint64_t* e = entry_at(table, index_at(va, level));
    if (!e || !(*e & kPresent)) return std::nullopt;
    if (level == 1 && (*e & kLarge)) {
      const uint64_t pa = (*e & kAddrMask & ~(kLargePage - 1)) + va % kLargePage;
      return pa < mem_size_ ? std::optional<uint64_t>(pa) : std::nullopt;
    }
    table = *e & kAddrMask;
  }
  const uint64_t pa = table + va % kPage;
  return pa < mem_size_ ? std::optional<uint64_t>(pa) : std::nullopt;
}

}  // namespace xabi::kvm
