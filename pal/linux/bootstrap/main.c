/* xabi-bootstrap: becomes one picoprocess, as host_link.h lays it out.
 *
 * Usage: only xabi-host's launcher (monitor/launch) runs it, as
 *   execve("/abs/xabi-bootstrap", {"xabi-bootstrap", NULL}, {NULL})
 * with fds 3 (image), 4 (call area memfd), 5 (arena memfd), 6 (doorbell
 * eventfd) and nothing else open. It maps the call area, arena, image and
 * stack inside the region the header names, closes 3..5, fills the dispatch
 * table, seals itself (NO_NEW_PRIVS + the header's seccomp filter with a
 * listener), rings the doorbell, waits for the monitor's go and jumps into the
 * guest with %rdi = the table. It never returns.
 *
 * Exit status if it gives up before sealing: an XABI_BOOTSTRAP_ code
 * (bootstrap_exit.h); there is no stderr to write to. Statically linked, so no
 * dynamic loader state exists in the picoprocess. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootstrap_exit.h"
#include "elf_image.h"
#include "enter_guest.h"
#include "guest_memory.h"
#include "guest_stack.h"
#include "host_link.h"
#include "image_file.h"
#include "image_loader.h"
#include "link_header.h"
#include "pal_state.h"
#include "transport.h"
#include "region_map.h"
#include "seal.h"
#include "transport.h"
#include "xabi/pal_stubs.h"

/* The guest reads it through the pointer it is handed; in the bootstrap's own
 * .bss, outside the region, like the PAL code it points to. */
static struct xabi_dispatch g_table;

/* What the guest may pass to the ABI as its memory (guest_memory.h): the
 * image's segments with their permissions, the initial stack, the read-only
 * alarms and argument blocks; the arena's pages as the host hands them out. */
/* --linux: the program's segments at their link addresses, and the memfd
 * with its file and the tar image, read-only at XABI_LINK_FS_OFFSET. */
struct linux_program {
  struct elf_image img;
  uint64_t files_size; /* bytes mapped at region_base + XABI_LINK_FS_OFFSET; 0: no program */
};

static unsigned add_segments(struct xabi_pal_static_area *areas, unsigned n, unsigned room, const struct elf_image *img,
                             uint64_t bias) {
  for (size_t i = 0; i < img->n_segments && n < room; ++i) {
    const struct elf_image_segment *sg = &img->segments[i];
    const uint64_t lo = (sg->vaddr + bias) & ~(uint64_t)(ELF_IMAGE_PAGE_SIZE - 1);
    const uint64_t hi = (sg->vaddr + bias + sg->memsz + ELF_IMAGE_PAGE_SIZE - 1) & ~(uint64_t)(ELF_IMAGE_PAGE_SIZE - 1);
    areas[n++] = (struct xabi_pal_static_area){lo, hi, (sg->flags & ELF_SEG_W) != 0};
  }
  return n;
}

static int describe_guest_memory(const struct elf_image *img, uint64_t load_base, uint64_t stack_top,
                                 const struct link_layout *lay, const struct linux_program *lp) {
  struct xabi_pal_static_area areas[XABI_PAL_MAX_STATIC_AREAS];
  unsigned n = add_segments(areas, 0, XABI_PAL_MAX_STATIC_AREAS - 3, img, load_base - img->span_lo);
  if (lp->files_size) {
    n = add_segments(areas, n, XABI_PAL_MAX_STATIC_AREAS - 3, &lp->img, 0);
    const uint64_t fs = lay->region_base + XABI_LINK_FS_OFFSET;
    areas[n++] = (struct xabi_pal_static_area){fs, fs + lp->files_size, 0};
  }
  areas[n++] = (struct xabi_pal_static_area){stack_top - XABI_LINK_STACK_SIZE, stack_top, 1};
  const uint64_t ro = lay->region_base + XABI_LINK_CALLS_OFFSET + XABI_LINK_RO_OFFSET;
  areas[n++] = (struct xabi_pal_static_area){ro, ro + sizeof(struct xabi_link_ro), 0};
  /* One bit per arena page, zero (nothing allocated yet); untouched pages cost nothing. */
  const uint64_t bytes = (lay->arena_size / ELF_IMAGE_PAGE_SIZE + 63) / 64 * 8;
  void *bitmap = mmap(NULL, bytes ? bytes : 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (bitmap == MAP_FAILED)
    return -1;
  return xabi_pal_linux_memory_init(lay->region_base + XABI_LINK_ARENA_OFFSET, lay->arena_size, bitmap, areas, n);
}

/* --linux: maps XABI_LINK_FD_LINUX read-only, checks the program again (the
 * memfd is sealed: these are the bytes the monitor checked) and loads it at
 * its link address. 0 or -1. */
static int load_linux_program(const struct link_layout *lay, struct linux_program *lp) {
  const uint64_t fs_at = (lay->linux_program_size + ELF_IMAGE_PAGE_SIZE - 1) & ~(uint64_t)(ELF_IMAGE_PAGE_SIZE - 1);
  const uint64_t size = fs_at + lay->linux_fs_size;
  struct stat st;
  if (fstat(XABI_LINK_FD_LINUX, &st) != 0 || (uint64_t)st.st_size != size)
    return -1;
  void *at = (void *)(uintptr_t)(lay->region_base + XABI_LINK_FS_OFFSET);
  /* MAP_POPULATE: the tar is read through, so map its pages now, in one go,
   * rather than fault them in one by one (the memfd holds them already). */
  void *files = mmap(at, size, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE | MAP_POPULATE, XABI_LINK_FD_LINUX, 0);
  close(XABI_LINK_FD_LINUX);
  if (files != at)
    return -1;
  uintptr_t entry;
  if (elf_image_validate_exec(files, lay->linux_program_size, XABI_LINK_LEGACY_LO, XABI_LINK_LEGACY_HI, &lp->img) !=
          ELF_IMAGE_OK ||
      image_load(&lp->img, files, lp->img.span_lo, &entry) != 0)
    return -1;
  lp->files_size = size;
  return 0;
}

/* Everything before sealing; returns the guest entry and stack or an exit code. */
static int prepare(uintptr_t *entry, void **stack_top, struct link_layout *lay, struct linux_program *lp) {
  if (link_header_read(XABI_LINK_FD_CALLS, XABI_LINK_FD_ARENA, lay) != 0)
    return XABI_BOOTSTRAP_BAD_LINK_HEADER;
  if (call_area_map(XABI_LINK_FD_CALLS, lay->region_base) != 0)
    return XABI_BOOTSTRAP_MAP_CALL_AREA;
  if (arena_map(XABI_LINK_FD_ARENA, lay->region_base, lay->arena_size) != 0)
    return XABI_BOOTSTRAP_MAP_ARENA;
  close(XABI_LINK_FD_CALLS);
  close(XABI_LINK_FD_ARENA);

  struct image_file file;
  if (image_file_read_fd(XABI_LINK_FD_IMAGE, &file) != 0) /* closes fd 3 */
    return XABI_BOOTSTRAP_READ_IMAGE;
  struct elf_image img;
  if (elf_image_validate(file.data, file.size, &img) != ELF_IMAGE_OK)
    return XABI_BOOTSTRAP_INVALID_IMAGE;
  if (image_load(&img, file.data, lay->region_base + XABI_LINK_IMAGE_OFFSET, entry) != 0)
    return XABI_BOOTSTRAP_MAP_IMAGE;
  image_file_release(&file);
  if (lay->linux_program_size && load_linux_program(lay, lp) != 0)
    return XABI_BOOTSTRAP_LINUX_PROGRAM;

  if (guest_stack_map(lay->region_base + XABI_LINK_STACK_OFFSET, XABI_LINK_STACK_SIZE,
                      stack_top) != 0)
    return XABI_BOOTSTRAP_MAP_STACK;
  if (describe_guest_memory(&img, lay->region_base + XABI_LINK_IMAGE_OFFSET, (uint64_t)(uintptr_t)*stack_top, lay, lp) != 0)
    return XABI_BOOTSTRAP_GUEST_MEMORY;
  return 0;
}

#if defined(XABI_PAL_MUTANTS)
extern int xabi_pal_mutant_fault_unchecked;
/* xabi-bootstrap-mutant: "mutant=NAME" selects the PAL's own faults (docs/mutants.md). */
static int select_mutant(const char *arg) {
  static const char prefix[] = "mutant=";
  for (unsigned i = 0; i + 1 < sizeof prefix; ++i)
    if (arg[i] != prefix[i])
      return -1;
  const char *name = arg + sizeof prefix - 1, *want = "fault_unchecked";
  unsigned i = 0;
  while (name[i] && name[i] == want[i]) ++i;
  xabi_pal_mutant_fault_unchecked = name[i] == 0 && want[i] == 0;
  return 0;
}
#endif

int main(int argc, char **argv, char **envp) {
  (void)argv;
#if defined(XABI_PAL_MUTANTS)
  if (argc == 2 && select_mutant(argv[1]) == 0)
    argc = 1;
#endif
  if (argc != 1 || envp[0] != NULL)
    return XABI_BOOTSTRAP_BAD_USAGE;
  uintptr_t entry;
  void *stack_top;
  struct link_layout lay;
  static struct linux_program lp;
  int status = prepare(&entry, &stack_top, &lay, &lp);
  if (status != 0)
    return status;

  xabi_pal_linux_init(lay.region_base);
  /* HOST calls travel through the call area's slots (pal/linux/transport.c). */
  xabi_pal_transport_init(xabi_pal_linux_header());
  xabi_pal_fill_dispatch(&g_table);
  g_table.alloc = xabi_pal_linux_alloc; /* the host's answer, plus the map of guest memory */
  g_table.free = xabi_pal_linux_free;
  struct xabi_link_header *header = xabi_pal_linux_header();
  if ((status = seal_install(header)) != 0)
    return status;
  /* Sealed: from here on only raw, allowed system calls. */
  if ((status = seal_handshake(header, XABI_LINK_FD_DOORBELL)) != 0)
    xabi_pal_impl_exit(status);
  /* The guest starts with no TLS base, like every thread it creates; glibc's
   * TLS block is not its business. */
  xabi_pal_impl_set_tls(0);
  xabi_enter_guest(entry, &g_table, stack_top);
}
