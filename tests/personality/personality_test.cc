// Unit tests of the Linux personality core against the in-process ABI
// double: the tar loader, paths, each file call's errors, memory
// bookkeeping, the struct layouts, getdents64, time, futex, the table.
#include <gtest/gtest.h>
#include <linux/stat.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/futex.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <type_traits>
#include <map>
#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "abi_double.h"

extern "C" {
#include "xabi/linux.h"
#include "../../pal/personality/lx.h"
}

using namespace xabi::test;

// ASan: GCC says __SANITIZE_ADDRESS__, clang (the ASan build) __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define XABI_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XABI_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef XABI_TEST_UNDER_ASAN
#define XABI_TEST_UNDER_ASAN 0
#endif

namespace {

// Struct layouts: the personality's own types against the C library's.
static_assert(sizeof(struct lx_stat) == sizeof(struct stat));
static_assert(offsetof(struct lx_stat, st_ino) == offsetof(struct stat, st_ino));
static_assert(offsetof(struct lx_stat, st_nlink) == offsetof(struct stat, st_nlink));
static_assert(offsetof(struct lx_stat, st_mode) == offsetof(struct stat, st_mode));
static_assert(offsetof(struct lx_stat, st_uid) == offsetof(struct stat, st_uid));
static_assert(offsetof(struct lx_stat, st_rdev) == offsetof(struct stat, st_rdev));
static_assert(offsetof(struct lx_stat, st_size) == offsetof(struct stat, st_size));
static_assert(offsetof(struct lx_stat, st_blksize) == offsetof(struct stat, st_blksize));
static_assert(offsetof(struct lx_stat, st_blocks) == offsetof(struct stat, st_blocks));
static_assert(offsetof(struct lx_stat, st_mtime_sec) == offsetof(struct stat, st_mtim));
static_assert(offsetof(struct lx_stat, st_ctime_nsec) == offsetof(struct stat, st_ctim) + 8);
static_assert(sizeof(struct lx_statx) == sizeof(struct statx));
static_assert(offsetof(struct lx_statx, stx_mode) == offsetof(struct statx, stx_mode));
static_assert(offsetof(struct lx_statx, stx_ino) == offsetof(struct statx, stx_ino));
static_assert(offsetof(struct lx_statx, stx_size) == offsetof(struct statx, stx_size));
static_assert(offsetof(struct lx_statx, stx_mtime) == offsetof(struct statx, stx_mtime));
static_assert(offsetof(struct lx_statx, stx_dev_minor) == offsetof(struct statx, stx_dev_minor));
static_assert(offsetof(struct lx_statx, stx_mnt_id) == offsetof(struct statx, stx_mnt_id));
static_assert(sizeof(struct lx_timespec) == sizeof(struct timespec));
static_assert(sizeof(struct utsname) == 390);

std::string sample_image() {
  TarWriter t;
  t.dir("etc/");
  t.file("etc/hello.txt", "hello, tar\n");
  t.file("etc/empty", "");
  t.dir("bin");
  t.file("bin/tool", std::string(5000, 'x'), 0755);
  t.symlink("etc/link", "hello.txt");
  t.symlink("etc/abs", "/etc/hello.txt");
  t.symlink("etc/loop1", "loop2");
  t.symlink("etc/loop2", "loop1");
  t.symlink("etc/up", "../../../etc");
  t.pax_file("deep/" + std::string(150, 'p') + "/file.txt", "pax long\n");
  t.gnu_long_file("gnu/" + std::string(120, 'g'), "gnu long\n");
  return t.finish();
}

class Lx : public ::testing::Test {
 protected:
  void SetUp() override { abi_double_install(); }
  int init(const std::string& image, bool frozen = true) {
    img_ = image;
    out_ = double_channel("");
    in_ = double_channel("input bytes");
    xabi_linux_config cfg{};
    cfg.tar = img_.data();
    cfg.tar_len = img_.size();
    cfg.argv = argv_;
    cfg.envp = envp_;
    cfg.stdio[0] = in_;
    cfg.stdio[1] = out_;
    cfg.stdio[2] = XABI_LINUX_NO_CHANNEL;
    cfg.realtime_base_ns = 1700000000ull * 1000000000ull + 5;
    cfg.realtime_frozen = frozen;
    cfg.brk_size = 1 << 20;
    return xabi_linux_init(lx_.get(), &cfg);
  }
  template <typename T>
  static long arg(T v) {
    if constexpr (std::is_pointer_v<T>) return long(uintptr_t(v));
    else return long(v);
  }
  // sys(nr, args...): integers and pointers alike, missing arguments 0.
  template <typename... A>
  long sys(long nr, A... a) {
    long v[6] = {arg(a)...};
    return xabi_linux_syscall(lx_.get(), nr, v[0], v[1], v[2], v[3], v[4], v[5]);
  }
  long open(const char* p, long flags = O_RDONLY, long mode = 0644) { return sys(SYS_openat, AT_FDCWD, p, flags, mode); }
  std::string read_all(long fd) {
    std::string s;
    char buf[700];
    long n;
    while ((n = sys(SYS_read, fd, long(buf), sizeof buf)) > 0) s.append(buf, size_t(n));
    EXPECT_EQ(n, 0);
    return s;
  }
  std::string cat(const char* p) {
    long fd = open(p);
    if (fd < 0) return "errno " + std::to_string(-fd);
    std::string s = read_all(fd);
    EXPECT_EQ(sys(SYS_close, fd), 0);
    return s;
  }
  std::unique_ptr<xabi_linux> lx_ = std::make_unique<xabi_linux>();
  std::string img_;
  int32_t out_ = -1, in_ = -1;
  char st_byte_ = 0;
  const char* argv_[3] = {"/bin/prog", "arg1", nullptr};
  const char* envp_[2] = {"HOME=/tmp", nullptr};
};

// ---- tar

TEST_F(Lx, TarRegularDirectorySymlinkAndLongNames) {
  ASSERT_EQ(init(sample_image()), 0);
  EXPECT_EQ(cat("/etc/hello.txt"), "hello, tar\n");
  EXPECT_EQ(cat("/etc/empty"), "");
  EXPECT_EQ(cat("/bin/tool"), std::string(5000, 'x'));
  EXPECT_EQ(cat("/etc/link"), "hello, tar\n");
  EXPECT_EQ(cat("/etc/abs"), "hello, tar\n");
  EXPECT_EQ(cat(("/deep/" + std::string(150, 'p') + "/file.txt").c_str()), "pax long\n");
  EXPECT_EQ(cat(("/gnu/" + std::string(120, 'g')).c_str()), "gnu long\n");
  EXPECT_EQ(cat("/short-name-ignored"), "errno 2") << "a pax path replaces the header's name";
}

TEST_F(Lx, TarAMemberNamedWithDotDotStaysInsideTheRoot) {
  TarWriter t;
  t.file("../../outside.txt", "caught\n");
  ASSERT_EQ(init(t.finish()), 0);
  EXPECT_EQ(cat("/outside.txt"), "caught\n");
}

TEST_F(Lx, TarGeneratedByGnuTarLoads) {
  std::ifstream f(PERSONALITY_GNU_TAR, std::ios::binary);
  std::string img((std::istreambuf_iterator<char>(f)), {});
  ASSERT_FALSE(img.empty());
  ASSERT_EQ(init(img), 0);
  EXPECT_EQ(cat("/data/greeting.txt"), "greetings from tar\n");
}

std::string with_checksum(std::string img, size_t hdr) {
  memset(&img[hdr + 148], ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < 512; i++) sum += (unsigned char)img[hdr + i];
  snprintf(&img[hdr + 148], 8, "%06o", sum);
  return img;
}

TEST_F(Lx, TarMalformedImagesAreRefused) {
  TarWriter t;
  t.file("a.txt", "0123456789");
  std::string good = t.finish();
  ASSERT_EQ(init(good), 0);

  std::string bad = good;
  bad[0] ^= 1;  // checksum no longer matches
  EXPECT_EQ(init(bad), -EINVAL) << "bad checksum";

  bad = good;
  memcpy(&bad[124], "00000000077x", 12);  // size not octal
  EXPECT_EQ(init(with_checksum(bad, 0)), -EINVAL) << "non-octal size";

  bad = good;
  memcpy(&bad[124], "77777777777\0", 12);  // data past the end
  EXPECT_EQ(init(with_checksum(bad, 0)), -EINVAL) << "size beyond the image";

  EXPECT_EQ(init(good.substr(0, 512 + 5)), -EINVAL) << "truncated data";
  EXPECT_EQ(init(good.substr(0, 300)), -EINVAL) << "truncated header";

  bad = good;
  memcpy(&bad[257], "xxxxx", 5);
  EXPECT_EQ(init(with_checksum(bad, 0)), -EINVAL) << "no ustar magic";

  TarWriter dup;
  dup.file("x", "1");
  dup.file("x", "2");
  EXPECT_EQ(init(dup.finish()), -EINVAL) << "duplicate member";

  TarWriter under;
  under.file("f", "1");
  under.file("f/g", "2");
  EXPECT_EQ(init(under.finish()), -EINVAL) << "a member under a regular file";

  TarWriter pax;  // record length larger than the header's data
  pax.raw_header("PaxHeader", 'x', 12);
  pax.out += std::string("99 path=x\n\n\0", 12);
  pax.out.append(500, '\0');
  pax.file("y", "1");
  EXPECT_EQ(init(pax.finish()), -EINVAL) << "pax record overruns";

  TarWriter tmp;
  tmp.file("tmp", "not a directory");
  EXPECT_EQ(init(tmp.finish()), -EINVAL) << "/tmp must be a directory for the RAM disk";
}

// Random corruption of a valid image placed right before an inaccessible
// page: init either loads or refuses, and never reads past the image.
TEST_F(Lx, TarFuzzedCorruptionNeverReadsOutOfBounds) {
  std::string good = sample_image();
  const size_t page = 4096, span = (good.size() + page - 1) / page * page;
  uint8_t* mem = static_cast<uint8_t*>(
      mmap(nullptr, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mem, MAP_FAILED);
  ASSERT_EQ(mprotect(mem + span, page, PROT_NONE), 0);
  std::mt19937 rng(1234);
  int loaded = 0, refused = 0;
  for (int iter = 0; iter < 3000; iter++) {
    size_t len = good.size();
    if (iter % 5 == 0) len = rng() % good.size();  // truncation
    uint8_t* img = mem + span - len;               // ends at the guard page
    memcpy(img, good.data(), len);
    for (int k = 0, flips = 1 + int(rng() % 8); k < flips && len; k++) img[rng() % len] = uint8_t(rng());
    if (iter % 7 == 0 && len > 600) {  // recompute a checksum so deeper fields get parsed
      std::string s(reinterpret_cast<char*>(img), len);
      s = with_checksum(s, 0);
      memcpy(img, s.data(), len);
    }
    xabi_linux_config cfg{};
    cfg.tar = img;
    cfg.tar_len = len;
    cfg.stdio[0] = cfg.stdio[1] = cfg.stdio[2] = XABI_LINUX_NO_CHANNEL;
    cfg.brk_size = 4096;
    auto lx = std::make_unique<xabi_linux>();
    int r = xabi_linux_init(lx.get(), &cfg);
    ASSERT_TRUE(r == 0 || r == -EINVAL) << r;
    (r == 0 ? loaded : refused)++;
  }
  EXPECT_GT(refused, 100);
  EXPECT_GT(loaded, 10);
  munmap(mem, span + page);
}

// ---- paths

TEST_F(Lx, PathsNormaliseAndDotDotStopsAtTheRoot) {
  ASSERT_EQ(init(sample_image()), 0);
  EXPECT_EQ(cat("/../../etc/./hello.txt"), "hello, tar\n");
  EXPECT_EQ(cat("//etc//hello.txt"), "hello, tar\n");
  EXPECT_EQ(cat("/bin/../etc/hello.txt"), "hello, tar\n");
  EXPECT_EQ(cat("/etc/up/hello.txt"), "hello, tar\n") << "a symlink's .. climbs no higher than /";
  ASSERT_EQ(sys(SYS_chdir, long("/etc")), 0);
  EXPECT_EQ(cat("hello.txt"), "hello, tar\n");
  EXPECT_EQ(cat("../etc/link"), "hello, tar\n");
  char buf[64];
  EXPECT_EQ(sys(SYS_getcwd, long(buf), sizeof buf), 5);
  EXPECT_STREQ(buf, "/etc");
  EXPECT_EQ(sys(SYS_getcwd, long(buf), 4), -ERANGE);
  EXPECT_EQ(sys(SYS_chdir, long("/etc/hello.txt")), -ENOTDIR);
  EXPECT_EQ(sys(SYS_chdir, long("/nope")), -ENOENT);
}

TEST_F(Lx, PathErrors) {
  ASSERT_EQ(init(sample_image()), 0);
  EXPECT_EQ(open("/etc/loop1"), -ELOOP);
  EXPECT_EQ(open("/etc/loop1/x"), -ELOOP);
  EXPECT_EQ(open("/etc/hello.txt/x"), -ENOTDIR);
  EXPECT_EQ(open("/etc/hello.txt/"), -ENOTDIR);
  EXPECT_EQ(open("/missing/x"), -ENOENT);
  EXPECT_EQ(open(""), -ENOENT);
  EXPECT_EQ(sys(SYS_openat, AT_FDCWD, 0L, O_RDONLY), -EFAULT);
  std::string longname(256, 'n');
  EXPECT_EQ(open(("/" + longname).c_str()), -ENAMETOOLONG);
  std::string longpath(5000, '/');
  EXPECT_EQ(open(longpath.c_str()), -ENAMETOOLONG);
  EXPECT_EQ(open("/etc/link", O_RDONLY | O_NOFOLLOW), -ELOOP);
  char buf[64];
  EXPECT_EQ(sys(SYS_readlinkat, AT_FDCWD, "/etc/link", long(buf), sizeof buf), 9);
  EXPECT_EQ(std::string(buf, 9), "hello.txt");
  EXPECT_EQ(sys(SYS_readlinkat, AT_FDCWD, "/etc/link", long(buf), 3), 3) << "truncated, no NUL";
  EXPECT_EQ(sys(SYS_readlinkat, AT_FDCWD, "/etc/hello.txt", long(buf), sizeof buf), -EINVAL);
  EXPECT_EQ(sys(SYS_readlinkat, AT_FDCWD, "/etc/link", long(buf), 0), -EINVAL);
}

TEST_F(Lx, OpenatRelativeToADirectoryFd) {
  ASSERT_EQ(init(sample_image()), 0);
  long d = open("/etc", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(d, 0);
  long f = sys(SYS_openat, d, "hello.txt", O_RDONLY);
  ASSERT_GE(f, 0);
  EXPECT_EQ(read_all(f), "hello, tar\n");
  long file = open("/etc/hello.txt");
  EXPECT_EQ(sys(SYS_openat, file, "x", O_RDONLY), -ENOTDIR);
  EXPECT_EQ(sys(SYS_openat, 200, "x", O_RDONLY), -EBADF);
  EXPECT_GE(sys(SYS_openat, 200, "/etc/hello.txt", O_RDONLY), 0) << "an absolute path ignores dirfd";
}

// ---- file calls

TEST_F(Lx, TarFileSystemIsReadOnly) {
  ASSERT_EQ(init(sample_image()), 0);
  EXPECT_EQ(open("/etc/hello.txt", O_WRONLY), -EROFS);
  EXPECT_EQ(open("/etc/hello.txt", O_RDWR), -EROFS);
  EXPECT_EQ(open("/etc/new", O_WRONLY | O_CREAT), -EROFS);
  EXPECT_EQ(open("/etc/hello.txt", O_RDONLY | O_CREAT | O_EXCL), -EEXIST);
  EXPECT_EQ(open("/etc", O_WRONLY), -EISDIR);
  EXPECT_EQ(open("/etc/hello.txt", O_RDONLY | O_DIRECTORY), -ENOTDIR);
  EXPECT_EQ(sys(SYS_mkdir, long("/etc/d"), 0755), -EROFS);
  EXPECT_EQ(sys(SYS_mkdir, long("/etc"), 0755), -EEXIST);
  EXPECT_EQ(sys(SYS_unlink, long("/etc/hello.txt")), -EROFS);
  EXPECT_EQ(sys(SYS_unlink, long("/etc")), -EISDIR);
  EXPECT_EQ(sys(SYS_rmdir, long("/etc")), -EROFS);
  EXPECT_EQ(sys(SYS_truncate, long("/etc/hello.txt"), 0), -EROFS);
  EXPECT_EQ(sys(SYS_access, long("/etc/hello.txt"), W_OK), -EROFS);
  EXPECT_EQ(sys(SYS_access, long("/etc/hello.txt"), R_OK), 0);
  EXPECT_EQ(sys(SYS_access, long("/etc/hello.txt"), X_OK), -EACCES);
  EXPECT_EQ(sys(SYS_access, long("/bin/tool"), X_OK), -EACCES) << "the writer stores 0644";
  EXPECT_EQ(sys(SYS_access, long("/nope"), F_OK), -ENOENT);
  EXPECT_EQ(sys(SYS_access, long("/etc"), 8), -EINVAL);
  long fd = open("/etc/hello.txt");
  char c;
  EXPECT_EQ(sys(SYS_write, fd, long(&c), 1), -EBADF);
  EXPECT_EQ(sys(SYS_ftruncate, fd, 0), -EINVAL);
  long d = open("/etc");
  EXPECT_EQ(sys(SYS_read, d, long(&c), 1), -EISDIR);
}

TEST_F(Lx, RamDiskCreateWriteReadTruncateUnlink) {
  ASSERT_EQ(init(sample_image()), 0);
  long fd = open("/tmp/f", O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(open("/tmp/f", O_RDWR | O_CREAT | O_EXCL), -EEXIST);
  std::string big(10000, 'b');
  EXPECT_EQ(sys(SYS_write, fd, long(big.data()), long(big.size())), 10000);
  EXPECT_EQ(sys(SYS_lseek, fd, 0, SEEK_CUR), 10000);
  EXPECT_EQ(sys(SYS_lseek, fd, 20000, SEEK_SET), 20000);
  EXPECT_EQ(sys(SYS_write, fd, long("Z"), 1), 1);
  EXPECT_EQ(sys(SYS_lseek, fd, 0, SEEK_END), 20001);
  EXPECT_EQ(sys(SYS_lseek, fd, -1, SEEK_SET), -EINVAL);
  EXPECT_EQ(sys(SYS_lseek, fd, 0, 7), -EINVAL);
  char buf[4];
  EXPECT_EQ(sys(SYS_pread64, fd, long(buf), 4, 15000), 4);
  EXPECT_EQ(std::string(buf, 4), std::string(4, '\0')) << "a hole reads as zeros";
  EXPECT_EQ(sys(SYS_pread64, fd, long(buf), 4, -1), -EINVAL);
  EXPECT_EQ(sys(SYS_ftruncate, fd, 5), 0);
  EXPECT_EQ(sys(SYS_ftruncate, fd, 10), 0);
  EXPECT_EQ(sys(SYS_pread64, fd, long(buf), 4, 4), 4);
  EXPECT_EQ(std::string(buf, 4), std::string("b\0\0\0", 4)) << "truncated bytes do not come back";
  EXPECT_EQ(sys(SYS_ftruncate, fd, -1), -EINVAL);
  EXPECT_EQ(sys(SYS_unlink, long("/tmp/f")), 0);
  EXPECT_EQ(open("/tmp/f"), -ENOENT);
  EXPECT_EQ(sys(SYS_pread64, fd, long(buf), 4, 0), 4) << "an unlinked file lives until closed";
  EXPECT_EQ(sys(SYS_close, fd), 0);
  EXPECT_EQ(sys(SYS_close, fd), -EBADF);

  long a = open("/tmp/log", O_WRONLY | O_CREAT | O_APPEND);
  EXPECT_EQ(sys(SYS_write, a, long("ab"), 2), 2);
  EXPECT_EQ(sys(SYS_lseek, a, 0, SEEK_SET), 0);
  EXPECT_EQ(sys(SYS_write, a, long("cd"), 2), 2);
  EXPECT_EQ(cat("/tmp/log"), "abcd");
  EXPECT_EQ(sys(SYS_read, a, long(buf), 1), -EBADF) << "write-only";
  long t = open("/tmp/log", O_WRONLY | O_TRUNC);
  EXPECT_EQ(cat("/tmp/log"), "");
  sys(SYS_close, t);
}

TEST_F(Lx, RamDiskDirectories) {
  ASSERT_EQ(init(sample_image()), 0);
  EXPECT_EQ(sys(SYS_mkdir, long("/tmp/d"), 0755), 0);
  EXPECT_EQ(sys(SYS_mkdir, long("/tmp/d"), 0755), -EEXIST);
  EXPECT_EQ(sys(SYS_mkdir, long("/tmp/x/y"), 0755), -ENOENT);
  long fd = open("/tmp/d/f", O_WRONLY | O_CREAT);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(sys(SYS_rmdir, long("/tmp/d")), -ENOTEMPTY);
  EXPECT_EQ(sys(SYS_rmdir, long("/tmp/d/f")), -ENOTDIR);
  EXPECT_EQ(sys(SYS_unlinkat, AT_FDCWD, "/tmp/d/f", 0), 0);
  EXPECT_EQ(sys(SYS_unlinkat, AT_FDCWD, "/tmp/d", AT_REMOVEDIR), 0);
  EXPECT_EQ(sys(SYS_unlinkat, AT_FDCWD, "/tmp/d", 0x4), -EINVAL);
  EXPECT_EQ(open("/tmp/d"), -ENOENT);
  EXPECT_EQ(open("/tmp/new/", O_WRONLY | O_CREAT), -EISDIR);
}

TEST_F(Lx, FdTableDupFcntlAndLimits) {
  ASSERT_EQ(init(sample_image()), 0);
  long fd = open("/etc/hello.txt");
  ASSERT_EQ(fd, 2) << "0 and 1 are the channels, 2 was left closed";
  long d = sys(SYS_dup, fd);
  EXPECT_EQ(d, 3);
  char buf[5];
  EXPECT_EQ(sys(SYS_read, fd, long(buf), 5), 5);
  EXPECT_EQ(sys(SYS_lseek, d, 0, SEEK_CUR), 5) << "dup shares the offset";
  EXPECT_EQ(sys(SYS_dup2, fd, 10), 10);
  EXPECT_EQ(sys(SYS_dup2, fd, fd), fd);
  EXPECT_EQ(sys(SYS_dup3, fd, fd, 0), -EINVAL);
  EXPECT_EQ(sys(SYS_dup3, fd, 11, O_CLOEXEC), 11);
  EXPECT_EQ(sys(SYS_fcntl, 11, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(sys(SYS_fcntl, 10, F_GETFD), 0);
  EXPECT_EQ(sys(SYS_fcntl, 10, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(sys(SYS_fcntl, 10, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(sys(SYS_fcntl, 10, F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_EQ(sys(SYS_fcntl, 10, F_DUPFD, 50), 50);
  EXPECT_EQ(sys(SYS_fcntl, 10, F_DUPFD_CLOEXEC, 50), 51);
  EXPECT_EQ(sys(SYS_fcntl, 10, 9999), -EINVAL);
  EXPECT_EQ(sys(SYS_fcntl, 99, F_GETFD), -EBADF);
  EXPECT_EQ(sys(SYS_dup2, 99, 5), -EBADF);
  EXPECT_EQ(sys(SYS_dup2, fd, 256), -EBADF);
  EXPECT_EQ(sys(SYS_ioctl, 1, 0x5401 /* TCGETS */, 0), -ENOTTY);
  EXPECT_EQ(sys(SYS_ioctl, 99, 0x5401, 0), -EBADF);
  long n = 0, r;
  while ((r = open("/etc/hello.txt")) >= 0) n++;
  EXPECT_EQ(r, -EMFILE);
  EXPECT_EQ(n, 256 - 8) << "256 fds minus the 8 in use";
}

TEST_F(Lx, StdioChannels) {
  ASSERT_EQ(init(sample_image()), 0);
  EXPECT_EQ(sys(SYS_write, 1, long("out\n"), 4), 4);
  EXPECT_EQ(double_channel_output(out_), "out\n");
  EXPECT_EQ(read_all(0), "input bytes");
  EXPECT_EQ(sys(SYS_write, 2, long("x"), 1), -EBADF);
  EXPECT_EQ(sys(SYS_lseek, 1, 0, SEEK_SET), -ESPIPE);
  EXPECT_EQ(sys(SYS_pread64, 0, long(&st_byte_), 1, 0), -ESPIPE);
  struct stat st;
  EXPECT_EQ(sys(SYS_fstat, 1, long(&st)), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  struct iovec iov[2] = {{(void*)"ab", 2}, {(void*)"cd", 2}};
  EXPECT_EQ(sys(SYS_writev, 1, long(iov), 2), 4);
  EXPECT_EQ(double_channel_output(out_), "out\nabcd");
  EXPECT_EQ(sys(SYS_close, 1), 0);
  EXPECT_FALSE(double_channel_open(out_)) << "closing the last fd closes the channel";
}

TEST_F(Lx, PollFilesChannelsClosedFdsAndTimeouts) {
  ASSERT_EQ(init(sample_image()), 0);
  const long fd = open("/etc/hello.txt");
  ASSERT_GE(fd, 0);
  struct pollfd p[4] = {{int(fd), POLLIN | POLLOUT, 0}, {0, POLLIN, 0}, {1, POLLOUT, 0}, {77, POLLIN, 0}};
  EXPECT_EQ(sys(SYS_poll, long(p), 4, -1), 4);
  EXPECT_EQ(p[0].revents, POLLIN | POLLOUT) << "a file is always ready for what was asked";
  EXPECT_EQ(p[1].revents, POLLIN) << "the stdin channel has input";
  EXPECT_EQ(p[2].revents, POLLOUT);
  EXPECT_EQ(p[3].revents, POLLNVAL) << "a closed fd";
  struct pollfd none = {-1, POLLIN, 7};
  EXPECT_EQ(sys(SYS_poll, long(&none), 1, 0), 0) << "a negative fd is skipped; timeout 0 returns at once";
  EXPECT_EQ(none.revents, 0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(sys(SYS_poll, long(&none), 1, 20), 0) << "nothing ready: the timeout passes";
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(20));
  struct timespec ts = {0, 0};
  p[0].revents = 0;
  EXPECT_EQ(sys(SYS_ppoll, long(p), 1, long(&ts), 0, 8), 1);
  EXPECT_EQ(p[0].revents & POLLIN, POLLIN);
  ts.tv_nsec = 1000000000;
  EXPECT_EQ(sys(SYS_ppoll, long(p), 1, long(&ts), 0, 8), -EINVAL);
  EXPECT_EQ(sys(SYS_poll, long(p), 257, 0), -EINVAL);
  EXPECT_EQ(sys(SYS_poll, 0, 1, 0), -EFAULT);
}

TEST_F(Lx, StatLayoutsAndValues) {
  ASSERT_EQ(init(sample_image()), 0);
  struct stat st;
  memset(&st, 0xa5, sizeof st);
  ASSERT_EQ(sys(SYS_newfstatat, AT_FDCWD, "/etc/hello.txt", long(&st), 0), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_size, 11);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_blksize, 4096);
  struct stat l;
  ASSERT_EQ(sys(SYS_newfstatat, AT_FDCWD, "/etc/link", long(&l), AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_TRUE(S_ISLNK(l.st_mode));
  EXPECT_EQ(l.st_size, 9);
  struct stat f;
  ASSERT_EQ(sys(SYS_newfstatat, AT_FDCWD, "/etc/link", long(&f), 0), 0);
  EXPECT_EQ(f.st_ino, st.st_ino);
  long fd = open("/etc/hello.txt");
  struct stat e;
  ASSERT_EQ(sys(SYS_newfstatat, fd, "", long(&e), AT_EMPTY_PATH), 0);
  EXPECT_EQ(e.st_ino, st.st_ino);
  EXPECT_EQ(sys(SYS_newfstatat, fd, "", long(&e), 0), -ENOENT);
  ASSERT_EQ(sys(SYS_fstat, fd, long(&e)), 0);
  EXPECT_EQ(e.st_ino, st.st_ino);
  EXPECT_EQ(sys(SYS_fstat, 99, long(&e)), -EBADF);
  EXPECT_EQ(sys(SYS_newfstatat, AT_FDCWD, "/etc/hello.txt", long(&e), 0x80000), -EINVAL);
  struct stat d;
  ASSERT_EQ(sys(SYS_stat, long("/etc"), long(&d)), 0);
  EXPECT_TRUE(S_ISDIR(d.st_mode));
  EXPECT_EQ(d.st_nlink, 2u);
  struct statx sx;
  memset(&sx, 0xa5, sizeof sx);
  ASSERT_EQ(sys(SYS_statx, AT_FDCWD, long("/etc/hello.txt"), 0, STATX_BASIC_STATS, long(&sx)), 0);
  EXPECT_EQ(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
  EXPECT_EQ(sx.stx_size, 11u);
  EXPECT_EQ(sx.stx_ino, st.st_ino);
  EXPECT_EQ(sx.stx_mode, st.st_mode);
  EXPECT_EQ(sx.stx_mtime.tv_sec, 1700000000);
  EXPECT_EQ(sx.stx_blksize, 4096u);
}

struct Dirent {
  uint64_t ino;
  int64_t off;
  uint8_t type;
  std::string name;
};
std::vector<Dirent> parse_dirents(const char* buf, long n) {
  std::vector<Dirent> v;
  for (long pos = 0; pos < n;) {
    uint16_t reclen;
    memcpy(&reclen, buf + pos + 16, 2);
    EXPECT_EQ(reclen % 8, 0);
    EXPECT_GE(reclen, 20);
    Dirent d;
    memcpy(&d.ino, buf + pos, 8);
    memcpy(&d.off, buf + pos + 8, 8);
    d.type = uint8_t(buf[pos + 18]);
    d.name = std::string(buf + pos + 19);
    EXPECT_LE(19 + d.name.size() + 1, reclen);
    v.push_back(d);
    pos += reclen;
  }
  return v;
}

TEST_F(Lx, Getdents64RecordsAndResumption) {
  ASSERT_EQ(init(sample_image()), 0);
  long fd = open("/etc", O_RDONLY | O_DIRECTORY);
  alignas(8) char buf[4096];
  long n = sys(SYS_getdents64, fd, long(buf), sizeof buf);
  ASSERT_GT(n, 0);
  auto all = parse_dirents(buf, n);
  std::set<std::string> names;
  for (auto& d : all) names.insert(d.name + ":" + std::to_string(d.type));
  EXPECT_EQ(names, (std::set<std::string>{".:4", "..:4", "hello.txt:8", "empty:8", "link:10", "abs:10", "loop1:10",
                                          "loop2:10", "up:10"}));
  EXPECT_EQ(sys(SYS_getdents64, fd, long(buf), sizeof buf), 0) << "end of directory";
  // One record at a time, resuming where the last stopped.
  EXPECT_EQ(sys(SYS_lseek, fd, 0, SEEK_SET), 0);
  std::vector<std::string> one_by_one;
  long r;
  while ((r = sys(SYS_getdents64, fd, long(buf), 32)) > 0) {
    auto v = parse_dirents(buf, r);
    ASSERT_EQ(v.size(), 1u);
    one_by_one.push_back(v[0].name);
  }
  EXPECT_EQ(r, 0);
  EXPECT_EQ(one_by_one.size(), all.size());
  EXPECT_EQ(sys(SYS_getdents64, fd, long(buf), 10), 0) << "at the end even a small buffer reads 0";
  EXPECT_EQ(sys(SYS_lseek, fd, 0, SEEK_SET), 0);
  EXPECT_EQ(sys(SYS_getdents64, fd, long(buf), 10), -EINVAL) << "too small for one record";
  long file = open("/etc/hello.txt");
  EXPECT_EQ(sys(SYS_getdents64, file, long(buf), sizeof buf), -ENOTDIR);
  EXPECT_EQ(sys(SYS_getdents64, 99, long(buf), sizeof buf), -EBADF);
}

// ---- memory

TEST_F(Lx, BrkGrowsShrinksAndRefusesOutsideItsRegion) {
  ASSERT_EQ(init(sample_image()), 0);
  long base = sys(SYS_brk, 0);
  ASSERT_GT(base, 0);
  EXPECT_EQ(base % 4096, 0);
  EXPECT_EQ(sys(SYS_brk, base + 100000), base + 100000);
  char* p = reinterpret_cast<char*>(base);
  memset(p, 'q', 100000);
  EXPECT_EQ(sys(SYS_brk, base + 10), base + 10);
  EXPECT_EQ(sys(SYS_brk, base + 100000), base + 100000);
  EXPECT_EQ(p[50000], 0) << "pages taken again read as zero";
  EXPECT_EQ(p[5], 'q');
  EXPECT_EQ(sys(SYS_brk, base + (2 << 20)), base + 100000) << "beyond the reserve: the break stays";
  EXPECT_EQ(sys(SYS_brk, base - 4096), base + 100000);
}

TEST_F(Lx, MmapMunmapMremapBookkeeping) {
  ASSERT_EQ(init(sample_image()), 0);
  const long P = 4096;
  uint64_t before = double_allocated_bytes();
  long a = sys(SYS_mmap, 0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_GT(a, 0);
  EXPECT_EQ(double_allocated_bytes(), before + 4 * P);
  char* p = reinterpret_cast<char*>(a);
  for (long i = 0; i < 4 * P; i++) ASSERT_EQ(p[i], 0);
  memset(p, 'm', 4 * P);
  EXPECT_EQ(sys(SYS_munmap, a + P, P), 0) << "a hole in the middle";
  EXPECT_EQ(double_allocated_bytes(), before + 3 * P);
  EXPECT_EQ(p[0], 'm');
  EXPECT_EQ(p[2 * P], 'm');
  // MAP_FIXED over the surviving pages refills them; over the hole it is refused.
  EXPECT_EQ(sys(SYS_mmap, a, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), a);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(sys(SYS_mmap, a + P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), -ENOMEM);
  EXPECT_EQ(sys(SYS_mmap, a, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST);
  EXPECT_EQ(sys(SYS_mmap, a + 1, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), -EINVAL);
  // mremap: the [2P, 4P) region grows by moving and keeps its bytes.
  EXPECT_EQ(sys(SYS_mremap, a + 2 * P, 2 * P, 8 * P, 0), -ENOMEM) << "no MREMAP_MAYMOVE";
  long m = sys(SYS_mremap, a + 2 * P, 2 * P, 8 * P, MREMAP_MAYMOVE);
  ASSERT_GT(m, 0);
  EXPECT_EQ(reinterpret_cast<char*>(m)[2 * P - 1], 'm');
  EXPECT_EQ(reinterpret_cast<char*>(m)[7 * P], 0);
  EXPECT_EQ(double_allocated_bytes(), before + P + 8 * P);
  EXPECT_EQ(sys(SYS_mremap, m, 8 * P, 2 * P, 0), m) << "shrink in place";
  EXPECT_EQ(double_allocated_bytes(), before + P + 2 * P);
  EXPECT_EQ(sys(SYS_mremap, a + P, P, 2 * P, MREMAP_MAYMOVE), -EFAULT) << "the hole is not mapped";
  EXPECT_EQ(sys(SYS_mremap, m, 2 * P, 0, 0), -EINVAL);
  // munmap over partly unmapped memory frees only what is mapped.
  EXPECT_EQ(sys(SYS_munmap, a, 4 * P), 0);
  EXPECT_EQ(sys(SYS_munmap, m, 2 * P), 0);
  EXPECT_EQ(double_allocated_bytes(), before);
  EXPECT_EQ(sys(SYS_munmap, a + 1, P), -EINVAL);
  EXPECT_EQ(sys(SYS_munmap, a, 0), -EINVAL);
  EXPECT_EQ(sys(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -EINVAL);
  EXPECT_EQ(sys(SYS_mmap, 0, P, PROT_READ, MAP_ANONYMOUS, -1, 0), -EINVAL) << "neither private nor shared";
  EXPECT_EQ(sys(SYS_mmap, 0, P, 0x100, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -EINVAL) << "bad prot";
  EXPECT_EQ(sys(SYS_mmap, 0, 2L << 30, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -ENOMEM);
  EXPECT_EQ(sys(SYS_mprotect, a, P, PROT_READ), 0);
  EXPECT_EQ(sys(SYS_mprotect, a + 1, P, PROT_READ), -EINVAL);
}

TEST_F(Lx, MmapOfATarFileIsAPrivateCopy) {
  ASSERT_EQ(init(sample_image()), 0);
  long fd = open("/bin/tool");
  long a = sys(SYS_mmap, 0, 5000, PROT_READ, MAP_PRIVATE, fd, 0);
  ASSERT_GT(a, 0);
  const char* p = reinterpret_cast<const char*>(a);
  EXPECT_EQ(std::string(p, 5000), std::string(5000, 'x'));
  EXPECT_EQ(p[5000], 0) << "the rest of the last page is zero";
  long b = sys(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
  ASSERT_GT(b, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(b), 904), std::string(904, 'x'));
  EXPECT_EQ(sys(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 100), -EINVAL) << "unaligned offset";
  EXPECT_EQ(sys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), -EACCES);
  EXPECT_EQ(sys(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 99, 0), -EBADF);
  long d = open("/etc");
  EXPECT_EQ(sys(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, d, 0), -ENODEV);
  EXPECT_EQ(sys(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 1, 0), -ENODEV) << "a channel";
}

// ---- time, random, identity

TEST_F(Lx, ClocksAndSleep) {
  ASSERT_EQ(init(sample_image(), true), 0);
  struct timespec rt, m1, m2;
  EXPECT_EQ(sys(SYS_clock_gettime, CLOCK_REALTIME, long(&rt)), 0);
  EXPECT_EQ(rt.tv_sec, 1700000000);
  EXPECT_EQ(rt.tv_nsec, 5);
  EXPECT_EQ(sys(SYS_clock_gettime, CLOCK_MONOTONIC, long(&m1)), 0);
  struct timespec req = {0, 30 * 1000 * 1000};
  EXPECT_EQ(sys(SYS_nanosleep, long(&req), 0), 0);
  EXPECT_EQ(sys(SYS_clock_gettime, CLOCK_MONOTONIC, long(&m2)), 0);
  int64_t slept = (m2.tv_sec - m1.tv_sec) * 1000000000ll + (m2.tv_nsec - m1.tv_nsec);
  EXPECT_GE(slept, 30 * 1000 * 1000);
  EXPECT_LT(slept, 2000 * 1000 * 1000ll);
  struct timespec abs = m2;
  abs.tv_nsec += 20 * 1000 * 1000;
  if (abs.tv_nsec >= 1000000000) abs.tv_sec++, abs.tv_nsec -= 1000000000;
  EXPECT_EQ(sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, long(&abs), 0), 0);
  EXPECT_EQ(sys(SYS_clock_gettime, CLOCK_MONOTONIC, long(&m1)), 0);
  EXPECT_TRUE(m1.tv_sec > abs.tv_sec || (m1.tv_sec == abs.tv_sec && m1.tv_nsec >= abs.tv_nsec));
  struct timespec bad = {0, 1000000000};
  EXPECT_EQ(sys(SYS_nanosleep, long(&bad), 0), -EINVAL);
  bad = {-1, 0};
  EXPECT_EQ(sys(SYS_nanosleep, long(&bad), 0), -EINVAL);
  EXPECT_EQ(sys(SYS_nanosleep, 0, 0), -EFAULT);
  EXPECT_EQ(sys(SYS_clock_gettime, 99, long(&rt)), -EINVAL);
  EXPECT_EQ(sys(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, long(&req), 0), -EINVAL);
  struct timeval tv;
  EXPECT_EQ(sys(SYS_gettimeofday, long(&tv), 0), 0);
  EXPECT_EQ(tv.tv_sec, 1700000000);
  EXPECT_EQ(sys(SYS_time, 0), 1700000000);
}

TEST_F(Lx, RealtimeRunsFromTheBaseWhenNotFrozen) {
  ASSERT_EQ(init(sample_image(), false), 0);
  struct timespec a, b;
  sys(SYS_clock_gettime, CLOCK_REALTIME, long(&a));
  struct timespec req = {0, 5 * 1000 * 1000};
  sys(SYS_nanosleep, long(&req), 0);
  sys(SYS_clock_gettime, CLOCK_REALTIME, long(&b));
  EXPECT_GE(a.tv_sec, 1700000000);
  EXPECT_LT(a.tv_sec, 1700000010);
  EXPECT_GE((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec), 5 * 1000 * 1000);
}

TEST_F(Lx, GetrandomUnameIdentity) {
  ASSERT_EQ(init(sample_image()), 0);
  std::vector<uint8_t> buf(100000, 0);
  EXPECT_EQ(sys(SYS_getrandom, long(buf.data()), long(buf.size()), 0), 100000) << "more than LIMIT_RANDOM";
  EXPECT_NE(std::count(buf.begin(), buf.end(), 0), 100000);
  EXPECT_EQ(sys(SYS_getrandom, long(buf.data()), 8, 0x40), -EINVAL);
  struct utsname u;
  EXPECT_EQ(sys(SYS_uname, long(&u)), 0);
  EXPECT_STREQ(u.sysname, "Linux");
  EXPECT_STREQ(u.machine, "x86_64");
  EXPECT_EQ(sys(SYS_getpid), XABI_LINUX_PID);
  EXPECT_EQ(sys(SYS_gettid), XABI_LINUX_PID);
  EXPECT_EQ(sys(SYS_getppid), XABI_LINUX_PPID);
  EXPECT_EQ(sys(SYS_getuid), XABI_LINUX_UID);
  EXPECT_EQ(sys(SYS_set_tid_address, 0), XABI_LINUX_PID);
  EXPECT_EQ(sys(SYS_arch_prctl, 0x1002, 0x12340000), 0);
  EXPECT_EQ(double_tls(), 0x12340000u);
  uint64_t fs = 0;
  EXPECT_EQ(sys(SYS_arch_prctl, 0x1003, long(&fs)), 0);
  EXPECT_EQ(fs, 0x12340000u);
  EXPECT_EQ(sys(SYS_arch_prctl, 0x1001, 0), -EINVAL) << "ARCH_SET_GS";
  EXPECT_EQ(sys(SYS_arch_prctl, 0x1002, long(XABI_ADDR_LIMIT)), -EPERM);
  EXPECT_EQ(sys(SYS_rt_sigaction, SIGKILL, 1, 0, 8), -EINVAL);
  EXPECT_EQ(sys(SYS_rt_sigaction, SIGINT, 0, 0, 8), 0);
  EXPECT_EQ(sys(SYS_rt_sigaction, SIGINT, 0, 0, 4), -EINVAL);
}

// ---- futex

TEST_F(Lx, FutexWaitWakeTimeoutAndErrors) {
  ASSERT_EQ(init(sample_image()), 0);
  alignas(4) uint32_t word = 7, other = 0;
  EXPECT_EQ(sys(SYS_futex, long(&word), FUTEX_WAIT_PRIVATE, 8, 0), -EAGAIN);
  struct timespec t = {0, 20 * 1000 * 1000};
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(sys(SYS_futex, long(&word), FUTEX_WAIT_PRIVATE, 7, long(&t)), -ETIMEDOUT);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(20));
  EXPECT_EQ(sys(SYS_futex, long(&word) + 1, FUTEX_WAIT, 7, 0), -EINVAL);
  EXPECT_EQ(sys(SYS_futex, 0, FUTEX_WAKE, 1, 0), -EFAULT);
  EXPECT_EQ(sys(SYS_futex, long(&word), FUTEX_WAIT_BITSET, 7, 0, 0, 1), -EINVAL);
  EXPECT_EQ(sys(SYS_futex, long(&word), FUTEX_WAKE_OP, 1, 0, long(&other), 0), -ENOSYS);
  EXPECT_EQ(sys(SYS_futex, long(&word), FUTEX_CMP_REQUEUE, 1, 1, long(&other), 99), -EAGAIN);
  EXPECT_EQ(sys(SYS_futex, long(&word), FUTEX_WAKE, 1, 0), 0) << "nobody waits";

  std::atomic<long> result{1};
  std::thread waiter([&] { result = sys(SYS_futex, long(&word), FUTEX_WAIT_BITSET_PRIVATE, 7, 0, 0, -1); });
  long woke = 0;
  for (int i = 0; i < 2000 && woke == 0; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    woke = sys(SYS_futex, long(&word), FUTEX_WAKE_PRIVATE, 1, 0);
  }
  waiter.join();
  EXPECT_EQ(woke, 1);
  EXPECT_EQ(result, 0);
}

// ---- threads: clone resumes the child from the parent's registers

extern "C" void clone_child_entry();  // asm below: calls clone_child_body on the new stack
std::atomic<int> g_child_ran{0};
std::atomic<uint64_t> g_child_rsp{0};
struct xabi_linux* g_clone_lx;
extern "C" void clone_child_body(uint64_t rax, uint64_t rsp) {
  g_child_rsp = rsp;
  g_child_ran = int(rax) + 1;  // rax must be 0: clone's return value in the child
  xabi_linux_syscall(g_clone_lx, SYS_exit, 0, 0, 0, 0, 0, 0);
}
asm(".text\n.globl clone_child_entry\nclone_child_entry:\n"
    "  mov %rax, %rdi\n  mov %rsp, %rsi\n  call clone_child_body\n  ud2\n");

thread_local void* t_thread_word = nullptr;
void** thread_word() { return &t_thread_word; }

TEST_F(Lx, CloneStartsAThreadOnItsStackWithRaxZero) {
#if XABI_TEST_UNDER_ASAN
  GTEST_SKIP() << "the child runs on a stack ASan did not allocate";
#endif
  TarWriter t;
  img_ = t.finish();
  xabi_linux_config cfg{};
  cfg.tar = img_.data();
  cfg.tar_len = img_.size();
  cfg.stdio[0] = cfg.stdio[1] = cfg.stdio[2] = XABI_LINUX_NO_CHANNEL;
  cfg.thread_word = thread_word;
  ASSERT_EQ(xabi_linux_init(lx_.get(), &cfg), 0);
  g_clone_lx = lx_.get();
  std::vector<uint64_t> stack(8192);
  uint64_t top = uint64_t(uintptr_t(stack.data() + stack.size())) & ~uint64_t(15);
  alignas(4) static int32_t ctid = -1, ptid = 0;
  struct xabi_linux_regs r{};
  r.rax = SYS_clone;
  r.rdi = 0x3d0f00;  // glibc's pthread_create flags
  r.rsi = top;
  r.rdx = uint64_t(uintptr_t(&ptid));
  r.r10 = uint64_t(uintptr_t(&ctid));
  r.r8 = 0;
  r.rip = uint64_t(uintptr_t(&clone_child_entry));
  r.rflags = 0x202;
  long tid = xabi_linux_syscall_regs(lx_.get(), &r);
  ASSERT_GT(tid, XABI_LINUX_PID);
  EXPECT_EQ(ptid, tid);
  for (int i = 0; i < 5000 && __atomic_load_n(&ctid, __ATOMIC_SEQ_CST) != 0; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(g_child_ran, 1) << "the child saw rax == 0";
  EXPECT_EQ(g_child_rsp, top) << "the child resumed with rsp == newsp";
  EXPECT_EQ(ctid, 0) << "CHILD_CLEARTID cleared at exit";
  // Refused shapes.
  r.rdi = 0x11;  // no CLONE_VM: fork
  EXPECT_EQ(xabi_linux_syscall_regs(lx_.get(), &r), -ENOSYS);
  r.rdi = 0x3d0f00 | 0x20000000;  // CLONE_NEWNS
  EXPECT_EQ(xabi_linux_syscall_regs(lx_.get(), &r), -EINVAL);
  r.rdi = 0x3d0f00;
  r.rsi = 0;
  EXPECT_EQ(xabi_linux_syscall_regs(lx_.get(), &r), -EINVAL);
  EXPECT_EQ(sys(SYS_clone, 0x3d0f00, long(top)), -ENOSYS) << "no register frame";
}

TEST_F(Lx, ExitGroupEndsWithTheStatus) {
  ASSERT_EQ(init(sample_image()), 0);
  EXPECT_EXIT(sys(SYS_exit_group, 42), ::testing::ExitedWithCode(42), "");
  EXPECT_EXIT(sys(SYS_exit, 7), ::testing::ExitedWithCode(7), "") << "the last thread ends the process";
}

// ---- initial stack

TEST_F(Lx, InitialStackLayout) {
  ASSERT_EQ(init(sample_image()), 0);
  std::vector<uint8_t> stack(65536);
  xabi_linux_auxv_in aux{0x400040, 56, 9, 0x401000};
  uint64_t* sp = xabi_linux_initial_stack(lx_.get(), stack.data(), stack.size(), &aux);
  ASSERT_NE(sp, nullptr);
  EXPECT_EQ(uintptr_t(sp) % 16, 0u);
  EXPECT_GE(uintptr_t(sp), uintptr_t(stack.data()));
  EXPECT_EQ(sp[0], 2u);
  EXPECT_STREQ(reinterpret_cast<const char*>(sp[1]), "/bin/prog");
  EXPECT_STREQ(reinterpret_cast<const char*>(sp[2]), "arg1");
  EXPECT_EQ(sp[3], 0u);
  EXPECT_STREQ(reinterpret_cast<const char*>(sp[4]), "HOME=/tmp");
  EXPECT_EQ(sp[5], 0u);
  std::map<uint64_t, uint64_t> av;
  uint64_t* a = sp + 6;
  for (; a[0] != 0; a += 2) av[a[0]] = a[1];
  EXPECT_EQ(a[1], 0u) << "AT_NULL";
  EXPECT_EQ(av[6], 4096u) << "AT_PAGESZ";
  EXPECT_EQ(av[3], 0x400040u);
  EXPECT_EQ(av[4], 56u);
  EXPECT_EQ(av[5], 9u);
  EXPECT_EQ(av[9], 0x401000u);
  ASSERT_TRUE(av.count(25));
  EXPECT_GT(av[25], uintptr_t(a));
  EXPECT_LE(av[25] + 16, uintptr_t(stack.data() + stack.size())) << "AT_RANDOM's 16 bytes are on the stack";
  EXPECT_STREQ(reinterpret_cast<const char*>(av[15]), "x86_64");
  EXPECT_STREQ(reinterpret_cast<const char*>(av[31]), "/bin/prog");
  for (auto p : {sp[1], sp[2], sp[4]}) EXPECT_LT(p, uintptr_t(stack.data() + stack.size()));
  EXPECT_EQ(xabi_linux_initial_stack(lx_.get(), stack.data(), 64, &aux), nullptr) << "too small";
}

// ---- the table

TEST_F(Lx, TableEntriesAnswerAsListedAndUnknownIsEnosys) {
  ASSERT_EQ(init(sample_image()), 0);
  std::set<int> seen;
  int handled = 0, errno_only = 0;
  for (unsigned i = 0; const xabi_linux_table_entry* e = xabi_linux_table(i); i++) {
    EXPECT_TRUE(seen.insert(e->nr).second) << "duplicate " << e->name;
    if (e->kind == XABI_LINUX_ERRNO_ONLY) {
      errno_only++;
      EXPECT_EQ(sys(e->nr, 0, 0, 0, 0, 0, 0), -e->err) << e->name;
      continue;
    }
    handled++;
    // Every handled call is served somewhere: with zero arguments none
    // answers ENOSYS except clone (no register frame). exit/exit_group end the
    // process; ppoll on no fds with no timeout waits forever, as on Linux.
    if (e->nr == SYS_exit || e->nr == SYS_exit_group || e->nr == SYS_clone || e->nr == SYS_ppoll) continue;
    EXPECT_NE(sys(e->nr, 0, 0, 0, 0, 0, 0), -ENOSYS) << e->name;
  }
  EXPECT_GT(handled, 80);
  EXPECT_GT(errno_only, 15);
  for (long nr : {-1L, 23L, 440L, 1000L, 100000L}) EXPECT_EQ(sys(nr), -ENOSYS) << nr;
}

std::string generated_table() {
  std::ostringstream o;
  o << "| nr | call | answer | what |\n|---:|---|---|---|\n";
  for (unsigned i = 0; const xabi_linux_table_entry* e = xabi_linux_table(i); i++) {
    o << "| " << e->nr << " | `" << e->name << "` | ";
    if (e->kind == XABI_LINUX_HANDLED) o << "handled";
    else o << "-" << strerrorname_np(e->err);
    o << " | " << e->what << " |\n";
  }
  return o.str();
}

TEST(LinuxPersonalityDoc, TableMatchesTheCode) {
  if (getenv("XABI_PERSONALITY_PRINT_TABLE")) printf("%s", generated_table().c_str());
  std::ifstream f(PERSONALITY_DOC);
  std::string doc((std::istreambuf_iterator<char>(f)), {});
  const std::string begin = "<!-- table: generated from pal/personality/syscalls.def -->\n", end = "<!-- end table -->";
  size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  std::string in_doc = doc.substr(b + begin.size(), e - b - begin.size());
  EXPECT_EQ(in_doc, generated_table()) << "regenerate with XABI_PERSONALITY_PRINT_TABLE=1";
}

}  // namespace
