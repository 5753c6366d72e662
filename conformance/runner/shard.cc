#include "shard.h"

#include <charconv>

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

std::optional<ShardSpec> parse_shard(std::string_view text, std::string* error) {
  const std::string why = "--shard \"" + std::string(text) + "\": ";
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (error) *error = why + "must be K/N, e.g. 2/4 (shard K of N)";
    return std::nullopt;
  }
  const auto k = whole_number(text.substr(0, slash));
  const auto n = whole_number(text.substr(slash + 1));
  if (!k || !n) {
    if (error) *error = why + "K and N must be whole numbers (K/N, e.g. 2/4)";
    return std::nullopt;
  }
  if (*n < 1 || *n > kMaxShards) {
    if (error) *error = why + "N must be from 1 to " + std::to_string(kMaxShards);
    return std::nullopt;
  }
  if (*k < 1 || *k > *n) {
    if (error) *error = why + "K must be from 1 to N (" + std::to_string(*n) + ")";
    return std::nullopt;
  }
  return ShardSpec{*k, *n};
}

bool in_shard(std::string_view id, const ShardSpec& shard) {
  return fnv1a(id) % shard.count == shard.index - 1;
}

}  // namespace xabi::conform
