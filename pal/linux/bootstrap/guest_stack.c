/* The initial thread's stack; see guest_stack.h. */
#include "guest_stack.h"

#include <errno.h>
#include <sys/mman.h>

#include "elf_image.h"

int guest_stack_map(uintptr_t at, size_t size, void **top) {
  const size_t guard = ELF_IMAGE_PAGE_SIZE;
  /* Reserve guard + stack inaccessible, then open up everything above the guard. */
  unsigned char *base = mmap((void *)at, guard + size, PROT_NONE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (base == MAP_FAILED)
    return -errno;
  if ((uintptr_t)base != at || mprotect(base + guard, size, PROT_READ | PROT_WRITE) != 0) {
    int err = (uintptr_t)base != at ? -EEXIST : -errno;
    munmap(base, guard + size);
    return err;
  }
  *top = base + guard + size;
  return 0;
}
