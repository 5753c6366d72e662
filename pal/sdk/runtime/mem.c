/* memcpy, memmove, memset, memcmp for freestanding guests.
 *
 * Usage: never called by name in most code; the compiler emits calls to
 * these for struct copies and large initialisers. The copies use
 * `rep movsb`/`rep stosb`, which are fast on current x86-64 and cannot be
 * turned back into a call to themselves by the optimiser. */
#include <stdint.h>
#include <xabi/string.h>

/* Forward byte copy; also correct for overlaps with dst below src. */
static void copy_forward(void *dst, const void *src, size_t n) {
  __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

void *memcpy(void *__restrict dst, const void *__restrict src, size_t n) {
  copy_forward(dst, src, n);
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  if ((uintptr_t)dst - (uintptr_t)src >= n) { /* dst below src or disjoint */
    copy_forward(dst, src, n);
    return dst;
  }
  /* dst overlaps the tail of src: copy backwards, last byte first. */
  unsigned char *d = (unsigned char *)dst + n - 1;
  const unsigned char *s = (const unsigned char *)src + n - 1;
  __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  void *d = dst;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i])
      return x[i] < y[i] ? -1 : 1;
  return 0;
}
