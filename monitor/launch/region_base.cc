// Choosing a region; see region_base.h.
#include "region_base.h"

#include <sys/random.h>

#include <cerrno>

#include "host_link.h"

namespace xabi::launch {

Result<uint64_t> random_region_base() {
  uint64_t r = 0;
  ssize_t n;
  while ((n = getrandom(&r, sizeof r, 0)) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof r)) return system_error(ErrorCode::kSystem, "getrandom");
  const uint64_t index = kFirstRegion + r % (kLastRegion - kFirstRegion + 1);
  return index << XABI_LINK_REGION_SHIFT;
}

}  // namespace xabi::launch
