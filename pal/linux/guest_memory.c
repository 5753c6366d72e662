/* The Linux PAL's map of guest memory; see guest_memory.h. */
#include "guest_memory.h"

#include "xabi/pal_stubs.h"

#define PAGE_SIZE_BYTES XABI_PAGE

#if defined(XABI_PAL_MUTANTS)
/* xabi-bootstrap-mutant only (docs/mutants.md): set from its "mutant=NAME" argument. */
int xabi_pal_mutant_fault_unchecked;
#define FAULT_UNCHECKED xabi_pal_mutant_fault_unchecked
#else
#define FAULT_UNCHECKED 0
#endif

static struct xabi_pal_static_area g_areas[XABI_PAL_MAX_STATIC_AREAS];
static unsigned g_n_areas;
static uint64_t g_arena_base, g_arena_pages;
static uint64_t *g_bitmap;

int xabi_pal_linux_memory_init(uint64_t arena_base, uint64_t arena_size, uint64_t *bitmap,
                               const struct xabi_pal_static_area *areas, unsigned n) {
  if (n > XABI_PAL_MAX_STATIC_AREAS)
    return -1;
  for (unsigned i = 0; i < n; ++i)
    g_areas[i] = areas[i];
  g_n_areas = n;
  g_arena_base = arena_base;
  g_arena_pages = arena_size / PAGE_SIZE_BYTES;
  g_bitmap = bitmap;
  return 0;
}

static int page_allocated(uint64_t page) {
  return (__atomic_load_n(&g_bitmap[page / 64], __ATOMIC_ACQUIRE) >> (page % 64)) & 1u;
}

/* Sets or clears the bits of whole pages [first, first + count). */
static void mark(uint64_t first, uint64_t count, int allocated) {
  for (uint64_t p = first; p < first + count; ++p) {
    const uint64_t bit = 1ull << (p % 64);
    if (allocated)
      __atomic_fetch_or(&g_bitmap[p / 64], bit, __ATOMIC_RELEASE);
    else
      __atomic_fetch_and(&g_bitmap[p / 64], ~bit, __ATOMIC_RELEASE);
  }
}

/* The arena pages of [base, base + len), when all of them are in the arena. */
static int arena_pages(uint64_t base, uint64_t len, uint64_t *first, uint64_t *count) {
  if (len == 0 || base < g_arena_base || base % PAGE_SIZE_BYTES != 0 || len % PAGE_SIZE_BYTES != 0)
    return 0;
  const uint64_t f = (base - g_arena_base) / PAGE_SIZE_BYTES, c = len / PAGE_SIZE_BYTES;
  if (f > g_arena_pages || c > g_arena_pages - f)
    return 0;
  *first = f;
  *count = c;
  return 1;
}

void *xabi_pal_linux_alloc(uint64_t len) {
  void *r = xabi_pal_host_alloc(len);
  uint64_t first, count;
  if (r != 0 && len <= XABI_LIMIT_ALLOC &&
      arena_pages((uint64_t)(uintptr_t)r, (len + PAGE_SIZE_BYTES - 1) / PAGE_SIZE_BYTES * PAGE_SIZE_BYTES,
                  &first, &count))
    mark(first, count, 1);
  return r;
}

int64_t xabi_pal_linux_free(void *base, uint64_t len) {
  const int64_t r = xabi_pal_host_free(base, len);
  uint64_t first, count;
  if (r == 0 && arena_pages((uint64_t)(uintptr_t)base, len, &first, &count))
    mark(first, count, 0);
  return r;
}

/* How many bytes from addr on (at most want) are guest memory of the right
 * kind, in the one area or arena page run that contains addr; 0 if none does. */
static uint64_t accessible_run(uint64_t addr, uint64_t want, int write) {
  for (unsigned i = 0; i < g_n_areas; ++i)
    if (addr >= g_areas[i].lo && addr < g_areas[i].hi) {
      if (write && !g_areas[i].writable)
        return 0;
      const uint64_t room = g_areas[i].hi - addr;
      return room < want ? room : want;
    }
  if (addr < g_arena_base || (addr - g_arena_base) / PAGE_SIZE_BYTES >= g_arena_pages)
    return 0;
  uint64_t page = (addr - g_arena_base) / PAGE_SIZE_BYTES, got = 0;
  uint64_t off = (addr - g_arena_base) % PAGE_SIZE_BYTES;
  while (got < want && page < g_arena_pages && page_allocated(page)) {
    got += PAGE_SIZE_BYTES - off;
    off = 0;
    ++page;
  }
  return got < want ? got : want;
}

int xabi_pal_accessible(const void *p, uint64_t len, int write) {
  if (FAULT_UNCHECKED)
    return 1;
  uint64_t addr = (uint64_t)(uintptr_t)p;
  if (len == 0 || addr < PAGE_SIZE_BYTES || addr > XABI_ADDR_LIMIT || len > XABI_ADDR_LIMIT - addr)
    return 0;
  while (len > 0) {
    const uint64_t n = accessible_run(addr, len, write);
    if (n == 0)
      return 0;
    addr += n;
    len -= n;
  }
  return 1;
}

int xabi_pal_string_accessible(const char *s, uint64_t max) {
  if (FAULT_UNCHECKED)
    return 1;
  uint64_t addr = (uint64_t)(uintptr_t)s;
  for (uint64_t done = 0; done < max;) {
    /* The rest of this page, checked before a byte of it is read. */
    uint64_t chunk = PAGE_SIZE_BYTES - (addr + done) % PAGE_SIZE_BYTES;
    if (chunk > max - done)
      chunk = max - done;
    if (!xabi_pal_accessible((const void *)(uintptr_t)(addr + done), chunk, 0))
      return 0;
    for (uint64_t i = 0; i < chunk; ++i)
      if (s[done + i] == '\0')
        return 1;
    done += chunk;
  }
  return 1;
}
