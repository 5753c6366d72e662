/* Strict validation of an untrusted guest image; see elf_image.h.
 *
 * Headers are copied out of the buffer with memcpy (the buffer need not be
 * aligned), and every sum of two file-controlled values goes through
 * __builtin_add_overflow before it is compared or used. */
#include "elf_image.h"

#include <elf.h>
#include <string.h>

static int is_pow2(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

static uint64_t page_down(uint64_t x) { return x & ~(uint64_t)(ELF_IMAGE_PAGE_SIZE - 1); }

/* Only called on addresses below ELF_IMAGE_MAX_ADDRESS, so it cannot wrap. */
static uint64_t page_up(uint64_t x) { return page_down(x + ELF_IMAGE_PAGE_SIZE - 1); }

/* [off, off + len) lies inside a buffer of `size` bytes. */
static int in_file(uint64_t off, uint64_t len, size_t size) {
  uint64_t end;
  return !__builtin_add_overflow(off, len, &end) && end <= size;
}

/* What kind of image a caller accepts. */
struct image_kind {
  int exec;                      /* ET_EXEC at its link address, else ET_DYN */
  uint64_t window_lo, window_hi; /* exec only */
};

static enum elf_image_error check_header(const Elf64_Ehdr *eh, size_t size, const struct image_kind *kind) {
  const unsigned char *id = eh->e_ident;
  if (id[EI_MAG0] != ELFMAG0 || id[EI_MAG1] != ELFMAG1 || id[EI_MAG2] != ELFMAG2 ||
      id[EI_MAG3] != ELFMAG3)
    return ELF_IMAGE_BAD_MAGIC;
  if (id[EI_CLASS] != ELFCLASS64)
    return ELF_IMAGE_BAD_CLASS;
  if (id[EI_DATA] != ELFDATA2LSB)
    return ELF_IMAGE_BAD_ENDIAN;
  if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
    return ELF_IMAGE_BAD_VERSION;
  if (id[EI_OSABI] != ELFOSABI_SYSV && id[EI_OSABI] != ELFOSABI_GNU)
    return ELF_IMAGE_BAD_OSABI;
  if (eh->e_machine != EM_X86_64)
    return ELF_IMAGE_BAD_MACHINE;
  if (kind->exec && eh->e_type != ET_EXEC)
    return ELF_IMAGE_NOT_EXEC;
  if (!kind->exec && eh->e_type != ET_DYN)
    return ELF_IMAGE_NOT_DYN;
  if (eh->e_ehsize != sizeof(Elf64_Ehdr))
    return ELF_IMAGE_BAD_EHSIZE;
  if (eh->e_phentsize != sizeof(Elf64_Phdr))
    return ELF_IMAGE_BAD_PHENTSIZE;
  if (eh->e_phnum == 0 || eh->e_phnum > ELF_IMAGE_MAX_PHNUM) /* also rejects PN_XNUM */
    return ELF_IMAGE_BAD_PHNUM;
  if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size))
    return ELF_IMAGE_PHDR_OUT_OF_BOUNDS;
  return ELF_IMAGE_OK;
}

/* One PT_LOAD on its own; its neighbours are checked in check_layout(). */
static enum elf_image_error check_load(const Elf64_Phdr *ph, size_t size,
                                       struct elf_image_segment *seg) {
  if (ph->p_flags & ~(Elf64_Word)(PF_R | PF_W | PF_X))
    return ELF_IMAGE_BAD_FLAGS;
  if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
    return ELF_IMAGE_WX_SEGMENT;
  if (ph->p_memsz == 0)
    return ELF_IMAGE_EMPTY_SEGMENT;
  /* Congruence lets a later loader mmap the file instead of copying it. */
  if (!is_pow2(ph->p_align) || ph->p_align < ELF_IMAGE_PAGE_SIZE ||
      ph->p_align > ELF_IMAGE_MAX_SPAN || ph->p_vaddr % ph->p_align != ph->p_offset % ph->p_align)
    return ELF_IMAGE_BAD_ALIGN;
  if (ph->p_filesz > ph->p_memsz)
    return ELF_IMAGE_FILESZ_GT_MEMSZ;
  if (!in_file(ph->p_offset, ph->p_filesz, size))
    return ELF_IMAGE_SEGMENT_OUT_OF_FILE;
  uint64_t end;
  if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end) || end > ELF_IMAGE_MAX_ADDRESS)
    return ELF_IMAGE_ADDRESS_OVERFLOW;

  seg->vaddr = ph->p_vaddr;
  seg->memsz = ph->p_memsz;
  seg->offset = ph->p_offset;
  seg->filesz = ph->p_filesz;
  seg->flags = ((ph->p_flags & PF_R) ? ELF_SEG_R : 0) | ((ph->p_flags & PF_W) ? ELF_SEG_W : 0) |
               ((ph->p_flags & PF_X) ? ELF_SEG_X : 0);
  return ELF_IMAGE_OK;
}

/* Segments must be ascending and must not share a page: each page gets
 * exactly one segment's protection, so W^X holds page by page. */
static enum elf_image_error check_layout(struct elf_image *img) {
  if (img->n_segments == 0)
    return ELF_IMAGE_NO_LOAD;
  for (size_t i = 1; i < img->n_segments; ++i) {
    const struct elf_image_segment *prev = &img->segments[i - 1], *cur = &img->segments[i];
    if (page_down(cur->vaddr) < page_up(prev->vaddr + prev->memsz))
      return ELF_IMAGE_OVERLAP;
  }
  const struct elf_image_segment *last = &img->segments[img->n_segments - 1];
  img->span_lo = page_down(img->segments[0].vaddr);
  img->span_hi = page_up(last->vaddr + last->memsz);
  if (img->span_hi - img->span_lo > ELF_IMAGE_MAX_SPAN)
    return ELF_IMAGE_SPAN_TOO_LARGE;
  return ELF_IMAGE_OK;
}

/* [addr, addr + len) lies inside the file-backed part of one segment with
 * all of `flags`. */
static int in_segment(const struct elf_image *img, uint64_t addr, uint64_t len, unsigned flags) {
  uint64_t end;
  if (__builtin_add_overflow(addr, len, &end))
    return 0;
  for (size_t i = 0; i < img->n_segments; ++i) {
    const struct elf_image_segment *s = &img->segments[i];
    if ((s->flags & flags) == flags && addr >= s->vaddr && end <= s->vaddr + s->filesz)
      return 1;
  }
  return 0;
}

static enum elf_image_error validate(const void *data, size_t size, const struct image_kind *kind,
                                     struct elf_image *out) {
  const unsigned char *bytes = data;
  Elf64_Ehdr eh;
  if (size < sizeof eh)
    return ELF_IMAGE_TRUNCATED;
  if (size > ELF_IMAGE_MAX_FILE)
    return ELF_IMAGE_FILE_TOO_LARGE;
  memcpy(&eh, bytes, sizeof eh);
  enum elf_image_error e = check_header(&eh, size, kind);
  if (e != ELF_IMAGE_OK)
    return e;

  memset(out, 0, sizeof *out);
  out->entry = eh.e_entry;
  out->phoff = eh.e_phoff;
  out->phnum = eh.e_phnum;
  int have_dynamic = 0, have_tls = 0;
  Elf64_Phdr dynamic = {0}, tls = {0};
  for (size_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    memcpy(&ph, bytes + eh.e_phoff + i * sizeof ph, sizeof ph);
    switch (ph.p_type) {
    case PT_LOAD:
      /* An empty segment maps nothing (GNU ld emits one for an empty
       * read-only group when clang builds the image): skip it. */
      if (ph.p_memsz == 0 && ph.p_filesz == 0)
        break;
      if (out->n_segments == ELF_IMAGE_MAX_SEGMENTS)
        return ELF_IMAGE_TOO_MANY_SEGMENTS;
      if ((e = check_load(&ph, size, &out->segments[out->n_segments])) != ELF_IMAGE_OK)
        return e;
      out->n_segments++;
      break;
    case PT_DYNAMIC:
      if (have_dynamic)
        return ELF_IMAGE_BAD_DYNAMIC;
      have_dynamic = 1;
      dynamic = ph;
      break;
    case PT_INTERP:
      return ELF_IMAGE_INTERP;
    case PT_TLS:
      if (!kind->exec)
        return ELF_IMAGE_TLS;
      if (have_tls)
        return ELF_IMAGE_BAD_TLS;
      have_tls = 1;
      tls = ph;
      break;
    case PT_GNU_STACK:
      if (ph.p_flags & PF_X)
        return ELF_IMAGE_EXEC_STACK;
      break;
    case PT_NULL:
    case PT_NOTE:
    case PT_PHDR:
    case PT_GNU_EH_FRAME:
    case PT_GNU_PROPERTY:
    case PT_GNU_RELRO: /* advisory; the guest relocates itself, so it stays writable */
      break;
    default:
      return ELF_IMAGE_UNKNOWN_PHDR;
    }
  }
  if ((e = check_layout(out)) != ELF_IMAGE_OK)
    return e;
  /* The guest walks its own dynamic section before anything else runs. */
  if (have_dynamic && !in_segment(out, dynamic.p_vaddr, dynamic.p_memsz, ELF_SEG_R))
    return ELF_IMAGE_BAD_DYNAMIC;
  if (!in_segment(out, out->entry, 1, ELF_SEG_X))
    return ELF_IMAGE_BAD_ENTRY;
  if (kind->exec) {
    if (out->span_lo < kind->window_lo || out->span_hi > kind->window_hi)
      return ELF_IMAGE_OUTSIDE_WINDOW;
    /* The template is the file-backed part; glibc reads it where it is loaded. */
    if (have_tls && tls.p_filesz && !in_segment(out, tls.p_vaddr, tls.p_filesz, ELF_SEG_R))
      return ELF_IMAGE_BAD_TLS;
  }
  return ELF_IMAGE_OK;
}

enum elf_image_error elf_image_validate(const void *data, size_t size, struct elf_image *out) {
  const struct image_kind pie = {0, 0, 0};
  return validate(data, size, &pie, out);
}

enum elf_image_error elf_image_validate_exec(const void *data, size_t size, uint64_t window_lo, uint64_t window_hi,
                                             struct elf_image *out) {
  const struct image_kind exec = {1, window_lo, window_hi};
  return validate(data, size, &exec, out);
}

static const char *const k_names[] = {
#define ELF_IMAGE_NAME(name, msg) #name,
    ELF_IMAGE_ERRORS(ELF_IMAGE_NAME)
#undef ELF_IMAGE_NAME
};

static const char *const k_messages[] = {
#define ELF_IMAGE_MESSAGE(name, msg) msg,
    ELF_IMAGE_ERRORS(ELF_IMAGE_MESSAGE)
#undef ELF_IMAGE_MESSAGE
};

const char *elf_image_error_name(enum elf_image_error e) {
  return (unsigned)e < ELF_IMAGE_ERROR_COUNT ? k_names[e] : "ELF_IMAGE_UNKNOWN_ERROR";
}

const char *elf_image_error_message(enum elf_image_error e) {
  return (unsigned)e < ELF_IMAGE_ERROR_COUNT ? k_messages[e] : "unknown error code";
}
