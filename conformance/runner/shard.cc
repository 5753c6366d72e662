#include "shard.h"

#include <charconv>
#include <optional>

namespace xabi::conform {

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace {

// A whole decimal number, nothing else (no sign, no spaces).
std::optional<uint32_t> whole_number(std::string_view s) {
  uint32_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

}  // namespace

Result<ShardSpec> parse_shard(std::string_view text) {
  const auto refuse = [&](const std::string& why) {
    return Error{ConformError::kUsage, "--shard \"" + std::string(text) + "\": " + why};
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return refuse("must be K/N, e.g. 2/4 (shard K of N)");
  const auto k = whole_number(text.substr(0, slash));
  const auto n = whole_number(text.substr(slash + 1));
  if (!k || !n) return refuse("K and N must be whole numbers (K/N, e.g. 2/4)");
  if (*n < 1 || *n > kMaxShards) return refuse("N must be from 1 to " + std::to_string(kMaxShards));
  if (*k < 1 || *k > *n) return refuse("K must be from 1 to N (" + std::to_string(*n) + ")");
  return ShardSpec{*k, *n};
}

bool in_shard(std::string_view id, const ShardSpec& shard) {
  return fnv1a(id) % shard.count == shard.index - 1;
}

}  // namespace xabi::conform
