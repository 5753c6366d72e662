#include "guest_image.h"

#include <cstring>
#include <string>

#include "elf_image.h"

namespace xabi::kvm {
namespace {

Status validate(std::span<const uint8_t> image, elf_image& img) {
  const elf_image_error e = elf_image_validate(image.data(), image.size(), &img);
  if (e != ELF_IMAGE_OK)
    return Error<KvmError>{KvmError::kInvalidImage, std::string(elf_image_error_name(e)) + ": " + elf_image_error_message(e)};
  return {};
}

}  // namespace

Result<uint64_t> image_span(std::span<const uint8_t> image) {
  elf_image img{};
  XABI_TRY(validate(image, img));
  return (img.span_hi - img.span_lo + PageTables::kPage - 1) / PageTables::kPage * PageTables::kPage;
}

Result<LoadedImage> load_image(Machine& m, std::span<const uint8_t> image, uint64_t va, uint64_t offset) {
  elf_image img{};
  XABI_TRY(validate(image, img));
  const uint64_t span = img.span_hi - img.span_lo;
  if (va % PageTables::kPage || offset % PageTables::kPage || offset > m.guest_bytes() || span > m.guest_bytes() - offset)
    return Error<KvmError>{KvmError::kLayout, "the image does not fit guest memory there"};
  LoadedImage out{va + (img.entry - img.span_lo), va, va + span, span, {}};
  for (size_t i = 0; i < img.n_segments; ++i) {
    const elf_image_segment& s = img.segments[i];
    const uint64_t at = s.vaddr - img.span_lo;  // the validator bounds every term
    std::memcpy(m.guest(offset + at), image.data() + s.offset, s.filesz);
    const uint64_t page_lo = at & ~(PageTables::kPage - 1);
    const uint64_t page_hi = (at + s.memsz + PageTables::kPage - 1) & ~(PageTables::kPage - 1);
    const Access access = (s.flags & ELF_SEG_X) ? Access::kReadExec : (s.flags & ELF_SEG_W) ? Access::kReadWrite : Access::kRead;
    XABI_TRY(m.map_guest(va + page_lo, offset + page_lo, page_hi - page_lo, access));
    out.segments.push_back({va + page_lo, va + page_hi, access});
  }
  return out;
}

}  // namespace xabi::kvm
