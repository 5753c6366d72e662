// page_tables.h: x86-64 4-level page tables that the host writes into guest
// physical memory. The guest has no kernel: these tables are the whole of its
// address space, built before its first instruction and changed only by the host.
//
//   PageTables pt(mem, mem_size, pool_pa, pool_size);
//   pt.map(0x400000, guest_pa, 2 * 4096, Access::kReadExec);
//   sregs.cr3 = pt.root();
//   auto pa = pt.translate(rip);        // host-side reads of guest addresses
//
// translate() walks the tables as they are in guest memory now, with every
// physical address bounds-checked: a guest with CPL 0 can rewrite them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "kvm_error.h"

namespace xabi::kvm {

enum class Access { kRead, kReadWrite, kReadExec };
// Who may use a mapping: the guest (CPL 3) and the CPU's own event delivery, or
// only the latter (CPL 0: the machine's descriptor tables, stubs and stacks).
enum class Ring { kGuest, kSupervisor };

class PageTables {
 public:
  static constexpr uint64_t kPage = 4096, kLargePage = 2u << 20;

  // `mem` is the host's mapping of guest physical memory [0, mem_size); table
  // pages are taken from [pool_pa, pool_pa + pool_size), which must lie inside it.
  PageTables(uint8_t* mem, uint64_t mem_size, uint64_t pool_pa, uint64_t pool_size);

  uint64_t root() const { return root_; }  // the CR3 value

  // Maps [va, va + len) to [pa, pa + len): page-aligned, canonical, inside
  // guest memory, not mapped yet. 2 MiB pages where both ends allow it.
  Status map(uint64_t va, uint64_t pa, uint64_t len, Access access, Ring ring = Ring::kGuest);

  // The physical address of va with the tables as they are now; nullopt if
  // not mapped (or the tables point outside guest memory).
  std::optional<uint64_t> translate(uint64_t va) const;

  uint64_t pool_used() const { return next_ - pool_pa_; }

 private:
  uint64_t* entry_at(uint64_t table_pa, unsigned index) const;
  Result<uint64_t> table_below(uint64_t* entry);

  uint8_t* mem_;
  uint64_t mem_size_, pool_pa_, pool_end_, next_, root_ = 0;
};

}  // namespace xabi::kvm
