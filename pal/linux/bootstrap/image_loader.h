/* Mapping a validated image at a fixed base inside the picoprocess's region.
 *
 * Usage:
 *   uintptr_t entry;
 *   int err = image_load(&img, file.data, region_base + XABI_LINK_IMAGE_OFFSET, &entry);
 *   if (err < 0) ... -err is an errno ...
 *
 * One PROT_NONE mapping (MAP_FIXED_NOREPLACE: never over something already
 * there) covers the whole span, so gaps between segments stay inaccessible;
 * each segment's pages are made writable, filled from the file, and then
 * given their final protection (the validator guarantees none is W+X).
 * Pages come from an anonymous mapping, so [filesz, memsz) (.bss) is zero. */
#ifndef XABI_BOOTSTRAP_IMAGE_LOADER_H
#define XABI_BOOTSTRAP_IMAGE_LOADER_H

#include <stdint.h>

#include "elf_image.h"

/* `file` is the whole validated file; `load_base` is page-aligned and is where
 * the image's lowest page (span_lo) goes. On success *entry is the run-time
 * entry address. Returns 0 or a negative errno (the mapping is then removed). */
int image_load(const struct elf_image *img, const unsigned char *file, uintptr_t load_base,
               uintptr_t *entry);

#endif
