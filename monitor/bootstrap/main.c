/* xabi-bootstrap: loads a guest image and runs it as a picoprocess.
 *
 * Usage: xabi-bootstrap IMAGE_FD_OR_PATH [ARGS...]
 *   IMAGE_FD_OR_PATH  a path, or the number of an inherited fd (e.g. a memfd)
 *   ARGS              accepted and ignored: the test table has no argv yet
 *
 * Exit status: the guest's own status if it ran; 2 for a usage error;
 * 126 if the image could not be read, validated or mapped (the reason goes to
 * stderr as "xabi-bootstrap: <what>: <ERROR_NAME>: <message>"). A guest that
 * crashes kills the process with its signal; nothing here catches it.
 *
 * Deliberately small and libc-light (write, mmap, mprotect, pread): this
 * process becomes the picoprocess and will be sealed by seccomp. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "elf_image.h"
#include "enter_guest.h"
#include "guest_stack.h"
#include "image_file.h"
#include "image_loader.h"
#include "test_table.h"

enum { EXIT_USAGE = 2, EXIT_LOAD_FAILED = 126 };

/* Writes "xabi-bootstrap: a: b: c\n" to stderr; NULL parts are skipped. */
static void say(const char *a, const char *b, const char *c) {
  const char *parts[] = {"xabi-bootstrap", a, b, c};
  char line[512];
  size_t len = 0;
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; ++i) {
    if (parts[i] == NULL)
      continue;
    for (const char *p = i ? ": " : ""; *p != '\0' && len < sizeof line - 1; ++p)
      line[len++] = *p;
    for (const char *p = parts[i]; *p != '\0' && len < sizeof line - 1; ++p)
      line[len++] = *p;
  }
  line[len++] = '\n';
  ssize_t ignored = write(STDERR_FILENO, line, len);
  (void)ignored; /* nowhere left to report a failure to report */
}

int main(int argc, char **argv) {
  if (argc < 2) {
    say("usage: xabi-bootstrap IMAGE_FD_OR_PATH [ARGS...]", NULL, NULL);
    return EXIT_USAGE;
  }

  struct image_file file;
  int err = image_file_read(argv[1], &file);
  if (err < 0) {
    say("cannot read image", argv[1], strerror(-err));
    return EXIT_LOAD_FAILED;
  }

  struct elf_image img;
  enum elf_image_error bad = elf_image_validate(file.data, file.size, &img);
  if (bad != ELF_IMAGE_OK) {
    say("invalid image", elf_image_error_name(bad), elf_image_error_message(bad));
    return EXIT_LOAD_FAILED;
  }

  uintptr_t entry;
  if ((err = image_load(&img, file.data, &entry)) < 0) {
    say("cannot map image", strerror(-err), NULL);
    return EXIT_LOAD_FAILED;
  }
  image_file_release(&file);

  void *stack_top;
  if ((err = guest_stack_alloc(GUEST_STACK_SIZE, &stack_top)) < 0) {
    say("cannot allocate guest stack", strerror(-err), NULL);
    return EXIT_LOAD_FAILED;
  }
  xabi_enter_guest(entry, &xabi_bootstrap_table, stack_top);
}
