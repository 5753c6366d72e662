/* Paths, file descriptors and the file calls over the node tree: the tar
 * image (read-only) and the RAM disk (nodes with rw set, under /tmp).
 * Channels (fds 0-2 at start) are channel.c's. */
#include "lx.h"

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define DT_CHR 2

static uint64_t lx_strnlen(const char *s, uint64_t max) {
  uint64_t n = 0;
  while (n < max && s[n]) n++;
  return n;
}

static int is_dir(const struct lx_node *n) { return (n->mode & LX_S_IFMT) == LX_S_IFDIR; }
static int is_reg(const struct lx_node *n) { return (n->mode & LX_S_IFMT) == LX_S_IFREG; }
static int is_lnk(const struct lx_node *n) { return (n->mode & LX_S_IFMT) == LX_S_IFLNK; }

static struct lx_node *child_named(struct lx_node *dir, const char *name, uint32_t len) {
  for (struct lx_node *c = dir->child; c; c = c->next)
    if (c->namelen == len && __builtin_memcmp(c->name, name, len) == 0) return c;
  return (void *)0;
}

/* The result of resolving a path: the node (NULL when only the last
 * component is missing) and the directory that holds (or would hold) it. */
struct walk {
  struct lx_node *node, *parent;
  const char *last;
  uint32_t last_len;
  int trailing_slash;
};

static int walk(struct xabi_linux *lx, struct lx_node *dir, const char *p, uint64_t len, int follow_last, int depth,
                struct walk *w) {
  if (len && p[0] == '/') dir = lx->root;
  uint64_t i = 0;
  w->node = dir;
  w->parent = dir->parent;
  w->last = "";
  w->last_len = 0;
  w->trailing_slash = len > 0 && p[len - 1] == '/';
  for (;;) {
    while (i < len && p[i] == '/') i++;
    if (i >= len) return 0; /* "/" or trailing slashes: w->node is the directory */
    uint64_t s = i;
    while (i < len && p[i] != '/') i++;
    uint64_t n = i - s;
    uint64_t j = i;
    while (j < len && p[j] == '/') j++;
    int last = j >= len;
    int slash_after = i < len;
    if (n > LX_NAME_MAX) return -LX_ENAMETOOLONG;
    if (!is_dir(dir)) return -LX_ENOTDIR;
    const char *c = p + s;
    struct lx_node *e;
    if (n == 1 && c[0] == '.') e = dir;
    else if (n == 2 && c[0] == '.' && c[1] == '.') e = dir->parent; /* the root's parent is the root */
    else e = child_named(dir, c, (uint32_t)n);
    if (!e) {
      if (!last) return -LX_ENOENT;
      w->node = (void *)0;
      w->parent = dir;
      w->last = c;
      w->last_len = (uint32_t)n;
      return 0;
    }
    if (is_lnk(e) && (!last || follow_last || slash_after)) {
      if (depth >= LX_SYMLOOP_MAX) return -LX_ELOOP;
      struct walk t;
      int r = walk(lx, dir, (const char *)e->ro_data, e->size, 1, depth + 1, &t);
      if (r < 0) return r;
      if (!last) {
        if (!t.node) return -LX_ENOENT;
        dir = t.node;
        continue;
      }
      t.trailing_slash = slash_after;
      *w = t;
      return 0;
    }
    if (last) {
      w->node = e;
      w->parent = dir;
      w->last = c;
      w->last_len = (uint32_t)n;
      return 0;
    }
    dir = e;
  }
}

static struct lx_file *fd_file(struct xabi_linux *lx, long fd) {
  if (fd < 0 || fd >= XABI_LINUX_MAX_FDS) return (void *)0;
  return lx->fds[fd].file;
}

/* The directory a *at call starts from: AT_FDCWD, or an fd on a directory. */
static int start_dir(struct xabi_linux *lx, long dirfd, const char *path, struct lx_node **out) {
  if (path[0] == '/' || (int)dirfd == LX_AT_FDCWD) {
    *out = lx->cwd;
    return 0;
  }
  struct lx_file *f = fd_file(lx, dirfd);
  if (!f) return -LX_EBADF;
  if (f->kind != LX_FILE_NODE || !is_dir(f->node)) return -LX_ENOTDIR;
  *out = f->node;
  return 0;
}

/* Resolves a user path relative to dirfd. */
static int resolve(struct xabi_linux *lx, long dirfd, const char *path, int follow, struct walk *w) {
  if (!path) return -LX_EFAULT;
  uint64_t len = lx_strnlen(path, LX_PATH_MAX);
  if (len >= LX_PATH_MAX) return -LX_ENAMETOOLONG;
  if (len == 0) return -LX_ENOENT;
  struct lx_node *d;
  int r = start_dir(lx, dirfd, path, &d);
  if (r < 0) return r;
  r = walk(lx, d, path, len, follow, 0, w);
  if (r < 0) return r;
  if (w->node && w->trailing_slash && !is_dir(w->node)) return -LX_ENOTDIR;
  return 0;
}

static int fd_alloc(struct xabi_linux *lx, int lowest) {
  for (int i = lowest; i < XABI_LINUX_MAX_FDS; i++)
    if (!lx->fds[i].file) return i;
  return -LX_EMFILE;
}

static struct lx_file *file_alloc(struct xabi_linux *lx) {
  for (int i = 0; i < XABI_LINUX_MAX_FILES; i++)
    if (lx->files[i].kind == LX_FILE_FREE) {
      __builtin_memset(&lx->files[i], 0, sizeof lx->files[i]);
      lx->files[i].refs = 1;
      return &lx->files[i];
    }
  return (void *)0;
}

static void node_release(struct xabi_linux *lx, struct lx_node *n) {
  if (!n->unlinked || n->opens) return;
  if (n->rw_data) (void)xabi_free(n->rw_data, n->cap);
  n->rw_data = (void *)0;
  n->next = lx->free_nodes;
  lx->free_nodes = n;
}

static void file_put(struct xabi_linux *lx, struct lx_file *f) {
  if (--f->refs) return;
  if (f->kind == LX_FILE_CHANNEL) (void)xabi_close(f->channel);
  if (f->kind == LX_FILE_NODE) {
    f->node->opens--;
    node_release(lx, f->node);
  }
  f->kind = LX_FILE_FREE;
}

static long fd_close(struct xabi_linux *lx, long fd) {
  struct lx_file *f = fd_file(lx, fd);
  if (!f) return -LX_EBADF;
  lx->fds[fd].file = (void *)0;
  file_put(lx, f);
  return 0;
}

int lx_fd_install_channel(struct xabi_linux *lx, int fd, int32_t channel) {
  /* One channel behind two fds (1 and 2 on the console) is one open file,
   * as after dup2: closing one fd must not close the other's channel. */
  for (int i = 0; i < XABI_LINUX_MAX_FDS; i++) {
    struct lx_file *g = lx->fds[i].file;
    if (i != fd && g && g->kind == LX_FILE_CHANNEL && g->channel == channel) {
      g->refs++;
      lx->fds[fd].file = g;
      lx->fds[fd].cloexec = 0;
      return 0;
    }
  }
  struct lx_file *f = file_alloc(lx);
  if (!f) return -LX_ENFILE;
  f->kind = LX_FILE_CHANNEL;
  f->channel = channel;
  f->flags = LX_O_RDWR;
  lx->fds[fd].file = f;
  lx->fds[fd].cloexec = 0;
  return 0;
}

/* ---- RAM-disk data */

static int reserve(struct lx_node *n, uint64_t need) {
  if (need <= n->cap) return 0;
  if (need > XABI_LIMIT_ALLOC) return -LX_EFBIG;
  uint64_t cap = n->cap ? n->cap * 2 : XABI_PAGE;
  while (cap < need) cap *= 2;
  if (cap > XABI_LIMIT_ALLOC) cap = XABI_LIMIT_ALLOC;
  uint8_t *d = xabi_alloc(cap);
  if (!d) return -LX_ENOSPC;
  if (n->rw_data) {
    __builtin_memcpy(d, n->rw_data, n->size);
    (void)xabi_free(n->rw_data, n->cap);
  }
  n->rw_data = d;
  n->cap = cap;
  return 0;
}

static int set_size(struct lx_node *n, uint64_t size) {
  if (size > n->size) {
    int r = reserve(n, size);
    if (r < 0) return r;
  } else if (n->rw_data) {
    __builtin_memset(n->rw_data + size, 0, n->size - size); /* growing again reads zeros */
  }
  n->size = size;
  return 0;
}

static const uint8_t *node_data(const struct lx_node *n) { return n->rw_data ? n->rw_data : n->ro_data; }

static long node_read(struct lx_node *n, void *buf, uint64_t len, uint64_t off) {
  if (is_dir(n)) return -LX_EISDIR;
  if (off >= n->size) return 0;
  if (len > n->size - off) len = n->size - off;
  __builtin_memcpy(buf, node_data(n) + off, len);
  return (long)len;
}

static long node_write(struct lx_node *n, const void *buf, uint64_t len, uint64_t off) {
  if (len == 0) return 0;
  if (off + len < off) return -LX_EFBIG;
  if (off + len > n->size) {
    int r = reserve(n, off + len);
    if (r < 0) return r;
    n->size = off + len;
  }
  __builtin_memcpy(n->rw_data + off, buf, len);
  return (long)len;
}

/* ---- poll: files are always ready; a channel asks the host (channel.c) */

short lx_fd_poll(struct xabi_linux *lx, int fd, short events) {
  lx_lock(lx);
  struct lx_file *f = fd_file(lx, fd);
  short re;
  if (!f) re = LX_POLLNVAL;
  else if (f->kind != LX_FILE_CHANNEL) re = (short)(events & (LX_POLLIN | LX_POLLOUT | LX_POLLRDNORM | LX_POLLWRNORM));
  else re = lx_chan_poll(f->channel, events);
  lx_unlock(lx);
  return re;
}

/* ---- stat */

static void fill_stat(const struct lx_file *f, const struct lx_node *n, struct lx_stat *st) {
  __builtin_memset(st, 0, sizeof *st);
  st->st_blksize = 4096;
  if (!n) { /* a channel: a character device */
    st->st_dev = 3;
    st->st_ino = (uint64_t)f->channel + 1;
    st->st_nlink = 1;
    st->st_mode = LX_S_IFCHR | 0620;
    st->st_uid = XABI_LINUX_UID;
    st->st_gid = XABI_LINUX_GID;
    st->st_rdev = 0x501; /* char 5:1, /dev/console */
    return;
  }
  st->st_dev = n->rw ? 2 : 1;
  st->st_ino = n->ino;
  st->st_nlink = n->nlink;
  st->st_mode = n->mode;
  st->st_uid = n->uid;
  st->st_gid = n->gid;
  st->st_size = (int64_t)n->size;
  /* 512-byte units, as a file system of st_blksize blocks allocates them (what
   * ls -s, ls -l's "total" and du show natively on ext4); a RAM-disk file
   * holds its capacity. */
  st->st_blocks = (int64_t)((n->rw ? n->cap : lx_round_up(n->size, 4096)) / 512);
  st->st_atime_sec = st->st_mtime_sec = st->st_ctime_sec = (int64_t)n->mtime;
}

static void fill_statx(const struct lx_stat *st, struct lx_statx *sx) {
  __builtin_memset(sx, 0, sizeof *sx);
  sx->stx_mask = LX_STATX_BASIC_STATS;
  sx->stx_blksize = (uint32_t)st->st_blksize;
  sx->stx_nlink = (uint32_t)st->st_nlink;
  sx->stx_uid = st->st_uid;
  sx->stx_gid = st->st_gid;
  sx->stx_mode = (uint16_t)st->st_mode;
  sx->stx_ino = st->st_ino;
  sx->stx_size = (uint64_t)st->st_size;
  sx->stx_blocks = (uint64_t)st->st_blocks;
  sx->stx_atime.tv_sec = st->st_atime_sec;
  sx->stx_mtime.tv_sec = st->st_mtime_sec;
  sx->stx_ctime.tv_sec = st->st_ctime_sec;
  sx->stx_rdev_major = (uint32_t)(st->st_rdev >> 8);
  sx->stx_rdev_minor = (uint32_t)(st->st_rdev & 0xff);
  sx->stx_dev_major = 0;
  sx->stx_dev_minor = (uint32_t)st->st_dev;
}

/* stat of a path or (AT_EMPTY_PATH) of dirfd itself. */
static long stat_at(struct xabi_linux *lx, long dirfd, const char *path, long flags, struct lx_stat *st) {
  if (flags & ~(long)(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */ | 0x6000))
    return -LX_EINVAL;
  if (!st) return -LX_EFAULT;
  if ((flags & LX_AT_EMPTY_PATH) && path && path[0] == 0) {
    struct lx_node *n = (void *)0;
    struct lx_file *f = (void *)0;
    if ((int)dirfd == LX_AT_FDCWD) {
      n = lx->cwd;
    } else {
      f = fd_file(lx, dirfd);
      if (!f) return -LX_EBADF;
      n = f->kind == LX_FILE_NODE ? f->node : (void *)0;
    }
    fill_stat(f, n, st);
    return 0;
  }
  struct walk w;
  int r = resolve(lx, dirfd, path, !(flags & LX_AT_SYMLINK_NOFOLLOW), &w);
  if (r < 0) return r;
  if (!w.node) return -LX_ENOENT;
  fill_stat((void *)0, w.node, st);
  return 0;
}

/* ---- open */

static long do_openat(struct xabi_linux *lx, long dirfd, const char *path, long flags, long mode) {
  if ((flags & LX_O_TMPFILE_BIT)) return -LX_EOPNOTSUPP;
  int acc = (int)(flags & LX_O_ACCMODE);
  if (acc == 3) return -LX_EINVAL;
  int writing = acc != 0 && !(flags & LX_O_PATH);
  struct walk w;
  int r = resolve(lx, dirfd, path, !(flags & LX_O_NOFOLLOW) && !((flags & LX_O_CREAT) && (flags & LX_O_EXCL)), &w);
  if (r < 0) return r;
  struct lx_node *n = w.node;
  if (n && (flags & LX_O_CREAT) && (flags & LX_O_EXCL)) return -LX_EEXIST;
  if (!n) {
    if (!(flags & LX_O_CREAT)) return -LX_ENOENT;
    if (w.trailing_slash) return -LX_EISDIR;
    if (!w.parent->rw) return -LX_EROFS;
    n = lx_node_new(lx, w.parent, w.last, w.last_len, LX_S_IFREG | ((uint32_t)mode & 07777 & ~(uint32_t)lx->umask));
    if (!n) return -LX_ENOSPC;
    n->rw = 1;
  } else {
    if (is_lnk(n) && !(flags & LX_O_PATH)) return -LX_ELOOP; /* O_NOFOLLOW on a link */
    if ((flags & LX_O_DIRECTORY) && !is_dir(n)) return -LX_ENOTDIR;
    if (is_dir(n) && (writing || (flags & LX_O_CREAT))) return -LX_EISDIR;
    if (writing && !n->rw) return -LX_EROFS;
    if ((flags & LX_O_TRUNC) && writing && is_reg(n)) {
      r = set_size(n, 0);
      if (r < 0) return r;
    }
  }
  int fd = fd_alloc(lx, 0);
  if (fd < 0) return fd;
  struct lx_file *f = file_alloc(lx);
  if (!f) return -LX_ENFILE;
  f->kind = LX_FILE_NODE;
  f->node = n;
  f->flags = (int)(flags & (LX_O_ACCMODE | LX_O_APPEND | LX_O_NONBLOCK | LX_O_PATH | LX_O_DIRECTORY));
  n->opens++;
  lx->fds[fd].file = f;
  lx->fds[fd].cloexec = (flags & LX_O_CLOEXEC) != 0;
  return fd;
}

/* ---- directories */

static long do_getdents64(struct lx_file *f, uint8_t *buf, uint64_t len) {
  if (f->kind != LX_FILE_NODE || !is_dir(f->node)) return -LX_ENOTDIR;
  if (!buf) return -LX_EFAULT;
  struct lx_node *d = f->node;
  uint64_t pos = 0, idx = 0;
  struct lx_node *c = d->child;
  for (;; idx++) {
    const char *name;
    uint32_t nl;
    uint64_t ino;
    uint8_t type;
    if (idx == 0) {
      name = ".", nl = 1, ino = d->ino, type = DT_DIR;
    } else if (idx == 1) {
      name = "..", nl = 2, ino = d->parent->ino, type = DT_DIR;
    } else {
      if (idx > 2) c = c ? c->next : c;
      if (!c) break;
      name = c->name, nl = c->namelen, ino = c->ino;
      type = is_dir(c) ? DT_DIR : is_lnk(c) ? DT_LNK : DT_REG;
    }
    if (idx < f->off) continue;
    uint64_t reclen = lx_round_up(19 + nl + 1, 8);
    if (pos + reclen > len) {
      if (pos == 0) return -LX_EINVAL;
      break;
    }
    uint8_t *r = buf + pos;
    __builtin_memset(r, 0, reclen);
    __builtin_memcpy(r, &ino, 8);
    int64_t next = (int64_t)idx + 1;
    __builtin_memcpy(r + 8, &next, 8);
    uint16_t rl = (uint16_t)reclen;
    __builtin_memcpy(r + 16, &rl, 2);
    r[18] = type;
    __builtin_memcpy(r + 19, name, nl);
    pos += reclen;
    f->off = idx + 1;
  }
  return (long)pos;
}

static long do_getcwd(struct xabi_linux *lx, char *buf, uint64_t size) {
  char tmp[LX_PATH_MAX];
  uint64_t at = sizeof tmp;
  tmp[--at] = 0;
  for (struct lx_node *n = lx->cwd; n != lx->root; n = n->parent) {
    if (at < n->namelen + 1) return -LX_ENAMETOOLONG;
    at -= n->namelen;
    __builtin_memcpy(tmp + at, n->name, n->namelen);
    tmp[--at] = '/';
  }
  if (at == sizeof tmp - 1) tmp[--at] = '/';
  uint64_t len = sizeof tmp - at;
  if (!buf) return -LX_EFAULT;
  if (size < len) return -LX_ERANGE;
  __builtin_memcpy(buf, tmp + at, len);
  return (long)len;
}

static void unlink_node(struct xabi_linux *lx, struct lx_node *n) {
  struct lx_node **pp = &n->parent->child;
  while (*pp != n) pp = &(*pp)->next;
  *pp = n->next;
  if (is_dir(n)) n->parent->nlink--;
  n->unlinked = 1;
  n->nlink = 0;
  node_release(lx, n);
}

static long do_unlinkat(struct xabi_linux *lx, long dirfd, const char *path, long flags) {
  if (flags & ~(long)LX_AT_REMOVEDIR) return -LX_EINVAL;
  struct walk w;
  int r = resolve(lx, dirfd, path, 0, &w);
  if (r < 0) return r;
  struct lx_node *n = w.node;
  if (!n) return -LX_ENOENT;
  if (flags & LX_AT_REMOVEDIR) {
    if (!is_dir(n)) return -LX_ENOTDIR;
    if (w.last_len == 1 && w.last[0] == '.') return -LX_EINVAL;
    if (n == lx->root || (w.last_len == 2 && w.last[0] == '.' && w.last[1] == '.')) return -LX_EBUSY;
    if (!n->parent->rw) return -LX_EROFS;
    if (n->child) return -LX_ENOTEMPTY;
    if (n == lx->cwd) return -LX_EBUSY;
  } else {
    if (is_dir(n)) return -LX_EISDIR;
    if (!w.parent->rw) return -LX_EROFS;
  }
  unlink_node(lx, n);
  return 0;
}

static long do_mkdirat(struct xabi_linux *lx, long dirfd, const char *path, long mode) {
  struct walk w;
  int r = resolve(lx, dirfd, path, 0, &w);
  if (r < 0) return r;
  if (w.node) return -LX_EEXIST;
  if (!w.parent->rw) return -LX_EROFS;
  struct lx_node *n =
      lx_node_new(lx, w.parent, w.last, w.last_len, LX_S_IFDIR | ((uint32_t)mode & 07777 & ~(uint32_t)lx->umask));
  if (!n) return -LX_ENOSPC;
  n->rw = 1;
  return 0;
}

static long do_readlinkat(struct xabi_linux *lx, long dirfd, const char *path, char *buf, long size) {
  if (size <= 0) return -LX_EINVAL;
  struct walk w;
  int r = resolve(lx, dirfd, path, 0, &w);
  if (r < 0) return r;
  if (!w.node) return -LX_ENOENT;
  if (!is_lnk(w.node)) return -LX_EINVAL;
  if (!buf) return -LX_EFAULT;
  uint64_t n = w.node->size < (uint64_t)size ? w.node->size : (uint64_t)size;
  __builtin_memcpy(buf, w.node->ro_data, n);
  return (long)n;
}

static long do_faccessat(struct xabi_linux *lx, long dirfd, const char *path, long mode, long flags) {
  if (mode & ~7L) return -LX_EINVAL;
  if (flags & ~(long)(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH | 0x200 /* AT_EACCESS */)) return -LX_EINVAL;
  struct walk w;
  int r = resolve(lx, dirfd, path, !(flags & LX_AT_SYMLINK_NOFOLLOW), &w);
  if (r < 0) return r;
  if (!w.node) return -LX_ENOENT;
  if ((mode & 2) && !w.node->rw) return -LX_EROFS;
  if ((mode & 1) && !is_dir(w.node) && !(w.node->mode & 0111)) return -LX_EACCES;
  return 0;
}

/* ---- file-backed mmap (called by mem.c with the lock held) */

long lx_fs_map_copy(struct xabi_linux *lx, int fd, uint64_t off, void *dst, uint64_t len, int shared_write) {
  struct lx_file *f = fd_file(lx, fd);
  if (!f) return -LX_EBADF;
  if (f->kind != LX_FILE_NODE || !is_reg(f->node)) return -LX_ENODEV;
  if (f->flags & LX_O_PATH) return -LX_EBADF;
  if ((f->flags & LX_O_ACCMODE) == LX_O_WRONLY) return -LX_EACCES;
  if (shared_write) return f->node->rw ? -LX_ENODEV : -LX_EACCES; /* no shared writable file memory */
  if (dst && off < f->node->size) {
    uint64_t n = f->node->size - off < len ? f->node->size - off : len;
    __builtin_memcpy(dst, node_data(f->node) + off, n);
  }
  return 0;
}

/* ---- the calls */

struct lx_iovec {
  uint64_t base, len;
};

static long rw_file(struct xabi_linux *lx, long fd, void *buf, uint64_t len, int64_t at, int write) {
  struct lx_file *f = fd_file(lx, fd);
  if (!f || (f->flags & LX_O_PATH)) return -LX_EBADF;
  int acc = f->flags & LX_O_ACCMODE;
  if (write ? acc == 0 : acc == LX_O_WRONLY) return -LX_EBADF;
  if (len && !buf) return -LX_EFAULT;
  if (f->kind == LX_FILE_CHANNEL) {
    if (at >= 0) return -LX_ESPIPE;
    f->refs++;
    lx_unlock(lx); /* blocking: never with the lock held */
    long r = write ? lx_chan_write(f, buf, len) : lx_chan_read(f, buf, len);
    lx_lock(lx);
    file_put(lx, f);
    return r;
  }
  if (len > 0x7ffff000) len = 0x7ffff000; /* Linux's MAX_RW_COUNT */
  uint64_t off = at >= 0 ? (uint64_t)at : f->off;
  long r;
  if (write) {
    if (is_dir(f->node)) return -LX_EISDIR;
    if ((f->flags & LX_O_APPEND) && at < 0) off = f->node->size;
    r = node_write(f->node, buf, len, off);
  } else {
    r = node_read(f->node, buf, len, off);
  }
  if (r > 0 && at < 0) f->off = off + (uint64_t)r;
  return r;
}

static long rw_vec(struct xabi_linux *lx, long fd, const struct lx_iovec *iov, long cnt, int write) {
  if (cnt < 0 || cnt > 1024) return -LX_EINVAL;
  if (cnt && !iov) return -LX_EFAULT;
  long total = 0;
  for (long i = 0; i < cnt; i++) {
    long r = rw_file(lx, fd, (void *)(uintptr_t)iov[i].base, iov[i].len, -1, write);
    if (r < 0) return total ? total : r;
    total += r;
    if ((uint64_t)r < iov[i].len) break;
  }
  return total;
}

static long do_lseek(struct xabi_linux *lx, long fd, int64_t off, long whence) {
  struct lx_file *f = fd_file(lx, fd);
  if (!f) return -LX_EBADF;
  if (f->kind == LX_FILE_CHANNEL) return -LX_ESPIPE;
  int64_t base;
  switch (whence) {
    case 0: base = 0; break;
    case 1: base = (int64_t)f->off; break;
    case 2: base = (int64_t)f->node->size; break;
    default: return -LX_EINVAL;
  }
  if ((off > 0 && base > INT64_MAX - off) || base + off < 0) return -LX_EINVAL;
  f->off = (uint64_t)(base + off);
  return (long)f->off;
}

static long do_dup3(struct xabi_linux *lx, long oldfd, long newfd, long flags, int is_dup2) {
  struct lx_file *f = fd_file(lx, oldfd);
  if (!f) return -LX_EBADF;
  if (newfd < 0 || newfd >= XABI_LINUX_MAX_FDS) return -LX_EBADF;
  if (oldfd == newfd) return is_dup2 ? newfd : -LX_EINVAL;
  if (flags & ~(long)LX_O_CLOEXEC) return -LX_EINVAL;
  if (lx->fds[newfd].file) fd_close(lx, newfd);
  f->refs++;
  lx->fds[newfd].file = f;
  lx->fds[newfd].cloexec = (flags & LX_O_CLOEXEC) != 0;
  return newfd;
}

static long do_dupfd(struct xabi_linux *lx, long oldfd, long lowest, int cloexec) {
  struct lx_file *f = fd_file(lx, oldfd);
  if (!f) return -LX_EBADF;
  if (lowest < 0 || lowest >= XABI_LINUX_MAX_FDS) return -LX_EINVAL;
  int fd = fd_alloc(lx, (int)lowest);
  if (fd < 0) return fd;
  f->refs++;
  lx->fds[fd].file = f;
  lx->fds[fd].cloexec = cloexec;
  return fd;
}

static long do_fcntl(struct xabi_linux *lx, long fd, long cmd, long arg) {
  struct lx_file *f = fd_file(lx, fd);
  if (!f) return -LX_EBADF;
  switch (cmd) {
    case 0: return do_dupfd(lx, fd, arg, 0);
    case 1030: return do_dupfd(lx, fd, arg, 1);
    case 1: return lx->fds[fd].cloexec ? 1 : 0;
    case 2: lx->fds[fd].cloexec = (arg & 1) != 0; return 0;
    case 3: return f->flags;
    case 4: f->flags = (f->flags & ~(LX_O_APPEND | LX_O_NONBLOCK)) | (int)(arg & (LX_O_APPEND | LX_O_NONBLOCK)); return 0;
    default: return -LX_EINVAL;
  }
}

static long do_truncate_node(struct lx_node *n, int64_t len) {
  if (len < 0) return -LX_EINVAL;
  if (is_dir(n)) return -LX_EISDIR;
  if (!n->rw) return -LX_EROFS;
  return set_size(n, (uint64_t)len);
}

static long do_chdir_node(struct xabi_linux *lx, struct lx_node *n) {
  if (!is_dir(n)) return -LX_ENOTDIR;
  lx->cwd = n;
  return 0;
}

static long path_node(struct xabi_linux *lx, const char *path, int follow, struct lx_node **n) {
  struct walk w;
  int r = resolve(lx, LX_AT_FDCWD, path, follow, &w);
  if (r < 0) return r;
  if (!w.node) return -LX_ENOENT;
  *n = w.node;
  return 0;
}

long lx_fs_syscall(struct xabi_linux *lx, long nr, long a1, long a2, long a3, long a4, long a5, long a6,
                   int *handled) {
  (void)a6;
  const char *p1 = (const char *)(uintptr_t)a1, *p2 = (const char *)(uintptr_t)a2;
  struct lx_node *n;
  struct lx_file *f;
  long r;
  *handled = 1;
  lx_lock(lx);
  switch (nr) {
    case 0: r = rw_file(lx, a1, (void *)(uintptr_t)a2, (uint64_t)a3, -1, 0); break;
    case 1: r = rw_file(lx, a1, (void *)(uintptr_t)a2, (uint64_t)a3, -1, 1); break;
    case 17: r = a4 < 0 ? -LX_EINVAL : rw_file(lx, a1, (void *)(uintptr_t)a2, (uint64_t)a3, a4, 0); break;
    case 18: r = a4 < 0 ? -LX_EINVAL : rw_file(lx, a1, (void *)(uintptr_t)a2, (uint64_t)a3, a4, 1); break;
    case 19: r = rw_vec(lx, a1, (const struct lx_iovec *)(uintptr_t)a2, a3, 0); break;
    case 20: r = rw_vec(lx, a1, (const struct lx_iovec *)(uintptr_t)a2, a3, 1); break;
    case 2: r = do_openat(lx, LX_AT_FDCWD, p1, a2, a3); break;
    case 85: r = do_openat(lx, LX_AT_FDCWD, p1, LX_O_CREAT | LX_O_WRONLY | LX_O_TRUNC, a2); break;
    case 257: r = do_openat(lx, a1, p2, a3, a4); break;
    case 3: r = fd_close(lx, a1); break;
    case 4: r = stat_at(lx, LX_AT_FDCWD, p1, 0, (struct lx_stat *)(uintptr_t)a2); break;
    case 6: r = stat_at(lx, LX_AT_FDCWD, p1, LX_AT_SYMLINK_NOFOLLOW, (struct lx_stat *)(uintptr_t)a2); break;
    case 262: r = stat_at(lx, a1, p2, a4, (struct lx_stat *)(uintptr_t)a3); break;
    case 5:
      f = fd_file(lx, a1);
      if (!f) r = -LX_EBADF;
      else if (!a2) r = -LX_EFAULT;
      else fill_stat(f, f->kind == LX_FILE_NODE ? f->node : (void *)0, (struct lx_stat *)(uintptr_t)a2), r = 0;
      break;
    case 332: { /* statx(dirfd, path, flags, mask, buf) */
      struct lx_stat st;
      if (!a5) { r = -LX_EFAULT; break; }
      r = stat_at(lx, a1, p2, a3 & ~0x6000L /* AT_STATX_SYNC_TYPE */, &st);
      if (r == 0) fill_statx(&st, (struct lx_statx *)(uintptr_t)a5);
      break;
    }
    case 8: r = do_lseek(lx, a1, a2, a3); break;
    case 16: r = fd_file(lx, a1) ? -LX_ENOTTY : -LX_EBADF; break;
    case 21: r = do_faccessat(lx, LX_AT_FDCWD, p1, a2, 0); break;
    case 269: r = do_faccessat(lx, a1, p2, a3, 0); break;
    case 439: r = do_faccessat(lx, a1, p2, a3, a4); break;
    case 32: r = do_dupfd(lx, a1, 0, 0); break;
    case 33: r = do_dup3(lx, a1, a2, 0, 1); break;
    case 292: r = do_dup3(lx, a1, a2, a3, 0); break;
    case 72: r = do_fcntl(lx, a1, a2, a3); break;
    case 74: case 75: r = fd_file(lx, a1) ? 0 : -LX_EBADF; break;
    case 76: r = path_node(lx, p1, 1, &n); if (r == 0) r = do_truncate_node(n, a2); break;
    case 77:
      f = fd_file(lx, a1);
      if (!f) r = -LX_EBADF;
      else if (f->kind != LX_FILE_NODE || (f->flags & LX_O_ACCMODE) == 0 || (f->flags & LX_O_PATH)) r = -LX_EINVAL;
      else r = do_truncate_node(f->node, a2);
      break;
    case 79: r = do_getcwd(lx, (char *)(uintptr_t)a1, (uint64_t)a2); break;
    case 80: r = path_node(lx, p1, 1, &n); if (r == 0) r = do_chdir_node(lx, n); break;
    case 81:
      f = fd_file(lx, a1);
      r = !f ? -LX_EBADF : f->kind != LX_FILE_NODE ? -LX_ENOTDIR : do_chdir_node(lx, f->node);
      break;
    case 83: r = do_mkdirat(lx, LX_AT_FDCWD, p1, a2); break;
    case 258: r = do_mkdirat(lx, a1, p2, a3); break;
    case 84: r = do_unlinkat(lx, LX_AT_FDCWD, p1, LX_AT_REMOVEDIR); break;
    case 87: r = do_unlinkat(lx, LX_AT_FDCWD, p1, 0); break;
    case 263: r = do_unlinkat(lx, a1, p2, a3); break;
    case 89: r = do_readlinkat(lx, LX_AT_FDCWD, p1, (char *)(uintptr_t)a2, a3); break;
    case 267: r = do_readlinkat(lx, a1, p2, (char *)(uintptr_t)a3, a4); break;
    case 90: case 92:
      r = path_node(lx, p1, 1, &n);
      if (r == 0) {
        if (!n->rw) r = -LX_EROFS;
        else if (nr == 90) n->mode = (n->mode & LX_S_IFMT) | ((uint32_t)a2 & 07777);
        else if (!((a2 == -1 || (uint32_t)a2 == n->uid) && (a3 == -1 || (uint32_t)a3 == n->gid))) r = -LX_EPERM;
      }
      break;
    case 91:
      f = fd_file(lx, a1);
      if (!f) r = -LX_EBADF;
      else if (f->kind != LX_FILE_NODE || !f->node->rw) r = -LX_EROFS;
      else f->node->mode = (f->node->mode & LX_S_IFMT) | ((uint32_t)a2 & 07777), r = 0;
      break;
    case 95: r = (long)lx->umask; lx->umask = (uint64_t)a1 & 0777; break;
    case 217:
      f = fd_file(lx, a1);
      r = !f ? -LX_EBADF : do_getdents64(f, (uint8_t *)(uintptr_t)a2, (uint64_t)a3);
      break;
    default: *handled = 0; r = -LX_ENOSYS; break;
  }
  (void)a5;
  lx_unlock(lx);
  return r;
}
