// ELF byte images for tests: a minimal valid synthetic image, real files,
// typed header edits, and memfds for handing images to the bootstrap.
//
// Usage:
//   Bytes img = MinimalImage();
//   EditPhdr(img, kLoadText, [](Elf64_Phdr& p) { p.p_flags |= PF_W; });
//   EXPECT_EQ(Validate(img), ELF_IMAGE_WX_SEGMENT);
//
// Headers are read and written with memcpy, so edits never rely on the
// buffer's alignment.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "elf_image.h"

using Bytes = std::vector<unsigned char>;

// MinimalImage(): 0x3000 bytes of file, program headers in this order:
//   kLoadHeaders  PT_LOAD R   vaddr 0x0000, file 0x0000..0x1000
//   kLoadText     PT_LOAD R X vaddr 0x1000, file 0x1000..0x2000 (entry 0x1000)
//   kLoadData     PT_LOAD R W vaddr 0x2000, file 0x2000..0x3000, memsz 0x2000
//   kDynamic      PT_DYNAMIC  vaddr 0x2000, 0x20 bytes
//   kStack        PT_GNU_STACK R W
enum : size_t { kLoadHeaders, kLoadText, kLoadData, kDynamic, kStack, kMinimalPhnum };
Bytes MinimalImage();

Bytes ReadFileBytes(const std::string& path);

template <class T>
T Get(const Bytes& b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}
template <class T>
void Put(Bytes& b, size_t off, const T& v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

inline Elf64_Ehdr GetEhdr(const Bytes& b) { return Get<Elf64_Ehdr>(b, 0); }
inline Elf64_Phdr GetPhdr(const Bytes& b, size_t i) {
  return Get<Elf64_Phdr>(b, GetEhdr(b).e_phoff + i * sizeof(Elf64_Phdr));
}

template <class F>
void EditEhdr(Bytes& b, F edit) {
  Elf64_Ehdr h = GetEhdr(b);
  edit(h);
  Put(b, 0, h);
}
template <class F>
void EditPhdr(Bytes& b, size_t i, F edit) {
  Elf64_Phdr p = GetPhdr(b, i);
  edit(p);
  Put(b, GetEhdr(b).e_phoff + i * sizeof(Elf64_Phdr), p);
}

// elf_image_validate() on the whole buffer; the result plan goes to *out if given.
elf_image_error Validate(const Bytes& b, elf_image* out = nullptr);

// File offset holding link-time address `vaddr` (through the PT_LOADs), or
// SIZE_MAX when no segment's file data covers it.
size_t FileOffsetOf(const Bytes& b, uint64_t vaddr);

// An inheritable (no close-on-exec) memfd holding `b`; -1 on failure.
int MemfdWith(const Bytes& b);

// The entries of the image's PT_DYNAMIC, up to DT_NULL (empty if none).
std::vector<Elf64_Dyn> DynamicEntries(const Bytes& b);

// Where the DT_RELA table starts in the file and how many entries it has.
struct RelaTable {
  size_t offset = SIZE_MAX;
  size_t count = 0;
};
RelaTable FindRela(const Bytes& b);
