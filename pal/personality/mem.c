/* brk, mmap, munmap, mremap, mprotect, madvise on xabi_alloc/xabi_free.
 *
 * The host chooses every address, so: brk lives in a region reserved at init;
 * mmap without MAP_FIXED takes a fresh xabi_alloc region; MAP_FIXED is
 * honoured only over pages this personality already mapped (it zeroes or
 * refills them). lx->maps lists the mapped page ranges, sorted, disjoint. */
#include "lx.h"

#define PAGE XABI_PAGE
#define LX_PROT_MASK 0xfu /* READ|WRITE|EXEC|SEM */
#define LX_MAP_SHARED 0x01
#define LX_MAP_PRIVATE 0x02
#define LX_MAP_SHARED_VALIDATE 0x03
#define LX_MAP_TYPE 0x0f
#define LX_MAP_FIXED 0x10
#define LX_MAP_ANONYMOUS 0x20
#define LX_MAP_FIXED_NOREPLACE 0x100000
#define LX_PROT_WRITE 0x2
#define LX_MREMAP_MAYMOVE 1
#define LX_MREMAP_FIXED 2

int lx_mem_init(struct xabi_linux *lx, uint64_t brk_size) {
  if (brk_size == 0) brk_size = 8u << 20;
  brk_size = lx_round_up(brk_size, PAGE);
  void *b = xabi_alloc(brk_size);
  if (!b) return -LX_ENOMEM;
  lx->brk_base = lx->brk_cur = (uint64_t)(uintptr_t)b;
  lx->brk_limit = lx->brk_base + brk_size;
  return 0;
}

static long do_brk(struct xabi_linux *lx, uint64_t want) {
  if (want < lx->brk_base || want > lx->brk_limit) return (long)lx->brk_cur;
  /* Pages given back and taken again must read as zero, as Linux's do. */
  if (want < lx->brk_cur) __builtin_memset((void *)(uintptr_t)want, 0, lx->brk_cur - want);
  lx->brk_cur = want;
  return (long)want;
}

/* Is [a, b) wholly inside mapped regions? */
static int covered(const struct xabi_linux *lx, uint64_t a, uint64_t b) {
  for (uint32_t i = 0; i < lx->n_maps && a < b; i++) {
    const struct lx_map *m = &lx->maps[i];
    if (m->end <= a) continue;
    if (m->start > a) return 0;
    a = m->end;
  }
  return a >= b;
}

static int overlaps(const struct xabi_linux *lx, uint64_t a, uint64_t b) {
  for (uint32_t i = 0; i < lx->n_maps; i++)
    if (lx->maps[i].start < b && a < lx->maps[i].end) return 1;
  return 0;
}

/* Records [a, b), merging with neighbours; -ENOMEM when the table is full. */
static int map_insert(struct xabi_linux *lx, uint64_t a, uint64_t b) {
  uint32_t i = 0;
  while (i < lx->n_maps && lx->maps[i].start < a) i++;
  int join_prev = i > 0 && lx->maps[i - 1].end == a;
  int join_next = i < lx->n_maps && lx->maps[i].start == b;
  if (join_prev && join_next) {
    lx->maps[i - 1].end = lx->maps[i].end;
    for (uint32_t j = i; j + 1 < lx->n_maps; j++) lx->maps[j] = lx->maps[j + 1];
    lx->n_maps--;
  } else if (join_prev) {
    lx->maps[i - 1].end = b;
  } else if (join_next) {
    lx->maps[i].start = a;
  } else {
    if (lx->n_maps == XABI_LINUX_MAX_MAPS) return -LX_ENOMEM;
    for (uint32_t j = lx->n_maps; j > i; j--) lx->maps[j] = lx->maps[j - 1];
    lx->maps[i].start = a;
    lx->maps[i].end = b;
    lx->n_maps++;
  }
  return 0;
}

/* Frees and forgets the mapped pages of [a, b). -ENOMEM when a split would
 * overflow the table (then nothing changed). */
static int map_remove(struct xabi_linux *lx, uint64_t a, uint64_t b) {
  for (uint32_t i = 0; i < lx->n_maps; i++) {
    struct lx_map *m = &lx->maps[i];
    if (m->end <= a || m->start >= b) continue;
    if (m->start < a && m->end > b && lx->n_maps == XABI_LINUX_MAX_MAPS) return -LX_ENOMEM;
  }
  for (uint32_t i = 0; i < lx->n_maps;) {
    struct lx_map *m = &lx->maps[i];
    if (m->end <= a || m->start >= b) {
      i++;
      continue;
    }
    uint64_t lo = m->start > a ? m->start : a, hi = m->end < b ? m->end : b;
    (void)xabi_free((void *)(uintptr_t)lo, hi - lo);
    if (m->start < lo && m->end > hi) { /* split */
      for (uint32_t j = lx->n_maps; j > i + 1; j--) lx->maps[j] = lx->maps[j - 1];
      lx->maps[i + 1].start = hi;
      lx->maps[i + 1].end = m->end;
      m->end = lo;
      lx->n_maps++;
      return 0;
    }
    if (m->start < lo) {
      m->end = lo;
      i++;
    } else if (m->end > hi) {
      m->start = hi;
      i++;
    } else {
      for (uint32_t j = i; j + 1 < lx->n_maps; j++) lx->maps[j] = lx->maps[j + 1];
      lx->n_maps--;
    }
  }
  return 0;
}

static long do_mmap(struct xabi_linux *lx, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, long fd,
                    uint64_t off) {
  uint32_t type = flags & LX_MAP_TYPE;
  if (len == 0 || (off & (PAGE - 1)) || (prot & ~LX_PROT_MASK)) return -LX_EINVAL;
  if (type != LX_MAP_PRIVATE && type != LX_MAP_SHARED && type != LX_MAP_SHARED_VALIDATE) return -LX_EINVAL;
  if (len > XABI_LIMIT_ALLOC) return -LX_ENOMEM;
  uint64_t size = lx_round_up(len, PAGE);
  int anon = (flags & LX_MAP_ANONYMOUS) != 0;
  int shared_write = type != LX_MAP_PRIVATE && (prot & LX_PROT_WRITE);
  int fixed = (flags & (LX_MAP_FIXED | LX_MAP_FIXED_NOREPLACE)) != 0;
  void *dst;
  if (fixed) {
    if (addr & (PAGE - 1)) return -LX_EINVAL;
    if (addr + size < addr || addr + size > XABI_ADDR_LIMIT) return -LX_ENOMEM;
    if ((flags & LX_MAP_FIXED_NOREPLACE) && !(flags & LX_MAP_FIXED) && overlaps(lx, addr, addr + size))
      return -LX_EEXIST;
    if (!covered(lx, addr, addr + size)) return -LX_ENOMEM; /* the host places memory, not us */
    dst = (void *)(uintptr_t)addr;
    if (anon) {
      if (shared_write && type == LX_MAP_SHARED_VALIDATE) return -LX_EINVAL;
      __builtin_memset(dst, 0, size);
      return (long)addr;
    }
    __builtin_memset(dst, 0, size);
    long r = lx_fs_map_copy(lx, (int)fd, off, dst, len, shared_write);
    return r < 0 ? r : (long)addr;
  }
  if (!anon) {
    /* Check the fd before taking memory. */
    long r = lx_fs_map_copy(lx, (int)fd, off, (void *)0, 0, shared_write);
    if (r < 0) return r;
  }
  dst = xabi_alloc(size);
  if (!dst) return -LX_ENOMEM;
  if (map_insert(lx, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)dst + size) < 0) {
    (void)xabi_free(dst, size);
    return -LX_ENOMEM;
  }
  if (!anon) {
    long r = lx_fs_map_copy(lx, (int)fd, off, dst, len, shared_write);
    if (r < 0) {
      (void)map_remove(lx, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)dst + size);
      return r;
    }
  }
  return (long)(uintptr_t)dst;
}

static long do_munmap(struct xabi_linux *lx, uint64_t addr, uint64_t len) {
  if ((addr & (PAGE - 1)) || len == 0) return -LX_EINVAL;
  uint64_t size = lx_round_up(len, PAGE);
  if (addr + size < addr || addr + size > XABI_ADDR_LIMIT) return -LX_EINVAL;
  return map_remove(lx, addr, addr + size);
}

static long do_mremap(struct xabi_linux *lx, uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags) {
  if ((old & (PAGE - 1)) || (flags & ~(uint64_t)(LX_MREMAP_MAYMOVE))) return -LX_EINVAL;
  if (new_len == 0) return -LX_EINVAL;
  uint64_t os = lx_round_up(old_len, PAGE), ns = lx_round_up(new_len, PAGE);
  if (os == 0 || old + os < old || !covered(lx, old, old + os)) return -LX_EFAULT;
  if (ns == os) return (long)old;
  if (ns < os) {
    long r = map_remove(lx, old + ns, old + os);
    return r < 0 ? r : (long)old;
  }
  if (!(flags & LX_MREMAP_MAYMOVE)) return -LX_ENOMEM; /* cannot grow in place: the host places */
  if (ns > XABI_LIMIT_ALLOC) return -LX_ENOMEM;
  void *n = xabi_alloc(ns);
  if (!n) return -LX_ENOMEM;
  if (map_insert(lx, (uint64_t)(uintptr_t)n, (uint64_t)(uintptr_t)n + ns) < 0) {
    (void)xabi_free(n, ns);
    return -LX_ENOMEM;
  }
  __builtin_memcpy(n, (const void *)(uintptr_t)old, os);
  (void)map_remove(lx, old, old + os);
  return (long)(uintptr_t)n;
}

long lx_mem_syscall(struct xabi_linux *lx, long nr, long a1, long a2, long a3, long a4, long a5, long a6,
                    int *handled) {
  long r;
  *handled = 1;
  lx_lock(lx);
  switch (nr) {
    case 12: r = do_brk(lx, (uint64_t)a1); break;
    case 9: r = do_mmap(lx, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, (uint64_t)a4, a5, (uint64_t)a6); break;
    case 11: r = do_munmap(lx, (uint64_t)a1, (uint64_t)a2); break;
    case 25: r = do_mremap(lx, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, (uint64_t)a4); break;
    case 10: /* mprotect: accepted, not enforced (documented) */
      r = ((uint64_t)a1 & (PAGE - 1)) || ((uint64_t)a3 & ~(uint64_t)(LX_PROT_MASK | 0x03000000u)) ? -LX_EINVAL : 0;
      break;
    case 28: r = ((uint64_t)a1 & (PAGE - 1)) ? -LX_EINVAL : 0; break; /* madvise */
    default: *handled = 0; r = -LX_ENOSYS; break;
  }
  lx_unlock(lx);
  return r;
}
