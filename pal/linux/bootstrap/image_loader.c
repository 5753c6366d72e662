/* Mapping a validated image; see image_loader.h. */
#include "image_loader.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t page_down(uint64_t x) { return x & ~(uint64_t)(ELF_IMAGE_PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t x) { return page_down(x + ELF_IMAGE_PAGE_SIZE - 1); }

static int prot_of(unsigned flags) {
  return ((flags & ELF_SEG_R) ? PROT_READ : 0) | ((flags & ELF_SEG_W) ? PROT_WRITE : 0) |
         ((flags & ELF_SEG_X) ? PROT_EXEC : 0);
}

static int load_segment(uintptr_t bias, const struct elf_image_segment *s,
                        const unsigned char *file) {
  /* The validator guarantees segments do not share pages. */
  uintptr_t lo = bias + page_down(s->vaddr);
  size_t len = page_up(s->vaddr + s->memsz) - page_down(s->vaddr);
  if (mprotect((void *)lo, len, PROT_READ | PROT_WRITE) != 0)
    return -errno;
  memcpy((void *)(bias + s->vaddr), file + s->offset, s->filesz);
  if (mprotect((void *)lo, len, prot_of(s->flags)) != 0)
    return -errno;
  return 0;
}

int image_load(const struct elf_image *img, const unsigned char *file, uintptr_t load_base,
               uintptr_t *entry) {
  size_t span = img->span_hi - img->span_lo;
  void *base = mmap((void *)load_base, span, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (base == MAP_FAILED)
    return -errno;
  if ((uintptr_t)base != load_base) { /* kernels before 4.17 ignore the flag */
    munmap(base, span);
    return -EEXIST;
  }
  /* Unsigned wrap-around is intended: bias + vaddr is the run-time address. */
  uintptr_t bias = load_base - img->span_lo;
  for (size_t i = 0; i < img->n_segments; ++i) {
    int err = load_segment(bias, &img->segments[i], file);
    if (err != 0) {
      munmap(base, span);
      return err;
    }
  }
  *entry = bias + img->entry;
  return 0;
}
