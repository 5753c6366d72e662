/* Strict validation of an untrusted guest image (ELF64 x86-64 static PIE).
 *
 * Usage:
 *   struct elf_image img;
 *   enum elf_image_error e = elf_image_validate(bytes, size, &img);
 *   if (e != ELF_IMAGE_OK)
 *     report(elf_image_error_name(e), elf_image_error_message(e));
 *   else
 *     load img.segments[0 .. img.n_segments) into a reservation of
 *     img.span_hi - img.span_lo bytes, at bias = reservation - img.span_lo.
 *
 * A pure function over a byte buffer: no I/O, no allocation, no globals, so
 * it can be unit-tested and fuzzed. Every size and offset is checked with
 * overflow-safe arithmetic before use. Accepted images have: ELF64, little
 * endian, x86-64, ET_DYN; program headers inside the file; 1 to
 * ELF_IMAGE_MAX_SEGMENTS non-empty PT_LOADs sorted by address whose page
 * ranges do not overlap, with power-of-two alignment >= 4 KiB, file ranges
 * inside the file, p_filesz <= p_memsz, never both writable and executable;
 * a total span of at most ELF_IMAGE_MAX_SPAN; the entry point inside an
 * executable segment; no PT_INTERP, no PT_TLS, no executable stack. */
#ifndef XABI_ELF_IMAGE_H
#define XABI_ELF_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ELF_IMAGE_PAGE_SIZE 4096u
#define ELF_IMAGE_MAX_SEGMENTS 16u
#define ELF_IMAGE_MAX_PHNUM 64u
#define ELF_IMAGE_MAX_SPAN (1ull << 30)      /* 1 GiB of address space */
#define ELF_IMAGE_MAX_FILE (1ull << 30)      /* and of file */
#define ELF_IMAGE_MAX_ADDRESS (1ull << 46)   /* link-time addresses stay small */

/* X-macro: name, message. Each check returns the first failure it finds. */
#define ELF_IMAGE_ERRORS(X)                                                        \
  X(ELF_IMAGE_OK, "valid image")                                                   \
  X(ELF_IMAGE_TRUNCATED, "file is shorter than an ELF header")                    \
  X(ELF_IMAGE_FILE_TOO_LARGE, "file is larger than the image size limit")         \
  X(ELF_IMAGE_BAD_MAGIC, "not an ELF file (bad magic)")                            \
  X(ELF_IMAGE_BAD_CLASS, "not a 64-bit ELF file")                                  \
  X(ELF_IMAGE_BAD_ENDIAN, "not a little-endian ELF file")                          \
  X(ELF_IMAGE_BAD_VERSION, "unknown ELF version")                                  \
  X(ELF_IMAGE_BAD_OSABI, "unsupported OS ABI")                                     \
  X(ELF_IMAGE_BAD_MACHINE, "not an x86-64 image")                                  \
  X(ELF_IMAGE_NOT_DYN, "not a position-independent image (e_type is not ET_DYN)") \
  X(ELF_IMAGE_BAD_EHSIZE, "ELF header size is wrong")                              \
  X(ELF_IMAGE_BAD_PHENTSIZE, "program header entry size is wrong")                 \
  X(ELF_IMAGE_BAD_PHNUM, "no program headers, or too many")                        \
  X(ELF_IMAGE_PHDR_OUT_OF_BOUNDS, "program header table lies outside the file")   \
  X(ELF_IMAGE_INTERP, "image asks for an interpreter (PT_INTERP)")                \
  X(ELF_IMAGE_TLS, "image needs thread-local storage (PT_TLS)")                   \
  X(ELF_IMAGE_UNKNOWN_PHDR, "unsupported program header type")                     \
  X(ELF_IMAGE_EXEC_STACK, "image asks for an executable stack")                    \
  X(ELF_IMAGE_BAD_FLAGS, "segment has unknown flag bits")                          \
  X(ELF_IMAGE_WX_SEGMENT, "segment is both writable and executable")              \
  X(ELF_IMAGE_EMPTY_SEGMENT, "loadable segment has zero size")                     \
  X(ELF_IMAGE_BAD_ALIGN, "segment alignment is invalid or inconsistent")          \
  X(ELF_IMAGE_FILESZ_GT_MEMSZ, "segment file size exceeds its memory size")       \
  X(ELF_IMAGE_SEGMENT_OUT_OF_FILE, "segment data lies outside the file")          \
  X(ELF_IMAGE_ADDRESS_OVERFLOW, "segment address range overflows or is too high") \
  X(ELF_IMAGE_OVERLAP, "loadable segments overlap or are not sorted")             \
  X(ELF_IMAGE_TOO_MANY_SEGMENTS, "too many loadable segments")                     \
  X(ELF_IMAGE_NO_LOAD, "no loadable segment")                                      \
  X(ELF_IMAGE_SPAN_TOO_LARGE, "image spans more address space than allowed")      \
  X(ELF_IMAGE_BAD_DYNAMIC, "dynamic section is duplicated or not loaded")         \
  X(ELF_IMAGE_BAD_ENTRY, "entry point is not in an executable segment")            \
  X(ELF_IMAGE_NOT_EXEC, "not a fixed-address executable (e_type is not ET_EXEC)")  \
  X(ELF_IMAGE_OUTSIDE_WINDOW, "a segment lies outside the addresses a legacy image may use") \
  X(ELF_IMAGE_BAD_TLS, "thread-local storage template is duplicated or not loaded")

enum elf_image_error {
#define ELF_IMAGE_ENUM(name, msg) name,
  ELF_IMAGE_ERRORS(ELF_IMAGE_ENUM)
#undef ELF_IMAGE_ENUM
      ELF_IMAGE_ERROR_COUNT
};

/* Segment permissions, independent of <sys/mman.h>. */
enum { ELF_SEG_R = 4, ELF_SEG_W = 2, ELF_SEG_X = 1 };

struct elf_image_segment {
  uint64_t vaddr;  /* link-time address of the first byte */
  uint64_t memsz;  /* bytes in memory; [filesz, memsz) is zero */
  uint64_t offset; /* file offset of the first byte */
  uint64_t filesz; /* bytes copied from the file */
  unsigned flags;  /* ELF_SEG_* */
};

struct elf_image {
  uint64_t entry;   /* link-time entry address */
  uint64_t span_lo; /* page-aligned lowest address of any segment */
  uint64_t span_hi; /* page-aligned end of the highest segment */
  uint64_t phoff;   /* file offset of the program headers */
  unsigned phnum;
  size_t n_segments;
  struct elf_image_segment segments[ELF_IMAGE_MAX_SEGMENTS];
};

/* Validates `size` bytes at `data`; on ELF_IMAGE_OK fills *out (on error *out
 * is unspecified). */
enum elf_image_error elf_image_validate(const void *data, size_t size, struct elf_image *out);

/* An unmodified Linux program (the Linux personality, docs/linux-personality.md):
 * as above except that the image is ET_EXEC, loaded at its link address, so
 * every segment must lie in [window_lo, window_hi); PT_TLS is allowed (once,
 * inside a loaded segment: glibc sets its own TLS up from it) and the entry
 * must be executable. ET_DYN (PIE) programs are refused with
 * ELF_IMAGE_NOT_EXEC. */
enum elf_image_error elf_image_validate_exec(const void *data, size_t size, uint64_t window_lo, uint64_t window_hi,
                                             struct elf_image *out);

/* "ELF_IMAGE_BAD_MAGIC" and a one-line explanation; never NULL. */
const char *elf_image_error_name(enum elf_image_error e);
const char *elf_image_error_message(enum elf_image_error e);

#ifdef __cplusplus
}
#endif

#endif
