/* Mapping a validated image into a fresh, randomly placed reservation.
 *
 * Usage:
 *   uintptr_t entry;
 *   int err = image_load(&img, file.data, &entry);   // img from elf_image_validate
 *   if (err < 0) ... strerror(-err) ...
 *
 * One PROT_NONE mapping at a kernel-chosen address covers the whole span, so
 * gaps between segments stay inaccessible; each segment's pages are made
 * writable, filled from the file, and then given their final protection.
 * Pages come from an anonymous mapping, so [filesz, memsz) (.bss) is zero. */
#ifndef XABI_BOOTSTRAP_IMAGE_LOADER_H
#define XABI_BOOTSTRAP_IMAGE_LOADER_H

#include <stdint.h>

#include "elf_image.h"

/* `file` is the whole validated file. On success *entry is the run-time entry
 * address. Returns 0 or a negative errno (the reservation is then unmapped). */
int image_load(const struct elf_image *img, const unsigned char *file, uintptr_t *entry);

#endif
