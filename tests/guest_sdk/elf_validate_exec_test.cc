// elf_image_validate_exec: the legacy programs the Linux personality runs
// (ET_EXEC at its link address, PT_TLS allowed) — the same rules as a guest
// image otherwise, plus the address window and the TLS template's place.
#include <gtest/gtest.h>

#include "elf_fixture.h"

namespace {

constexpr uint64_t kAnywhere = 1ull << 40;

Bytes ExecImage() {
  Bytes b = MinimalImage();
  EditEhdr(b, [](Elf64_Ehdr& h) { h.e_type = ET_EXEC; });
  return b;
}

elf_image_error ValidateExec(const Bytes& b, uint64_t lo = 0, uint64_t hi = kAnywhere) {
  elf_image img;
  return elf_image_validate_exec(b.data(), b.size(), lo, hi, &img);
}

TEST(ElfValidateExec, AcceptsAnExecutableAndRefusesAPie) {
  elf_image img;
  const Bytes b = ExecImage();
  ASSERT_EQ(elf_image_validate_exec(b.data(), b.size(), 0, kAnywhere, &img), ELF_IMAGE_OK);
  EXPECT_EQ(img.phnum, unsigned{kMinimalPhnum});
  EXPECT_EQ(img.phoff, GetEhdr(b).e_phoff);
  EXPECT_EQ(ValidateExec(MinimalImage()), ELF_IMAGE_NOT_EXEC);
  // and the guest-image validator refuses the executable
  EXPECT_EQ(Validate(b), ELF_IMAGE_NOT_DYN);
}

TEST(ElfValidateExec, EverySegmentInsideTheWindow) {
  const Bytes b = ExecImage();  // spans [0, 0x4000)
  EXPECT_EQ(ValidateExec(b, 0x1000, kAnywhere), ELF_IMAGE_OUTSIDE_WINDOW);
  EXPECT_EQ(ValidateExec(b, 0, 0x3000), ELF_IMAGE_OUTSIDE_WINDOW);
  EXPECT_EQ(ValidateExec(b, 0, 0x4000), ELF_IMAGE_OK);
}

TEST(ElfValidateExec, OneTlsTemplateInsideALoadedSegment) {
  Bytes b = ExecImage();
  EditPhdr(b, kStack, [](Elf64_Phdr& p) {
    p.p_type = PT_TLS;
    p.p_flags = PF_R;
    p.p_vaddr = 0x2000;
    p.p_offset = 0x2000;
    p.p_filesz = 0x10;
    p.p_memsz = 0x40;
    p.p_align = 8;
  });
  EXPECT_EQ(ValidateExec(b), ELF_IMAGE_OK);
  Bytes pie = b;
  EditEhdr(pie, [](Elf64_Ehdr& h) { h.e_type = ET_DYN; });
  EXPECT_EQ(Validate(pie), ELF_IMAGE_TLS) << "guest images still have no TLS";
  Bytes outside = b;
  EditPhdr(outside, kStack, [](Elf64_Phdr& p) { p.p_vaddr = 0x9000; });
  EXPECT_EQ(ValidateExec(outside), ELF_IMAGE_BAD_TLS);
  Bytes twice = b;
  EditPhdr(twice, kDynamic, [&](Elf64_Phdr& p) { p = GetPhdr(b, kStack); });
  EXPECT_EQ(ValidateExec(twice), ELF_IMAGE_BAD_TLS);
}

// A binary nobody here built: Debian's busybox-static (installed by make deps).
TEST(ElfValidateExec, AcceptsDebiansStaticBusybox) {
  const Bytes b = ReadFileBytes("/bin/busybox");
  ASSERT_FALSE(b.empty()) << "/bin/busybox is missing: install busybox-static (make deps)";
  elf_image img;
  ASSERT_EQ(elf_image_validate_exec(b.data(), b.size(), 0x10000, 3ull << 30, &img), ELF_IMAGE_OK);
  EXPECT_EQ(img.span_lo, 0x400000u);
  EXPECT_EQ(img.entry, GetEhdr(b).e_entry);
}

}  // namespace
