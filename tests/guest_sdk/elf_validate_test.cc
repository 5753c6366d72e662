// The ELF validator against a minimal valid image and one mutation per rule:
// each broken image must be rejected with the error naming that rule.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>

#include "elf_fixture.h"

namespace {

TEST(ElfValidate, AcceptsMinimalImage) {
  elf_image img;
  ASSERT_EQ(Validate(MinimalImage(), &img), ELF_IMAGE_OK);
  EXPECT_EQ(img.entry, 0x1000u);
  EXPECT_EQ(img.span_lo, 0u);
  EXPECT_EQ(img.span_hi, 0x4000u);  // the data segment's bss reaches 0x4000
  ASSERT_EQ(img.n_segments, 3u);
  EXPECT_EQ(img.segments[0].flags, unsigned{ELF_SEG_R});
  EXPECT_EQ(img.segments[1].flags, unsigned{ELF_SEG_R | ELF_SEG_X});
  EXPECT_EQ(img.segments[2].flags, unsigned{ELF_SEG_R | ELF_SEG_W});
  EXPECT_EQ(img.segments[2].memsz, 0x2000u);
}

TEST(ElfValidate, RejectsTruncatedFile) {
  Bytes b = MinimalImage();
  EXPECT_EQ(Validate(Bytes()), ELF_IMAGE_TRUNCATED);
  b.resize(sizeof(Elf64_Ehdr) - 1);
  EXPECT_EQ(Validate(b), ELF_IMAGE_TRUNCATED);
}

TEST(ElfValidate, RejectsFileCutInsideProgramHeaders) {
  Bytes b = MinimalImage();
  b.resize(sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr));
  EXPECT_EQ(Validate(b), ELF_IMAGE_PHDR_OUT_OF_BOUNDS);
}

TEST(ElfValidate, RejectsWrongMagic) {
  Bytes b = MinimalImage();
  b[EI_MAG1] = 'X';
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_MAGIC);
}

TEST(ElfValidate, RejectsWrongClassEndianVersionOsabi) {
  Bytes b = MinimalImage();
  b[EI_CLASS] = ELFCLASS32;
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_CLASS);
  b = MinimalImage();
  b[EI_DATA] = ELFDATA2MSB;
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_ENDIAN);
  b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_version = 2; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_VERSION);
  b = MinimalImage();
  b[EI_OSABI] = ELFOSABI_FREEBSD;
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_OSABI);
}

TEST(ElfValidate, RejectsWrongMachine) {
  Bytes b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_machine = EM_AARCH64; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_MACHINE);
}

TEST(ElfValidate, RejectsExecutableType) {
  Bytes b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_type = ET_EXEC; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_NOT_DYN);
}

TEST(ElfValidate, RejectsBadHeaderSizes) {
  Bytes b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_ehsize = 52; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_EHSIZE);
  b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_phentsize = 32; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_PHENTSIZE);
  b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_phnum = 0; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_PHNUM);
  b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_phnum = PN_XNUM; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_PHNUM);
}

TEST(ElfValidate, RejectsProgramHeadersOutOfBounds) {
  Bytes b = MinimalImage();
  EditEhdr(b, [&](Elf64_Ehdr& h) { h.e_phoff = b.size() - 10; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_PHDR_OUT_OF_BOUNDS);
  b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_phoff = UINT64_MAX - 8; });  // offset + size wraps
  EXPECT_EQ(Validate(b), ELF_IMAGE_PHDR_OUT_OF_BOUNDS);
}

TEST(ElfValidate, RejectsSegmentBeyondFile) {
  Bytes b = MinimalImage();
  EditPhdr(b, kLoadData, [](Elf64_Phdr& p) { p.p_filesz = 0x1001; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_SEGMENT_OUT_OF_FILE);
  b = MinimalImage();
  EditPhdr(b, kLoadData, [](Elf64_Phdr& p) { p.p_offset = 0xfffffffffffff000; });  // wraps
  EXPECT_EQ(Validate(b), ELF_IMAGE_SEGMENT_OUT_OF_FILE);
}

TEST(ElfValidate, RejectsFileSizeAboveMemorySize) {
  Bytes b = MinimalImage();
  EditPhdr(b, kLoadText, [](Elf64_Phdr& p) { p.p_memsz = 0x800; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_FILESZ_GT_MEMSZ);
}

TEST(ElfValidate, RejectsWritableExecutableSegment) {
  Bytes b = MinimalImage();
  EditPhdr(b, kLoadText, [](Elf64_Phdr& p) { p.p_flags |= PF_W; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_WX_SEGMENT);
}

TEST(ElfValidate, RejectsUnknownSegmentFlags) {
  Bytes b = MinimalImage();
  EditPhdr(b, kLoadText, [](Elf64_Phdr& p) { p.p_flags |= 0x00100000; });  // PF_MASKOS bit
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_FLAGS);
}

TEST(ElfValidate, RejectsInterpreter) {
  Bytes b = MinimalImage();
  EditPhdr(b, kStack, [](Elf64_Phdr& p) { p.p_type = PT_INTERP; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_INTERP);
}

TEST(ElfValidate, RejectsTlsUnknownTypesAndExecutableStack) {
  Bytes b = MinimalImage();
  EditPhdr(b, kStack, [](Elf64_Phdr& p) { p.p_type = PT_TLS; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_TLS);
  b = MinimalImage();
  EditPhdr(b, kStack, [](Elf64_Phdr& p) { p.p_type = PT_SHLIB; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_UNKNOWN_PHDR);
  b = MinimalImage();
  EditPhdr(b, kStack, [](Elf64_Phdr& p) { p.p_flags |= PF_X; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_EXEC_STACK);
}

TEST(ElfValidate, RejectsOverlappingSegments) {
  Bytes b = MinimalImage();  // data placed on top of text
  EditPhdr(b, kLoadData, [](Elf64_Phdr& p) { p.p_vaddr = 0x1000; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_OVERLAP);
  b = MinimalImage();  // text's last byte shares a page with data
  EditPhdr(b, kLoadText, [](Elf64_Phdr& p) { p.p_memsz = 0x1001; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_OVERLAP);
  b = MinimalImage();  // out of order
  const Elf64_Phdr text = GetPhdr(b, kLoadText), data = GetPhdr(b, kLoadData);
  EditPhdr(b, kLoadText, [&](Elf64_Phdr& p) { p = data; });
  EditPhdr(b, kLoadData, [&](Elf64_Phdr& p) { p = text; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_OVERLAP);
}

TEST(ElfValidate, RejectsHugeMemorySize) {
  Bytes b = MinimalImage();  // vaddr + memsz wraps around
  EditPhdr(b, kLoadData, [](Elf64_Phdr& p) { p.p_memsz = UINT64_MAX - 0x1000; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_ADDRESS_OVERFLOW);
  b = MinimalImage();  // no wrap, but far beyond any sane address
  EditPhdr(b, kLoadData, [](Elf64_Phdr& p) { p.p_memsz = uint64_t{1} << 62; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_ADDRESS_OVERFLOW);
  b = MinimalImage();  // representable, but more than the span limit
  EditPhdr(b, kLoadData, [](Elf64_Phdr& p) { p.p_memsz = ELF_IMAGE_MAX_SPAN; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_SPAN_TOO_LARGE);
}

TEST(ElfValidate, RejectsBadAlignment) {
  Bytes b = MinimalImage();
  EditPhdr(b, kLoadText, [](Elf64_Phdr& p) { p.p_align = 0x10; });  // below a page
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_ALIGN);
  b = MinimalImage();
  EditPhdr(b, kLoadText, [](Elf64_Phdr& p) { p.p_align = 0x3000; });  // not a power of two
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_ALIGN);
  b = MinimalImage();
  EditPhdr(b, kLoadText, [](Elf64_Phdr& p) { p.p_offset = 0x1800; });  // offset != vaddr mod align
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_ALIGN);
}

TEST(ElfValidate, SkipsEmptyLoadsAndRejectsMissingOnes) {
  // An empty PT_LOAD maps nothing (GNU ld emits one for an empty read-only
  // group when clang builds the image): skipped, not an error.
  Bytes b = MinimalImage();
  EditPhdr(b, kLoadHeaders, [](Elf64_Phdr& p) { p.p_filesz = p.p_memsz = 0; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_OK);
  b = MinimalImage();
  for (size_t i : {kLoadHeaders, kLoadText, kLoadData})
    EditPhdr(b, i, [](Elf64_Phdr& p) { p.p_type = PT_NULL; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_NO_LOAD);
}

TEST(ElfValidate, RejectsTooManyLoads) {
  const size_t n = ELF_IMAGE_MAX_SEGMENTS + 1;
  Bytes b = MinimalImage();
  b.resize(n * 0x1000);
  EditEhdr(b, [&](Elf64_Ehdr& h) { h.e_phnum = static_cast<Elf64_Half>(n); });
  for (size_t i = 0; i < n; ++i)
    EditPhdr(b, i, [&](Elf64_Phdr& p) {
      p = Elf64_Phdr{PT_LOAD, PF_R | PF_X, i * 0x1000, i * 0x1000, i * 0x1000, 0x1000, 0x1000, 0x1000};
    });
  EXPECT_EQ(Validate(b), ELF_IMAGE_TOO_MANY_SEGMENTS);
}

TEST(ElfValidate, RejectsBadDynamic) {
  Bytes b = MinimalImage();  // beyond the file-backed part of the data segment
  EditPhdr(b, kDynamic, [](Elf64_Phdr& p) { p.p_vaddr = 0x3000; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_DYNAMIC);
  b = MinimalImage();  // two of them
  EditPhdr(b, kStack, [&](Elf64_Phdr& p) { p = GetPhdr(b, kDynamic); });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_DYNAMIC);
}

TEST(ElfValidate, RejectsEntryOutsideText) {
  Bytes b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_entry = 0x2000; });  // data, not executable
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_ENTRY);
  b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_entry = UINT64_MAX; });
  EXPECT_EQ(Validate(b), ELF_IMAGE_BAD_ENTRY);
}

TEST(ElfValidate, EveryErrorHasAUniqueNameAndAMessage) {
  std::set<std::string> names;
  for (int e = 0; e < ELF_IMAGE_ERROR_COUNT; ++e) {
    const std::string name = elf_image_error_name(static_cast<elf_image_error>(e));
    EXPECT_EQ(name.rfind("ELF_IMAGE_", 0), 0u) << name;
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_STRNE(elf_image_error_message(static_cast<elf_image_error>(e)), "");
  }
  EXPECT_STREQ(elf_image_error_name(ELF_IMAGE_WX_SEGMENT), "ELF_IMAGE_WX_SEGMENT");
  EXPECT_STREQ(elf_image_error_name(ELF_IMAGE_ERROR_COUNT), "ELF_IMAGE_UNKNOWN_ERROR");
}

// Random byte flips in the headers of a real guest: the validator must never
// read outside the buffer (ASan builds check this) and anything it accepts
// must still satisfy the plan's invariants.
TEST(ElfValidate, SurvivesRandomHeaderCorruption) {
  const Bytes original = ReadFileBytes(GUEST_RELOC_PATH);
  ASSERT_GT(original.size(), 0x200u);
  std::mt19937_64 rng(12345);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes b = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) b[rng() % 0x200] ^= static_cast<unsigned char>(1u << (rng() % 8));
    if (rng() % 8 == 0) b.resize(rng() % b.size());
    elf_image img;
    if (Validate(b, &img) != ELF_IMAGE_OK) continue;
    ++accepted;
    ASSERT_LE(img.span_hi - img.span_lo, ELF_IMAGE_MAX_SPAN);
    for (size_t i = 0; i < img.n_segments; ++i) {
      const elf_image_segment& s = img.segments[i];
      ASSERT_LE(s.offset + s.filesz, b.size());
      ASSERT_LE(s.filesz, s.memsz);
      ASSERT_NE(s.flags & (ELF_SEG_W | ELF_SEG_X), unsigned{ELF_SEG_W | ELF_SEG_X});
    }
  }
  EXPECT_GT(accepted, 0);  // some flips land in harmless bytes
}

}  // namespace
