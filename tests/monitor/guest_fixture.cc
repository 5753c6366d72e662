#include "guest_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "transport.h"

namespace xabi::test {

void child_fail(int line, const char* what) { ::dprintf(2, "child check failed at line %d: %s\n", line, what); }

size_t open_fd_count() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n - 1;  // the DIR's own descriptor
}

std::unique_ptr<GuestMemory> GuestMemory::create(uint64_t arena_size) {
  auto g = std::unique_ptr<GuestMemory>(new GuestMemory);
  g->arena_size_ = arena_size;
  g->calls_.reset(::memfd_create("xabi-calls", MFD_CLOEXEC));
  g->arena_fd_.reset(::memfd_create("xabi-arena", MFD_CLOEXEC));
  g->doorbell_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!g->calls_.valid() || !g->arena_fd_.valid() || !g->doorbell_.valid()) return nullptr;
  if (::ftruncate(g->calls_.get(), XABI_LINK_AREA_SIZE) != 0 ||
      ::ftruncate(g->arena_fd_.get(), static_cast<off_t>(arena_size)) != 0)
    return nullptr;
  g->guest_area_ = ::mmap(nullptr, XABI_LINK_AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->calls_.get(), 0);
  g->guest_arena_ = ::mmap(nullptr, arena_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->arena_fd_.get(), 0);
  if (g->guest_area_ == MAP_FAILED || g->guest_arena_ == MAP_FAILED) return nullptr;
  xabi_link_header* h = g->area();
  h->magic = XABI_LINK_MAGIC;
  h->version = XABI_LINK_VERSION;
  h->region_base = g->region_base();
  h->arena_size = arena_size;
  h->ro_offset = XABI_LINK_RO_OFFSET;
  h->slots_offset = XABI_LINK_SLOTS_OFFSET;
  h->area_size = XABI_LINK_AREA_SIZE;
  h->n_slots = XABI_LINK_SLOTS;
  return g;
}

GuestMemory::~GuestMemory() {
  if (guest_area_ && guest_area_ != MAP_FAILED) ::munmap(guest_area_, XABI_LINK_AREA_SIZE);
  if (guest_arena_ && guest_arena_ != MAP_FAILED) ::munmap(guest_arena_, arena_size_);
}

xabi_link_slot* GuestMemory::slot(uint32_t i) const {
  return reinterpret_cast<xabi_link_slot*>(static_cast<uint8_t*>(guest_area_) + XABI_LINK_SLOTS_OFFSET) + i;
}

const struct xabi_alarms* GuestMemory::alarms() const {
  return &reinterpret_cast<const xabi_link_ro*>(static_cast<uint8_t*>(guest_area_) + XABI_LINK_RO_OFFSET)->alarms;
}

pid_t GuestMemory::spawn(const std::function<int()>& body) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(100);
  if (::dup2(doorbell_.get(), XABI_LINK_FD_DOORBELL) != XABI_LINK_FD_DOORBELL) ::_exit(101);
  xabi_pal_transport_init(guest_area_);
  ::_exit(body());
}

monitor::ServedPicoprocess GuestMemory::picoprocess(pid_t pid) {
  monitor::ServedPicoprocess p;
  p.pid = pid;
  p.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  p.doorbell_fd = ::fcntl(doorbell_.get(), F_DUPFD_CLOEXEC, 10);
  p.calls_fd = ::fcntl(calls_.get(), F_DUPFD_CLOEXEC, 10);
  p.arena_fd = ::fcntl(arena_fd_.get(), F_DUPFD_CLOEXEC, 10);
  p.call_area = ::mmap(nullptr, XABI_LINK_AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, calls_.get(), 0);
  p.call_area_size = XABI_LINK_AREA_SIZE;
  p.arena_size = arena_size_;
  p.region_base = region_base();
  return p;
}

}  // namespace xabi::test
