/* Reading a guest image into private memory; see image_file.h. */
#include "image_file.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_image.h"

static int read_all(int fd, unsigned char *buf, size_t size) {
  size_t done = 0;
  while (done < size) {
    /* pread: the fd's offset may be anywhere (e.g. just after writing a memfd). */
    ssize_t n = pread(fd, buf + done, size - done, (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return -EIO; /* shrank under us */
    done += (size_t)n;
  }
  return 0;
}

static int read_fd(int fd, struct image_file *out) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return -errno;
  if (!S_ISREG(st.st_mode))
    return -EINVAL;
  if (st.st_size <= 0 || (unsigned long long)st.st_size > ELF_IMAGE_MAX_FILE)
    return -EFBIG;
  size_t size = (size_t)st.st_size;
  void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED)
    return -errno;
  int err = read_all(fd, buf, size);
  if (err != 0) {
    munmap(buf, size);
    return err;
  }
  out->data = buf;
  out->size = size;
  return 0;
}

int image_file_read_fd(int fd, struct image_file *out) {
  int err = read_fd(fd, out);
  close(fd); /* the guest must not inherit it */
  return err;
}

void image_file_release(struct image_file *f) {
  if (f->data != NULL)
    munmap(f->data, f->size);
  f->data = NULL;
  f->size = 0;
}
