/* Reading a guest image into private memory.
 *
 * Usage:
 *   struct image_file f;
 *   int err = image_file_read_fd(XABI_LINK_FD_IMAGE, &f);  // closes the fd
 *   if (err < 0) ... -err is an errno ...
 *   ... elf_image_validate(f.data, f.size, &img) ...
 *   image_file_release(&f);
 *
 * The bytes are copied (not mapped) so the file cannot change between
 * validation and loading. Only regular files (including memfds) of at most
 * ELF_IMAGE_MAX_FILE bytes are accepted. */
#ifndef XABI_BOOTSTRAP_IMAGE_FILE_H
#define XABI_BOOTSTRAP_IMAGE_FILE_H

#include <stddef.h>

struct image_file {
  unsigned char *data;
  size_t size;
};

/* Reads all of `fd` and closes it either way. Returns 0 or a negative errno. */
int image_file_read_fd(int fd, struct image_file *out);

void image_file_release(struct image_file *f);

#endif
