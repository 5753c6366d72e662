// --shard K/N: a stable partition of the suite by id, so N CI jobs each run
// one part and `xabi-conform merge` joins their reports. A case (or mutant)
// belongs to shard K when the FNV-1a hash of its id is K-1 modulo N: it
// depends on the id alone, so adding a case moves only that case.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "conformance/conform_error.h"

namespace xabi::conform {

struct ShardSpec {
  uint32_t index = 1;  // K, 1..count
  uint32_t count = 1;  // N
};

inline constexpr uint32_t kMaxShards = 1024;

// 64-bit FNV-1a.
uint64_t fnv1a(std::string_view text);
// Parses "K/N" with 1 <= K <= N <= kMaxShards; else kUsage, whose detail
// says why ("--shard \"4/3\": K must be from 1 to N (3)").
Result<ShardSpec> parse_shard(std::string_view text);
bool in_shard(std::string_view id, const ShardSpec& shard);

}  // namespace xabi::conform
