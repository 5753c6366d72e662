/* The node tree and the tar loader: ustar headers, pax extended headers
 * (path, linkpath, size), GNU long names. Every field is bounds-checked
 * against the image: a malformed or truncated image is refused (-EINVAL)
 * without reading outside [img, img+len). */
#include "lx.h"

#define BLOCK 512u
#define ARENA_CHUNK (64u << 10)

/* Bump allocation for nodes and names, from 64 KiB xabi_alloc chunks. */
void *lx_arena(struct xabi_linux *lx, uint64_t n) {
  n = lx_round_up(n, 16);
  if (n > lx->arena_left) {
    uint64_t chunk = n > ARENA_CHUNK ? lx_round_up(n, XABI_PAGE) : ARENA_CHUNK;
    uint8_t *p = xabi_alloc(chunk);
    if (!p) return (void *)0;
    lx->arena = p;
    lx->arena_left = chunk;
  }
  void *r = lx->arena;
  lx->arena += n;
  lx->arena_left -= n;
  return r;
}

struct lx_node *lx_node_new(struct xabi_linux *lx, struct lx_node *parent, const char *name, uint32_t len,
                            uint32_t mode) {
  struct lx_node *n = lx->free_nodes;
  if (n)
    lx->free_nodes = n->next;
  else if (!(n = lx_arena(lx, sizeof *n)))
    return (void *)0;
  char *nm = lx_arena(lx, len + 1);
  if (!nm) return (void *)0;
  __builtin_memcpy(nm, name, len);
  nm[len] = 0;
  __builtin_memset(n, 0, sizeof *n);
  n->name = nm;
  n->namelen = len;
  n->mode = mode;
  n->nlink = (mode & LX_S_IFMT) == LX_S_IFDIR ? 2 : 1;
  n->ino = lx->next_ino++;
  n->uid = XABI_LINUX_UID;
  n->gid = XABI_LINUX_GID;
  n->parent = parent ? parent : n;
  if (parent) {
    n->next = parent->child;
    parent->child = n;
    if ((mode & LX_S_IFMT) == LX_S_IFDIR) parent->nlink++;
  }
  return n;
}

static struct lx_node *child_named(struct lx_node *dir, const char *name, uint32_t len) {
  for (struct lx_node *c = dir->child; c; c = c->next)
    if (c->namelen == len && __builtin_memcmp(c->name, name, len) == 0) return c;
  return (void *)0;
}

/* Octal field of at most n bytes (spaces/NULs end it); -1 when malformed. */
static int64_t octal(const uint8_t *f, uint32_t n) {
  uint32_t i = 0;
  while (i < n && f[i] == ' ') i++;
  int64_t v = 0;
  uint32_t digits = 0;
  for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
    if (v > (INT64_MAX >> 3)) return -1;
    v = v * 8 + (f[i] - '0');
  }
  for (; i < n; i++)
    if (f[i] != ' ' && f[i] != 0) return -1;
  return digits ? v : (n && f[0] == 0 ? 0 : -1);
}

static uint32_t field_len(const uint8_t *f, uint32_t n) {
  uint32_t i = 0;
  while (i < n && f[i]) i++;
  return i;
}

static int checksum_ok(const uint8_t *h) {
  int64_t want = octal(h + 148, 8);
  if (want < 0) return 0;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i];
  return (int64_t)sum == want;
}

/* Adds the node for a normalised path (components split on '/', '.' and
 * '..' dropped/climbing, never above the root), creating parent
 * directories. Returns the node (existing directories are reused). */
static struct lx_node *add_path(struct xabi_linux *lx, const char *p, uint32_t len, uint32_t mode) {
  struct lx_node *dir = lx->root;
  uint32_t i = 0;
  for (;;) {
    while (i < len && p[i] == '/') i++;
    uint32_t s = i;
    while (i < len && p[i] != '/') i++;
    uint32_t n = i - s;
    while (i < len && p[i] == '/') i++;
    int last = i >= len;
    if (n == 0) return last ? dir : dir; /* "" or trailing slash: the directory itself */
    if (n > LX_NAME_MAX) return (void *)0;
    const char *c = p + s;
    if (n == 1 && c[0] == '.') {
      if (last) return dir;
      continue;
    }
    if (n == 2 && c[0] == '.' && c[1] == '.') {
      dir = dir->parent;
      if (last) return dir;
      continue;
    }
    struct lx_node *e = child_named(dir, c, n);
    if (last) {
      if (e) {
        if ((e->mode & LX_S_IFMT) == LX_S_IFDIR && (mode & LX_S_IFMT) == LX_S_IFDIR) {
          e->mode = mode;
          return e;
        }
        return (void *)0; /* duplicate member: refused */
      }
      return lx_node_new(lx, dir, c, n, mode);
    }
    if (!e) e = lx_node_new(lx, dir, c, n, LX_S_IFDIR | 0755);
    if (!e || (e->mode & LX_S_IFMT) != LX_S_IFDIR) return (void *)0;
    dir = e;
  }
}

/* pax records "LEN key=value\n": picks path, linkpath and size. */
static int parse_pax(const uint8_t *d, uint64_t n, const uint8_t **path, uint32_t *path_len, const uint8_t **link,
                     uint32_t *link_len, int64_t *size) {
  uint64_t i = 0;
  while (i < n) {
    uint64_t rec = 0, j = i;
    while (j < n && d[j] >= '0' && d[j] <= '9') {
      rec = rec * 10 + (d[j] - '0');
      if (rec > n) return -1;
      j++;
    }
    if (j == i || j >= n || d[j] != ' ' || rec == 0 || rec > n - i || d[i + rec - 1] != '\n') return -1;
    const uint8_t *k = d + j + 1, *end = d + i + rec - 1;
    const uint8_t *eq = k;
    while (eq < end && *eq != '=') eq++;
    if (eq == end) return -1;
    uint64_t klen = (uint64_t)(eq - k), vlen = (uint64_t)(end - eq - 1);
    if (vlen > LX_PATH_MAX) vlen = LX_PATH_MAX + 1; /* refused as too long later */
    if (klen == 4 && __builtin_memcmp(k, "path", 4) == 0) {
      *path = eq + 1;
      *path_len = (uint32_t)vlen;
    } else if (klen == 8 && __builtin_memcmp(k, "linkpath", 8) == 0) {
      *link = eq + 1;
      *link_len = (uint32_t)vlen;
    } else if (klen == 4 && __builtin_memcmp(k, "size", 4) == 0) {
      int64_t v = 0;
      for (const uint8_t *q = eq + 1; q < end; q++) {
        if (*q < '0' || *q > '9' || v > (INT64_MAX - 9) / 10) return -1;
        v = v * 10 + (*q - '0');
      }
      *size = v;
    }
    i += rec;
  }
  return 0;
}

int lx_tar_load(struct xabi_linux *lx, const uint8_t *img, uint64_t len) {
  uint64_t off = 0;
  const uint8_t *long_path = (void *)0, *long_link = (void *)0;
  uint32_t long_path_len = 0, long_link_len = 0;
  int64_t pax_size = -1;
  char namebuf[LX_PATH_MAX + 2];
  while (off + BLOCK <= len) {
    const uint8_t *h = img + off;
    int zero = 1;
    for (uint32_t i = 0; i < BLOCK && zero; i++) zero = h[i] == 0;
    if (zero) return 0; /* end-of-archive marker */
    if (__builtin_memcmp(h + 257, "ustar", 5) != 0 || !checksum_ok(h)) return -LX_EINVAL;
    int64_t size = octal(h + 124, 12);
    if (size < 0) return -LX_EINVAL;
    if (pax_size >= 0) size = pax_size;
    uint64_t data = off + BLOCK;
    if ((uint64_t)size > len - data) return -LX_EINVAL; /* truncated */
    uint64_t next = data + lx_round_up((uint64_t)size, BLOCK);
    if (next > len) next = len; /* a final member without padding is tolerated */
    uint8_t type = h[156];
    if (type == 'x' || type == 'L' || type == 'K') {
      if (type == 'x') {
        if (parse_pax(img + data, (uint64_t)size, &long_path, &long_path_len, &long_link, &long_link_len,
                      &pax_size) < 0)
          return -LX_EINVAL;
      } else {
        uint32_t l = field_len(img + data, size > LX_PATH_MAX + 1 ? LX_PATH_MAX + 1 : (uint32_t)size);
        if (type == 'L') long_path = img + data, long_path_len = l;
        else long_link = img + data, long_link_len = l;
      }
      off = next;
      continue;
    }
    if (type == 'g') { /* global pax header: nothing we use */
      off = next;
      continue;
    }
    /* The member's path: pax/GNU long name, else prefix "/" name. */
    uint32_t plen;
    if (long_path) {
      if (long_path_len > LX_PATH_MAX) return -LX_EINVAL;
      __builtin_memcpy(namebuf, long_path, long_path_len);
      plen = long_path_len;
    } else {
      uint32_t pl = field_len(h + 345, 155), nl = field_len(h, 100);
      plen = 0;
      if (pl) {
        __builtin_memcpy(namebuf, h + 345, pl);
        namebuf[pl] = '/';
        plen = pl + 1;
      }
      __builtin_memcpy(namebuf + plen, h, nl);
      plen += nl;
    }
    int64_t mode = octal(h + 100, 8), uid = octal(h + 108, 8), gid = octal(h + 116, 8), mtime = octal(h + 136, 12);
    if (mode < 0 || uid < 0 || gid < 0 || mtime < 0) return -LX_EINVAL;
    const uint8_t *target = long_link ? long_link : h + 157;
    uint32_t tlen = long_link ? long_link_len : field_len(h + 157, 100);
    struct lx_node *n = (void *)0;
    uint32_t perm = (uint32_t)mode & 07777;
    if (type == '0' || type == 0 || type == '7') {
      n = add_path(lx, namebuf, plen, LX_S_IFREG | perm);
      if (n && (n->mode & LX_S_IFMT) == LX_S_IFREG) {
        n->ro_data = img + data;
        n->size = (uint64_t)size;
      } else {
        n = (void *)0;
      }
    } else if (type == '5') {
      n = add_path(lx, namebuf, plen, LX_S_IFDIR | perm);
      if (n && (n->mode & LX_S_IFMT) != LX_S_IFDIR) n = (void *)0;
    } else if (type == '2' || type == '1') {
      if (tlen == 0 || tlen > LX_PATH_MAX) return -LX_EINVAL;
      if (type == '2') {
        n = add_path(lx, namebuf, plen, LX_S_IFLNK | 0777);
        if (n && (n->mode & LX_S_IFMT) == LX_S_IFLNK) {
          n->ro_data = target;
          n->size = tlen;
        } else {
          n = (void *)0;
        }
      } else { /* hard link: a second node with the earlier member's bytes */
        char tbuf[LX_PATH_MAX + 1];
        __builtin_memcpy(tbuf, target, tlen);
        struct lx_node *t = lx->root;
        /* Look the target up as an archive path (no symlinks followed). */
        uint32_t i = 0;
        while (t && i < tlen) {
          while (i < tlen && tbuf[i] == '/') i++;
          uint32_t s = i;
          while (i < tlen && tbuf[i] != '/') i++;
          if (i > s) t = (i - s == 1 && tbuf[s] == '.') ? t : child_named(t, tbuf + s, i - s);
        }
        if (!t || (t->mode & LX_S_IFMT) != LX_S_IFREG) return -LX_EINVAL;
        n = add_path(lx, namebuf, plen, LX_S_IFREG | perm);
        if (n && (n->mode & LX_S_IFMT) == LX_S_IFREG) {
          n->ro_data = t->ro_data;
          n->size = t->size;
        } else {
          n = (void *)0;
        }
      }
    } else {
      /* devices, fifos and other types are skipped: the picoprocess has none */
      off = next;
      long_path = long_link = (void *)0;
      pax_size = -1;
      continue;
    }
    if (!n) return -LX_EINVAL; /* bad name, a clash with another member, or no memory */
    n->uid = (uint32_t)uid;
    n->gid = (uint32_t)gid;
    n->mtime = (uint64_t)mtime;
    long_path = long_link = (void *)0;
    pax_size = -1;
    off = next;
  }
  return off == len ? 0 : -LX_EINVAL; /* trailing bytes shorter than a header */
}
