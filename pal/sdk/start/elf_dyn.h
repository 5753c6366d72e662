/* The few ELF64 dynamic-section definitions self-relocation needs.
 *
 * Usage: self_relocate.c only. Spelled out here because guests are
 * freestanding and must not depend on the host's <elf.h>. */
#ifndef XABI_SDK_ELF_DYN_H
#define XABI_SDK_ELF_DYN_H

#include <stdint.h>

struct xabi_elf64_dyn {
  int64_t d_tag;
  uint64_t d_val;
};

struct xabi_elf64_rela {
  uint64_t r_offset;
  uint64_t r_info; /* symbol index << 32 | type */
  int64_t r_addend;
};

enum {
  XABI_DT_NULL = 0,
  XABI_DT_PLTRELSZ = 2,
  XABI_DT_RELA = 7,
  XABI_DT_RELASZ = 8,
  XABI_DT_RELAENT = 9,
  XABI_DT_REL = 17,
  XABI_DT_TEXTREL = 22,
  XABI_DT_JMPREL = 23,
  XABI_DT_RELR = 36,
  XABI_R_X86_64_RELATIVE = 8,
};

#endif
