// Encoding the argument block xabi_args() returns (host_link.h, xabi_link_ro).
//
// Usage:
//   Result<std::vector<uint8_t>> b = encode_args({"a", "bc"}, guest_address_of_block);
//   memcpy(ro->args, b.value().data(), b.value().size());
//
// Layout: u64 count, count u64 pointers (GUEST addresses: block_address plus
// the string's offset), then the NUL-terminated strings. A string with an
// embedded NUL is refused (the guest could not see past it), as is a block
// over XABI_LINK_ARGS_MAX bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "result.h"

namespace xabi::launch {

Result<std::vector<uint8_t>> encode_args(const std::vector<std::string>& args,
                                         uint64_t block_address);

// The guest address of the block inside a region based at `region_base`.
uint64_t args_block_address(uint64_t region_base);

}  // namespace xabi::launch
