// guest_image.h: loads an untrusted guest image (ELF64 static PIE, checked by
// common/elf's validator) into a machine's guest memory and maps its segments
// with their own permissions (never writable and executable). The image
// relocates itself when it starts (pal/sdk/start/self_relocate.c).
//
//   Result<LoadedImage> img = load_image(machine, bytes, /*va=*/0x1000000000, /*offset=*/0);
//   start_vcpu(img.value().entry, stack_top, table_va);
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "machine.h"

namespace xabi::kvm {

struct LoadedImage {
  uint64_t entry = 0;    // guest virtual address of _start
  uint64_t va_lo = 0;    // [va_lo, va_hi): the image's pages
  uint64_t va_hi = 0;
  uint64_t bytes = 0;    // guest memory it took, from `offset`
  struct Segment {
    uint64_t lo, hi;     // page-aligned virtual range
    Access access;
  };
  std::vector<Segment> segments;  // what the guest may touch, with its permissions
};

// The guest memory an image needs (its span, whole pages), after the same
// validation load_image does.
Result<uint64_t> image_span(std::span<const uint8_t> image);

// `va` and `offset` page-aligned; the image takes [offset, offset + span) of
// guest memory. kInvalidImage names the validator's verdict.
Result<LoadedImage> load_image(Machine& m, std::span<const uint8_t> image, uint64_t va, uint64_t offset);

}  // namespace xabi::kvm
