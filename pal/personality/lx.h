/* Internals of the Linux personality: Linux x86-64 constants and layouts
 * (typed here: there is no libc inside a picoprocess), the node tree, files,
 * and the helpers the parts share. */
#ifndef XABI_LX_H
#define XABI_LX_H

#include <stddef.h>
#include <stdint.h>

#include "xabi/linux.h"
#include "xabi/xabi.h"

/* errno values (asm-generic/errno-base.h, errno.h) */
enum {
  LX_EPERM = 1, LX_ENOENT = 2, LX_ESRCH = 3, LX_EINTR = 4, LX_EIO = 5, LX_EBADF = 9, LX_ECHILD = 10, LX_EAGAIN = 11,
  LX_ENOMEM = 12, LX_EACCES = 13, LX_EFAULT = 14, LX_EBUSY = 16, LX_EEXIST = 17, LX_EXDEV = 18,
  LX_ENODEV = 19, LX_ENOTDIR = 20, LX_EISDIR = 21, LX_EINVAL = 22, LX_ENFILE = 23, LX_EMFILE = 24,
  LX_ENOTTY = 25, LX_EFBIG = 27, LX_ENOSPC = 28, LX_ESPIPE = 29, LX_EROFS = 30, LX_EMLINK = 31,
  LX_EPIPE = 32, LX_ERANGE = 34, LX_ENAMETOOLONG = 36, LX_ENOSYS = 38, LX_ENOTEMPTY = 39, LX_ELOOP = 40,
  LX_ENODATA = 61, LX_EOPNOTSUPP = 95, LX_EAFNOSUPPORT = 97, LX_ETIMEDOUT = 110,
};

/* file types and open flags */
#define LX_S_IFMT 0170000u
#define LX_S_IFDIR 0040000u
#define LX_S_IFREG 0100000u
#define LX_S_IFLNK 0120000u
#define LX_S_IFCHR 0020000u
#define LX_O_ACCMODE 3
#define LX_O_WRONLY 1
#define LX_O_RDWR 2
#define LX_O_CREAT 0100
#define LX_O_EXCL 0200
#define LX_O_TRUNC 01000
#define LX_O_APPEND 02000
#define LX_O_NONBLOCK 04000
#define LX_O_DIRECTORY 0200000
#define LX_O_NOFOLLOW 0400000
#define LX_O_CLOEXEC 02000000
#define LX_O_PATH 010000000
#define LX_O_TMPFILE_BIT 020000000
#define LX_AT_FDCWD (-100)
#define LX_AT_SYMLINK_NOFOLLOW 0x100
#define LX_AT_REMOVEDIR 0x200
#define LX_AT_EMPTY_PATH 0x1000
#define LX_PATH_MAX 4096
#define LX_NAME_MAX 255
#define LX_SYMLOOP_MAX 40

/* struct stat, x86-64 (144 bytes) */
struct lx_stat {
  uint64_t st_dev, st_ino, st_nlink;
  uint32_t st_mode, st_uid, st_gid;
  int32_t pad0;
  uint64_t st_rdev;
  int64_t st_size, st_blksize, st_blocks;
  int64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
  int64_t reserved[3];
};
XABI_STATIC_ASSERT(sizeof(struct lx_stat) == 144, "struct stat is 144 bytes on x86-64");

struct lx_statx_timestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};
struct lx_statx {
  uint32_t stx_mask, stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink, stx_uid, stx_gid;
  uint16_t stx_mode, spare0;
  uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
  struct lx_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
  uint64_t stx_mnt_id;
  uint32_t stx_dio_mem_align, stx_dio_offset_align;
  uint64_t spare3[12];
};
XABI_STATIC_ASSERT(sizeof(struct lx_statx) == 256, "struct statx is 256 bytes");
#define LX_STATX_BASIC_STATS 0x7ffu

struct lx_timespec {
  int64_t tv_sec, tv_nsec;
};
struct lx_timeval {
  int64_t tv_sec, tv_usec;
};

/* One file-system node: from the tar image (read-only, data points into the
 * image) or the RAM disk (rw, data from xabi_alloc). */
struct lx_node {
  uint32_t mode; /* type and permission bits */
  uint32_t uid, gid;
  uint32_t nlink;
  uint64_t ino, size, mtime;
  int rw; /* on the RAM disk: writable, and a directory accepts new entries */
  const char *name;
  uint32_t namelen;
  struct lx_node *parent, *child, *next;
  const uint8_t *ro_data; /* tar file or symlink target (not NUL-terminated) */
  uint8_t *rw_data;       /* RAM-disk file */
  uint64_t cap;           /* bytes at rw_data */
  uint32_t opens;         /* open files referring to it (data lives until 0 after unlink) */
  int unlinked;
};

enum lx_file_kind { LX_FILE_FREE = 0, LX_FILE_NODE, LX_FILE_CHANNEL };
struct lx_file {
  int kind;
  uint32_t refs;
  int flags; /* open flags (access mode, O_APPEND, O_NONBLOCK) */
  struct lx_node *node;
  uint64_t off;
  int32_t channel;
};

/* lock.c */
void lx_lock(struct xabi_linux *lx);
void lx_unlock(struct xabi_linux *lx);
void lx_wake_word(uint32_t *word, uint32_t n);

/* tarfs.c / vfs.c */
void *lx_arena(struct xabi_linux *lx, uint64_t n);
struct lx_node *lx_node_new(struct xabi_linux *lx, struct lx_node *parent, const char *name, uint32_t len,
                            uint32_t mode);
int lx_tar_load(struct xabi_linux *lx, const uint8_t *img, uint64_t len);
long lx_fs_syscall(struct xabi_linux *lx, long nr, long a1, long a2, long a3, long a4, long a5, long a6, int *handled);
int lx_fd_install_channel(struct xabi_linux *lx, int fd, int32_t channel);
/* File-backed mmap: copies [off, off+len) of fd's file to dst. 0 or -errno. */
/* poll(2) readiness of one fd, now, without blocking: POLLIN/POLLOUT (and
 * the RDNORM/WRNORM forms) asked for and true, POLLHUP, or POLLNVAL for an fd
 * that is not open. Takes the lock. */
short lx_fd_poll(struct xabi_linux *lx, int fd, short events);

/* channel.c: an fd's channel. Reads block unless O_NONBLOCK (end of stream
 * reads 0); writes move every byte, waiting while the channel is full. */
enum { LX_POLLIN = 1, LX_POLLOUT = 4, LX_POLLHUP = 0x10, LX_POLLNVAL = 0x20, LX_POLLRDNORM = 0x40, LX_POLLWRNORM = 0x100 };
long lx_chan_read(struct lx_file *f, void *buf, uint64_t len);
long lx_chan_write(struct lx_file *f, const void *buf, uint64_t len);
short lx_chan_poll(int32_t channel, short events);
long lx_fs_map_copy(struct xabi_linux *lx, int fd, uint64_t off, void *dst, uint64_t len, int shared_write);

/* mem.c */
long lx_mem_syscall(struct xabi_linux *lx, long nr, long a1, long a2, long a3, long a4, long a5, long a6, int *handled);
int lx_mem_init(struct xabi_linux *lx, uint64_t brk_size);

static inline uint64_t lx_round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

#endif
