// Built guest images have the shape the loader and crt0 rely on: ET_DYN, no
// PT_INTERP, only PT_LOAD/PT_DYNAMIC/PT_GNU_STACK, the ELF header mapped at
// address 0 (crt0 derives its load base from it), nothing to resolve but
// R_X86_64_RELATIVE relocations, and accepted by the validator.
#include <gtest/gtest.h>

#include <string>

#include "elf_fixture.h"

namespace {

class GuestImage : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    image_ = ReadFileBytes(GetParam());
    ASSERT_GE(image_.size(), sizeof(Elf64_Ehdr)) << GetParam();
  }
  Bytes image_;
};

TEST_P(GuestImage, IsAcceptedByTheValidator) {
  elf_image img;
  const elf_image_error e = Validate(image_, &img);
  EXPECT_EQ(e, ELF_IMAGE_OK) << elf_image_error_name(e);
}

TEST_P(GuestImage, HasOnlyLoadDynamicAndStackHeaders) {
  const Elf64_Ehdr h = GetEhdr(image_);
  EXPECT_EQ(h.e_type, ET_DYN);
  int loads = 0, dynamics = 0;
  for (size_t i = 0; i < h.e_phnum; ++i) {
    const Elf64_Phdr p = GetPhdr(image_, i);
    EXPECT_NE(p.p_type, PT_INTERP);
    EXPECT_TRUE(p.p_type == PT_LOAD || p.p_type == PT_DYNAMIC || p.p_type == PT_GNU_STACK)
        << "program header " << i << " has type 0x" << std::hex << p.p_type;
    if (p.p_type == PT_LOAD && loads++ == 0) {
      EXPECT_EQ(p.p_vaddr, 0u) << "crt0 assumes the ELF header is at address 0";
      EXPECT_EQ(p.p_offset, 0u);
    }
    dynamics += p.p_type == PT_DYNAMIC;
  }
  EXPECT_GT(loads, 0);
  EXPECT_EQ(dynamics, 1);
}

TEST_P(GuestImage, HasOnlyRelativeRelocations) {
  for (const Elf64_Dyn& d : DynamicEntries(image_)) {
    EXPECT_NE(d.d_tag, DT_NEEDED);
    EXPECT_NE(d.d_tag, DT_REL);
    EXPECT_NE(d.d_tag, DT_RELR);
    EXPECT_NE(d.d_tag, DT_JMPREL);
    EXPECT_NE(d.d_tag, DT_TEXTREL);
    if (d.d_tag == DT_RELAENT) {
      EXPECT_EQ(d.d_un.d_val, sizeof(Elf64_Rela));
    }
  }
  const RelaTable rela = FindRela(image_);
  if (rela.count == 0) return;  // nothing to relocate
  ASSERT_NE(rela.offset, SIZE_MAX);
  ASSERT_LE(rela.offset + rela.count * sizeof(Elf64_Rela), image_.size());
  for (size_t i = 0; i < rela.count; ++i) {
    const Elf64_Rela r = Get<Elf64_Rela>(image_, rela.offset + i * sizeof(Elf64_Rela));
    EXPECT_EQ(ELF64_R_TYPE(r.r_info), unsigned{R_X86_64_RELATIVE}) << "relocation " << i;
    EXPECT_EQ(ELF64_R_SYM(r.r_info), 0u) << "relocation " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Guests, GuestImage,
                         ::testing::Values(GUEST_HELLO_PATH, GUEST_RELOC_PATH, GUEST_CRASH_PATH,
                                           GUEST_RUNTIME_PATH),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           const std::string path = info.param;
                           return path.substr(path.find_last_of('/') + 1);
                         });

// The reloc guest exists to exercise relocations; make sure it has some.
TEST(GuestImage, RelocGuestNeedsRelocations) {
  EXPECT_GE(FindRela(ReadFileBytes(GUEST_RELOC_PATH)).count, 10u);
}

}  // namespace
