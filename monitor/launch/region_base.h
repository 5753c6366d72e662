// Choosing where a picoprocess's 1 TiB region goes.
//
// Usage: Result<uint64_t> base = random_region_base();
//
// Regions 1..63 (addresses 1 TiB .. 64 TiB) of the 47-bit user space: the
// kernel puts the bootstrap (static PIE, ~0x5555_xxxx_xxxx, region 85), its
// brk, mmap area, stack and vDSO (regions 126-127) well above, and 0 is never
// used, so MAP_FIXED_NOREPLACE in the bootstrap cannot collide. The choice is
// random (getrandom) so a guest cannot count on its own addresses.
#pragma once

#include <cstdint>

#include "result.h"

namespace xabi::launch {

inline constexpr uint64_t kFirstRegion = 1;
inline constexpr uint64_t kLastRegion = 63;

Result<uint64_t> random_region_base();

}  // namespace xabi::launch
