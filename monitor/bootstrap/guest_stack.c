/* The guest's stack; see guest_stack.h. */
#include "guest_stack.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "elf_image.h"

int guest_stack_alloc(size_t size, void **top) {
  const size_t guard = ELF_IMAGE_PAGE_SIZE;
  /* Reserve guard + stack inaccessible, then open up everything above the guard. */
  unsigned char *base = mmap(NULL, guard + size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED)
    return -errno;
  if (mprotect(base + guard, size, PROT_READ | PROT_WRITE) != 0) {
    int err = -errno;
    munmap(base, guard + size);
    return err;
  }
  *top = base + guard + size;
  return 0;
}
