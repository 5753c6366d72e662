// The argument block's encoding: count, guest pointers, strings; refusals.
#include "args_block.h"

#include <gtest/gtest.h>

#include <cstring>

#include "host_link.h"

namespace xabi::launch {
namespace {

uint64_t U64(const std::vector<uint8_t>& b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}

TEST(ArgsBlock, LaysOutCountPointersAndStrings) {
  const uint64_t at = 0x1000000;
  Result<std::vector<uint8_t>> b = encode_args({"ab", "", "c"}, at);
  ASSERT_TRUE(b);
  const std::vector<uint8_t>& v = b.value();
  EXPECT_EQ(U64(v, 0), 3u);
  EXPECT_EQ(U64(v, 8), at + 32);
  EXPECT_EQ(U64(v, 16), at + 35);
  EXPECT_EQ(U64(v, 24), at + 36);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.data()) + 32), "ab");
  EXPECT_EQ(v.size(), 38u);
}

TEST(ArgsBlock, EmptyIsJustACount) {
  Result<std::vector<uint8_t>> b = encode_args({}, 0);
  ASSERT_TRUE(b);
  EXPECT_EQ(b.value().size(), 8u);
  EXPECT_EQ(U64(b.value(), 0), 0u);
}

TEST(ArgsBlock, RefusesEmbeddedNulAndOversize) {
  Result<std::vector<uint8_t>> nul = encode_args({std::string("a\0b", 3)}, 0);
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().code, ErrorCode::kInvalidArgument);
  Result<std::vector<uint8_t>> big = encode_args({std::string(XABI_LINK_ARGS_MAX, 'x')}, 0);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kArgsTooLarge);
}

TEST(ArgsBlock, BlockAddressIsInTheReadOnlyPart) {
  const uint64_t base = 3ull << 40;
  EXPECT_EQ(args_block_address(base) % 8, 0u);
  EXPECT_GE(args_block_address(base), base + XABI_LINK_CALLS_OFFSET + XABI_LINK_RO_OFFSET);
  EXPECT_LT(args_block_address(base), base + XABI_LINK_CALLS_OFFSET + XABI_LINK_SLOTS_OFFSET);
}

}  // namespace
}  // namespace xabi::launch
