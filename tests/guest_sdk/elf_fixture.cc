// ELF byte images for tests; see elf_fixture.h.
#include "elf_fixture.h"

#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace {

Elf64_Phdr Phdr(uint32_t type, uint32_t flags, uint64_t addr, uint64_t filesz, uint64_t memsz,
                uint64_t align) {
  Elf64_Phdr p{};
  p.p_type = type;
  p.p_flags = flags;
  p.p_offset = addr;  // the synthetic image maps file offset == address
  p.p_vaddr = p.p_paddr = addr;
  p.p_filesz = filesz;
  p.p_memsz = memsz;
  p.p_align = align;
  return p;
}

}  // namespace

Bytes MinimalImage() {
  Bytes b(0x3000, 0);
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = ELFCLASS64;
  h.e_ident[EI_DATA] = ELFDATA2LSB;
  h.e_ident[EI_VERSION] = EV_CURRENT;
  h.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  h.e_type = ET_DYN;
  h.e_machine = EM_X86_64;
  h.e_version = EV_CURRENT;
  h.e_entry = 0x1000;
  h.e_phoff = sizeof(Elf64_Ehdr);
  h.e_ehsize = sizeof(Elf64_Ehdr);
  h.e_phentsize = sizeof(Elf64_Phdr);
  h.e_phnum = kMinimalPhnum;
  Put(b, 0, h);
  const Elf64_Phdr phdrs[kMinimalPhnum] = {
      Phdr(PT_LOAD, PF_R, 0x0000, 0x1000, 0x1000, 0x1000),
      Phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x1000, 0x1000),
      Phdr(PT_LOAD, PF_R | PF_W, 0x2000, 0x1000, 0x2000, 0x1000),
      Phdr(PT_DYNAMIC, PF_R | PF_W, 0x2000, 0x20, 0x20, 8),
      Phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 16),
  };
  for (size_t i = 0; i < kMinimalPhnum; ++i) Put(b, h.e_phoff + i * sizeof(Elf64_Phdr), phdrs[i]);
  return b;
}

Bytes ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

elf_image_error Validate(const Bytes& b, elf_image* out) {
  elf_image scratch;
  return elf_image_validate(b.data(), b.size(), out ? out : &scratch);
}

size_t FileOffsetOf(const Bytes& b, uint64_t vaddr) {
  const Elf64_Ehdr h = GetEhdr(b);
  for (size_t i = 0; i < h.e_phnum; ++i) {
    const Elf64_Phdr p = GetPhdr(b, i);
    if (p.p_type == PT_LOAD && vaddr >= p.p_vaddr && vaddr - p.p_vaddr < p.p_filesz)
      return p.p_offset + (vaddr - p.p_vaddr);
  }
  return SIZE_MAX;
}

int MemfdWith(const Bytes& b) {
  int fd = memfd_create("xabi-test-image", 0);
  if (fd < 0) return -1;
  if (write(fd, b.data(), b.size()) != static_cast<ssize_t>(b.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

std::vector<Elf64_Dyn> DynamicEntries(const Bytes& b) {
  std::vector<Elf64_Dyn> out;
  const Elf64_Ehdr h = GetEhdr(b);
  for (size_t i = 0; i < h.e_phnum; ++i) {
    const Elf64_Phdr p = GetPhdr(b, i);
    if (p.p_type != PT_DYNAMIC) continue;
    for (size_t off = p.p_offset; off + sizeof(Elf64_Dyn) <= p.p_offset + p.p_filesz &&
                                  off + sizeof(Elf64_Dyn) <= b.size();
         off += sizeof(Elf64_Dyn)) {
      const Elf64_Dyn d = Get<Elf64_Dyn>(b, off);
      if (d.d_tag == DT_NULL) break;
      out.push_back(d);
    }
  }
  return out;
}

RelaTable FindRela(const Bytes& b) {
  RelaTable t;
  uint64_t addr = 0, size = 0;
  bool have = false;
  for (const Elf64_Dyn& d : DynamicEntries(b)) {
    if (d.d_tag == DT_RELA) addr = d.d_un.d_ptr, have = true;
    if (d.d_tag == DT_RELASZ) size = d.d_un.d_val;
  }
  if (have) {
    t.offset = FileOffsetOf(b, addr);
    t.count = size / sizeof(Elf64_Rela);
  }
  return t;
}
