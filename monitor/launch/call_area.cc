// The call area; see call_area.h.
#include "call_area.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <cstring>
#include <utility>

namespace xabi::launch {

Result<CallArea> CallArea::create(uint64_t region_base, uint64_t arena_size, const Filter& filter,
                                  const std::vector<uint8_t>& args_block) {
  if (filter.empty() || filter.size() > XABI_LINK_FILTER_MAX)
    return Error{ErrorCode::kInvalidArgument, "filter length " + std::to_string(filter.size())};
  if (args_block.size() > XABI_LINK_ARGS_MAX)
    return Error{ErrorCode::kArgsTooLarge, "argument block"};
  UniqueFd fd(memfd_create("xabi-calls", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return system_error(ErrorCode::kSystem, "memfd_create(calls)");
  if (ftruncate(fd.get(), XABI_LINK_AREA_SIZE) != 0)
    return system_error(ErrorCode::kSystem, "ftruncate(calls)");
  // The size is part of the contract: neither side may change it.
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
    return system_error(ErrorCode::kSystem, "F_ADD_SEALS(calls)");
  void* map = mmap(nullptr, XABI_LINK_AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return system_error(ErrorCode::kSystem, "mmap(calls)");
  CallArea area(std::move(fd), map);

  xabi_link_header* h = area.header();
  h->magic = XABI_LINK_MAGIC;
  h->version = XABI_LINK_VERSION;
  h->region_base = region_base;
  h->arena_size = arena_size;
  h->ro_offset = XABI_LINK_RO_OFFSET;
  h->slots_offset = XABI_LINK_SLOTS_OFFSET;
  h->area_size = XABI_LINK_AREA_SIZE;
  h->n_slots = XABI_LINK_SLOTS;
  h->filter_len = static_cast<uint32_t>(filter.size());
  static_assert(sizeof(xabi_link_insn) == sizeof(sock_filter));
  std::memcpy(h->filter, filter.data(), filter.size() * sizeof(sock_filter));
  h->sealed = 0;
  h->listener_fd = -1;
  h->go = 0;
  h->monitor_sleeping = 0;
  std::memcpy(area.ro()->args, args_block.data(), args_block.size());
  return area;
}

xabi_link_ro* CallArea::ro() const {
  return reinterpret_cast<xabi_link_ro*>(static_cast<char*>(map_) + XABI_LINK_RO_OFFSET);
}

CallArea::CallArea(CallArea&& o) noexcept
    : fd_(std::move(o.fd_)), map_(std::exchange(o.map_, nullptr)) {}

CallArea& CallArea::operator=(CallArea&& o) noexcept {
  if (this != &o) {
    if (map_ != nullptr) munmap(map_, XABI_LINK_AREA_SIZE);
    fd_ = std::move(o.fd_);
    map_ = std::exchange(o.map_, nullptr);
  }
  return *this;
}

CallArea::~CallArea() {
  if (map_ != nullptr) munmap(map_, XABI_LINK_AREA_SIZE);
}

void* CallArea::release_mapping() { return std::exchange(map_, nullptr); }

}  // namespace xabi::launch
