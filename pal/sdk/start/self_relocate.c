/* Self-relocation: the image applies its own R_X86_64_RELATIVE relocations.
 *
 * Usage: called once by _start, before any code that reads a pointer stored
 * in data. It must not need relocations itself: it only touches the
 * linker-defined _DYNAMIC and __ehdr_start, declared hidden so the compiler
 * reaches them PC-relative (no GOT slot), and calls only hidden functions.
 * (The compiler may still build a jump table for the tag tests; in PIC code
 * those hold relative offsets, not addresses, so they need no relocation.)
 *
 * The load base is the run-time address of the ELF header, which the linker
 * places at address 0 of a static PIE; so base + link-time address = run-time
 * address. Any relocation other than RELATIVE, or a dynamic section asking for
 * more than RELA, means the image was not built by xabi_add_guest():
 * xabi_sdk_trap() traps. */
#include <stdint.h>

#include "elf_dyn.h"
#include "start.h"

__attribute__((visibility("hidden"))) extern const char __ehdr_start[];
__attribute__((visibility("hidden"))) extern const struct xabi_elf64_dyn _DYNAMIC[];

void xabi_sdk_self_relocate(void) {
  const uintptr_t base = (uintptr_t)__ehdr_start;
  uint64_t rela = 0, relasz = 0, relaent = sizeof(struct xabi_elf64_rela);

  for (const struct xabi_elf64_dyn *d = _DYNAMIC; d->d_tag != XABI_DT_NULL; ++d) {
    if (d->d_tag == XABI_DT_RELA)
      rela = d->d_val;
    else if (d->d_tag == XABI_DT_RELASZ)
      relasz = d->d_val;
    else if (d->d_tag == XABI_DT_RELAENT)
      relaent = d->d_val;
    else if (d->d_tag == XABI_DT_REL || d->d_tag == XABI_DT_RELR || d->d_tag == XABI_DT_TEXTREL ||
             d->d_tag == XABI_DT_JMPREL || (d->d_tag == XABI_DT_PLTRELSZ && d->d_val != 0))
      xabi_sdk_trap(); /* relocations we do not apply */
  }
  if (relaent != sizeof(struct xabi_elf64_rela) || relasz % relaent != 0)
    xabi_sdk_trap();

  const struct xabi_elf64_rela *r = (const struct xabi_elf64_rela *)(base + rela);
  for (uint64_t i = 0; i < relasz / relaent; ++i) {
    if (r[i].r_info != XABI_R_X86_64_RELATIVE) /* type RELATIVE, symbol 0 */
      xabi_sdk_trap();
    *(uint64_t *)(base + r[i].r_offset) = base + (uint64_t)r[i].r_addend;
  }
}
