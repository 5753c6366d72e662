// Encoding the argument block; see args_block.h.
#include "args_block.h"

#include <cstddef>
#include <cstring>

#include "host_link.h"

namespace xabi::launch {

uint64_t args_block_address(uint64_t region_base) {
  return region_base + XABI_LINK_CALLS_OFFSET + XABI_LINK_RO_OFFSET + offsetof(struct xabi_link_ro, args);
}

Result<std::vector<uint8_t>> encode_args(const std::vector<std::string>& args,
                                         uint64_t block_address) {
  size_t size = 8 + 8 * args.size();
  for (const std::string& a : args) {
    if (a.find('\0') != std::string::npos)
      return Error{ErrorCode::kInvalidArgument, "an argument contains a NUL byte"};
    size += a.size() + 1;
    if (size > XABI_LINK_ARGS_MAX) break;
  }
  if (size > XABI_LINK_ARGS_MAX)
    return Error{ErrorCode::kArgsTooLarge,
                 "more than " + std::to_string(XABI_LINK_ARGS_MAX) + " bytes of arguments"};
  std::vector<uint8_t> block(size, 0);
  auto put_u64 = [&](size_t at, uint64_t v) { std::memcpy(block.data() + at, &v, 8); };
  put_u64(0, args.size());
  size_t strings = 8 + 8 * args.size();
  for (size_t i = 0; i < args.size(); ++i) {
    put_u64(8 + 8 * i, block_address + strings);
    std::memcpy(block.data() + strings, args[i].data(), args[i].size());
    strings += args[i].size() + 1;  // the NUL is already there
  }
  return block;
}

}  // namespace xabi::launch
