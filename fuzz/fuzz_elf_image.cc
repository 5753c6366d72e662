// Runs the guest image validator on arbitrary bytes; when it accepts, checks
// again every invariant the loader (monitor/launch) relies on.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" {
#include "elf_image.h"
}

namespace {

[[noreturn]] void fail(const char* what, size_t i) {
  std::fprintf(stderr, "fuzz_elf_image: accepted image breaks an invariant: %s (segment %zu)\n", what, i);
  std::abort();
}

constexpr uint64_t kPage = ELF_IMAGE_PAGE_SIZE;
uint64_t page_down(uint64_t x) { return x & ~(kPage - 1); }
uint64_t page_up(uint64_t x) { return page_down(x + kPage - 1); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  struct elf_image img;
  if (elf_image_validate(data, size, &img) != ELF_IMAGE_OK) return 0;

  if (img.n_segments == 0 || img.n_segments > ELF_IMAGE_MAX_SEGMENTS) fail("segment count", img.n_segments);
  if (img.span_lo % kPage || img.span_hi % kPage) fail("span not page-aligned", 0);
  if (img.span_hi <= img.span_lo) fail("empty or inverted span", 0);
  if (img.span_hi - img.span_lo > ELF_IMAGE_MAX_SPAN) fail("span over ELF_IMAGE_MAX_SPAN", 0);
  bool entry_ok = false;
  for (size_t i = 0; i < img.n_segments; ++i) {
    const elf_image_segment& s = img.segments[i];
    uint64_t fend, vend;
    if (s.memsz == 0) fail("empty segment", i);
    if (s.filesz > s.memsz) fail("filesz > memsz", i);
    if (__builtin_add_overflow(s.offset, s.filesz, &fend) || fend > size) fail("file range outside the file", i);
    if (__builtin_add_overflow(s.vaddr, s.memsz, &vend) || vend > ELF_IMAGE_MAX_ADDRESS)
      fail("address range overflows", i);
    if ((s.flags & ELF_SEG_W) && (s.flags & ELF_SEG_X)) fail("W+X segment", i);
    if (s.flags & ~unsigned(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X)) fail("unknown flags", i);
    if (page_down(s.vaddr) < img.span_lo || page_up(vend) > img.span_hi) fail("segment outside the span", i);
    // The loader gives each page one segment's protection: no page is shared.
    for (size_t j = 0; j < i; ++j) {
      const elf_image_segment& p = img.segments[j];
      if (page_down(s.vaddr) < page_up(p.vaddr + p.memsz) && page_down(p.vaddr) < page_up(vend))
        fail("segments share a page", i);
    }
    if ((s.flags & ELF_SEG_X) && img.entry >= s.vaddr && img.entry < s.vaddr + s.filesz) entry_ok = true;
  }
  if (!entry_ok) fail("entry point not in the file-backed part of an executable segment", 0);
  return 0;
}
