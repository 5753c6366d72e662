/* A small thread-safe allocator on xabi_alloc.
 *
 * Blocks up to 16 KiB come from eleven power-of-two size classes, carved from
 * 64 KiB chunks and recycled through per-class free lists; larger blocks are
 * their own xabi_alloc region and go back with xabi_free. Every block has a
 * 16-byte header saying which, so free() needs no search. */
#include <xabi/runtime.h>
#include <xabi/string.h>

#include "xabi/xabi.h"

enum { kHeader = 16, kMinShift = 4, kClasses = 11, kChunk = 64 * 1024 };

struct header {
  uint64_t size;  /* usable bytes (class size, or the large block's size) */
  uint64_t large; /* 1: a region of its own */
};

struct free_block {
  struct free_block *next;
};

static struct free_block *free_lists[kClasses];
static xabi_sdk_mutex lock;

static int class_of(size_t size) {
  int c = 0;
  while (((size_t)1 << (c + kMinShift)) < size) ++c;
  return c;
}

static void *refill(int c) {
  size_t block = ((size_t)1 << (c + kMinShift)) + kHeader;
  uint8_t *chunk = xabi_alloc(kChunk);
  if (!chunk) return 0;
  /* Keep the first block for the caller, list the rest. */
  for (size_t off = block; off + block <= kChunk; off += block) {
    struct free_block *b = (struct free_block *)(chunk + off + kHeader);
    b->next = free_lists[c];
    free_lists[c] = b;
  }
  return chunk + kHeader;
}

void *xabi_sdk_malloc(size_t size) {
  if (size == 0) size = 1;
  if (size > ((size_t)1 << (kClasses - 1 + kMinShift))) {
    if (size > XABI_LIMIT_ALLOC - kHeader) return 0;
    uint64_t total = (size + kHeader + XABI_PAGE - 1) & ~(uint64_t)(XABI_PAGE - 1);
    uint8_t *p = xabi_alloc(total);
    if (!p) return 0;
    struct header *h = (struct header *)p;
    h->size = total - kHeader;
    h->large = 1;
    return p + kHeader;
  }
  int c = class_of(size);
  xabi_sdk_mutex_lock(&lock);
  void *user;
  if (free_lists[c]) {
    user = free_lists[c];
    free_lists[c] = free_lists[c]->next;
  } else {
    user = refill(c);
  }
  xabi_sdk_mutex_unlock(&lock);
  if (!user) return 0;
  struct header *h = (struct header *)((uint8_t *)user - kHeader);
  h->size = (size_t)1 << (c + kMinShift);
  h->large = 0;
  return user;
}

void xabi_sdk_free(void *p) {
  if (!p) return;
  struct header *h = (struct header *)((uint8_t *)p - kHeader);
  if (h->large) {
    (void)xabi_free(h, h->size + kHeader);
    return;
  }
  int c = class_of(h->size);
  xabi_sdk_mutex_lock(&lock);
  struct free_block *b = p;
  b->next = free_lists[c];
  free_lists[c] = b;
  xabi_sdk_mutex_unlock(&lock);
}

void *xabi_sdk_calloc(size_t n, size_t size) {
  if (size && n > (size_t)-1 / size) return 0;
  void *p = xabi_sdk_malloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void *xabi_sdk_realloc(void *p, size_t size) {
  if (!p) return xabi_sdk_malloc(size);
  struct header *h = (struct header *)((uint8_t *)p - kHeader);
  if (size <= h->size) return p;
  void *q = xabi_sdk_malloc(size);
  if (!q) return 0;
  memcpy(q, p, h->size);
  xabi_sdk_free(p);
  return q;
}
