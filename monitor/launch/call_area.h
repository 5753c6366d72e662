// The call area memfd and the monitor's own mapping of it.
//
// Usage:
//   Result<CallArea> a = CallArea::create(region_base, arena_size, filter, args_block);
//   a.value().fd();          // to hand to the child as XABI_LINK_FD_CALLS
//   a.value().header();      // the monitor's view (shared with the picoprocess)
//
// create() writes everything the bootstrap reads before sealing: the header
// fields host_link.h fixes, the filter, and the argument block in the RO part.
// After execve the picoprocess can write the header and slots: read them only
// through copies, and validate every copy.
#pragma once

#include <cstdint>
#include <vector>

#include "filter_builder.h"
#include "host_link.h"
#include "result.h"
#include "xabi/unique_fd.h"

namespace xabi::launch {


class CallArea {
 public:
  static Result<CallArea> create(uint64_t region_base, uint64_t arena_size, const Filter& filter,
                                 const std::vector<uint8_t>& args_block);
  CallArea(CallArea&& o) noexcept;
  CallArea& operator=(CallArea&& o) noexcept;
  CallArea(const CallArea&) = delete;
  CallArea& operator=(const CallArea&) = delete;
  ~CallArea();

  int fd() const { return fd_.get(); }
  void close_fd() { fd_.reset(); }
  xabi_link_header* header() const { return static_cast<xabi_link_header*>(map_); }
  xabi_link_ro* ro() const;
  void* data() const { return map_; }
  size_t size() const { return XABI_LINK_AREA_SIZE; }
  // Gives up the mapping (the caller munmaps it) and the fd.
  void* release_mapping();
  int release_fd() { return fd_.release(); }

 private:
  CallArea(UniqueFd fd, void* map) : fd_(std::move(fd)), map_(map) {}
  UniqueFd fd_;
  void* map_ = nullptr;
};

}  // namespace xabi::launch
