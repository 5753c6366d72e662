// Launching and sealing; see launcher.h.
#include "launcher.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <elf.h>

#include <cerrno>
#include <ctime>
#include <climits>
#include <fstream>
#include <sstream>

#include "args_block.h"
#include "bootstrap_exit.h"
#include "call_area.h"
#include "cgroup.h"
#include "elf_image.h"
#include "filter_builder.h"
#include "host_link.h"
#include "mutant.h"
#include "region_base.h"
#include "spawn.h"
#include "xabi/xabi.h"

namespace xabi::launch {
namespace {

constexpr uint64_t kPage = XABI_PAGE;  // the ABI's page is the x86-64 page the kernel maps
uint64_t page_up(uint64_t x) { return (x + kPage - 1) & ~(kPage - 1); }

// An image file opened for reading: a regular file of 1..max_size bytes.
struct OpenedImage {
  UniqueFd fd;
  uint64_t size = 0;
};

Result<OpenedImage> open_image(const std::string& path, uint64_t max_size) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return system_error(ErrorCode::kImageUnreadable, path);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return system_error(ErrorCode::kImageUnreadable, path);
  if (!S_ISREG(st.st_mode) || st.st_size <= 0 || static_cast<uint64_t>(st.st_size) > max_size)
    return Error{ErrorCode::kImageUnreadable, path + ": not a regular file of a usable size"};
  return OpenedImage{std::move(fd), static_cast<uint64_t>(st.st_size)};
}

Result<std::vector<unsigned char>> read_image(const std::string& path, uint64_t max_size = ELF_IMAGE_MAX_FILE) {
  Result<OpenedImage> image = open_image(path, max_size);
  if (!image) return image.error();
  const int fd = image.value().fd.get();
  std::vector<unsigned char> bytes(static_cast<size_t>(image.value().size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{ErrorCode::kImageUnreadable, path + ": short read"};
    done += static_cast<size_t>(n);
  }
  return bytes;
}

// Appends the regular file at `path` (at most max_size bytes) to `out` by
// sendfile(2): the kernel copies page cache to the memfd, with no copy in
// the launcher (a 64 MiB tar image costs one kernel copy, not three).
Result<uint64_t> append_file(int out, const std::string& path, uint64_t max_size) {
  Result<OpenedImage> image = open_image(path, max_size);
  if (!image) return image.error();
  const uint64_t size = image.value().size;
  off_t at = 0;
  while (static_cast<uint64_t>(at) < size) {
    const ssize_t n = sendfile(out, image.value().fd.get(), &at, size - static_cast<uint64_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return system_error(ErrorCode::kSystem, "sendfile(" + path + " into the image memfd)");
    if (n == 0) return Error{ErrorCode::kImageUnreadable, path + ": short read (the file shrank)"};
  }
  return size;
}

// A memfd holding exactly `bytes`, sealed against any change: the bootstrap
// loads what the monitor validated.
// `append` (a path, may be empty) is added after `bytes` (append_file);
// its size goes to *appended.
Result<UniqueFd> sealed_image(const std::vector<unsigned char>& bytes, const std::string& append = "",
                              uint64_t append_max = 0, uint64_t* appended = nullptr) {
  UniqueFd fd(memfd_create("xabi-image", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return system_error(ErrorCode::kSystem, "memfd_create(image)");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return system_error(ErrorCode::kSystem, "write(image memfd)");
    done += static_cast<size_t>(n);
  }
  if (!append.empty()) {
    Result<uint64_t> n = append_file(fd.get(), append, append_max);
    if (!n) return n.error();
    if (appended) *appended = n.value();
  }
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
    return system_error(ErrorCode::kSystem, "F_ADD_SEALS(image)");
  return fd;
}

// --linux: the program checked, its file and the tar image in one sealed
// memfd (XABI_LINK_FD_LINUX), and the runner's arguments (what the bootstrap
// maps where: pal/personality/runner/linux_runner.c reads them in this order).
struct LinuxInputs {
  UniqueFd fd;
  uint64_t program_size = 0, fs_size = 0, span = 0;
  std::vector<std::string> runner_args;
};

Result<LinuxInputs> linux_inputs(const LaunchSpec& spec) {
  Result<std::vector<unsigned char>> program = read_image(spec.linux_program);
  if (!program) return program.error();
  elf_image img;
  if (const elf_image_error e = elf_image_validate_exec(program.value().data(), program.value().size(),
                                                        XABI_LINK_LEGACY_LO, XABI_LINK_LEGACY_HI, &img);
      e != ELF_IMAGE_OK)
    return Error{ErrorCode::kInvalidImage, spec.linux_program + ": " + elf_image_error_name(e) + ": " +
                                               elf_image_error_message(e)};
  // AT_PHDR: where the program headers are once loaded (glibc finds PT_TLS there).
  uint64_t phdr = 0;
  for (size_t i = 0; i < img.n_segments; ++i) {
    const elf_image_segment& s = img.segments[i];
    if (img.phoff >= s.offset && img.phoff + img.phnum * sizeof(Elf64_Phdr) <= s.offset + s.filesz)
      phdr = s.vaddr + (img.phoff - s.offset);
  }
  if (phdr == 0)
    return Error{ErrorCode::kInvalidImage, spec.linux_program + ": its program headers are not in a loaded segment"};
  LinuxInputs in;
  in.program_size = program.value().size();
  in.span = img.span_hi - img.span_lo;
  std::vector<unsigned char> bytes = std::move(program).value();
  bytes.resize(page_up(bytes.size()), 0);
  const uint64_t fs_at = bytes.size();
  Result<UniqueFd> fd = sealed_image(bytes, spec.linux_fs, XABI_LINK_FS_MAX - fs_at, &in.fs_size);
  if (!fd) return fd.error();
  in.fd = std::move(fd).value();
  const uint64_t fs_address = XABI_LINK_FS_OFFSET + fs_at;  // region 0
  uint64_t realtime_ns = 0;
  if (spec.linux_clock >= 0) {
    realtime_ns = static_cast<uint64_t>(spec.linux_clock) * 1000000000ull;
  } else {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    realtime_ns = static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
  }
  // Decimal numbers: the runner parses them with xabi_sdk_parse_u64.
  in.runner_args = {"xabi-linux",   std::to_string(fs_address), std::to_string(in.fs_size),
                    std::to_string(img.entry), std::to_string(phdr), std::to_string(img.phnum),
                    std::to_string(realtime_ns), spec.linux_clock >= 0 ? "frozen" : "running", "--"};
  return in;
}

Result<UniqueFd> arena_memfd(uint64_t size) {
  UniqueFd fd(memfd_create("xabi-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return system_error(ErrorCode::kSystem, "memfd_create(arena)");
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
    return system_error(ErrorCode::kSystem, "ftruncate(arena)");
  // The size is the quota: the kernel enforces it (host_link.h).
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
    return system_error(ErrorCode::kSystem, "F_ADD_SEALS(arena)");
  return fd;
}

// One field of /proc/PID/status, e.g. "Seccomp" -> "2".
std::string status_field(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":\t", 0) == 0) return line.substr(key.size() + 2);
  return {};
}

// Refuses (kSealBroken) what /proc/PID/status shows that a sealed
// picoprocess must not have: a filter mode other than 2, privileges that can
// grow, any capability, uid or gid 0.
Status check_sealed_status(pid_t pid) {
  std::string why;
  auto verdict = [&]() -> Status {
    if (why.empty()) return {};
    return Error{ErrorCode::kSealBroken, "/proc/" + std::to_string(pid) + "/status says " + why};
  };
  auto expect = [&](const char* key, const std::string& want) {
    const std::string got = status_field(pid, key);
    if (got != want) why += std::string(why.empty() ? "" : ", ") + key + "=" + got;
  };
  expect("Seccomp", "2");
  expect("NoNewPrivs", "1");
  if (XABI_MUTANT(privileges_kept)) return verdict();
  for (const char* cap : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) expect(cap, "0000000000000000");
  for (const char* ids : {"Uid", "Gid"}) {
    std::istringstream in(status_field(pid, ids));  // real, effective, saved, fs
    int n = 0;
    for (std::string id; in >> id; ++n)
      if (id == "0") n = -100;
    if (n != 4) why += std::string(why.empty() ? "" : ", ") + ids + "=" + status_field(pid, ids);
  }
  return verdict();
}

std::string fd_link(int fd) {
  char buf[PATH_MAX];
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Ends a launch that went wrong after the child exists.
Error abandon(Picoprocess& p, Error e) {
  (void)p.kill();
  (void)p.wait();
  return e;
}

Error bootstrap_failed(const ExitStatus& s) {
  std::string detail = s.describe();
  if (s.exited) {
    if (const char* name = xabi_bootstrap_exit_name(s.code)) detail += std::string(" (") + name + ")";
    if (s.code == kChildSetupFailed) detail += " (child set-up before execve failed)";
  }
  return Error{ErrorCode::kBootstrapFailed, detail};
}

}  // namespace

Result<Picoprocess> launch(const LaunchSpec& spec) {
  if (spec.bootstrap_path.empty() || spec.bootstrap_path[0] != '/')
    return Error{ErrorCode::kInvalidArgument, "bootstrap path must be absolute"};
  const uint64_t arena_size = page_up(spec.memory_quota);
  if (spec.memory_quota > XABI_LINK_REGION_SIZE - XABI_LINK_ARENA_OFFSET)
    return Error{ErrorCode::kInvalidArgument, "memory quota larger than the arena can be"};

  Result<std::vector<unsigned char>> image = read_image(spec.image_path);
  if (!image) return image.error();
  elf_image img;
  if (const elf_image_error e = elf_image_validate(image.value().data(), image.value().size(), &img);
      e != ELF_IMAGE_OK)
    return Error{ErrorCode::kInvalidImage, std::string(elf_image_error_name(e)) + ": " +
                                               elf_image_error_message(e)};
  Result<UniqueFd> image_fd = sealed_image(image.value());
  if (!image_fd) return image_fd.error();
  Result<UniqueFd> arena = arena_memfd(arena_size);
  if (!arena) return arena.error();
  // NONBLOCK lives on the open file description, which the child shares: its
  // doorbell writes are non-blocking too (they only fail at a counter of
  // 2^64-2, which the monitor never lets build up).
  UniqueFd doorbell(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!doorbell) return system_error(ErrorCode::kSystem, "eventfd");

  const bool linux_mode = !spec.linux_program.empty();
  LinuxInputs linux;
  std::vector<std::string> guest_args = spec.args;
  if (linux_mode) {
    Result<LinuxInputs> in = linux_inputs(spec);
    if (!in) return in.error();
    linux = std::move(in).value();
    guest_args.insert(guest_args.begin(), linux.runner_args.begin(), linux.runner_args.end());
  }
  const Mode mode = linux_mode ? Mode::kLinux : spec.mode;
  // A Linux program is linked at a fixed address, so its region is region 0.
  Result<uint64_t> base = linux_mode ? Result<uint64_t>(uint64_t{0}) : random_region_base();
  if (!base) return base.error();
  const LaunchParams params{XABI_LINK_FD_DOORBELL, base.value(), XABI_LINK_REGION_MASK};
  Result<Filter> filter = build_filter(params, mode);
  if (!filter) return filter.error();
  Result<std::vector<uint8_t>> args = encode_args(guest_args, args_block_address(base.value()));
  if (!args) return args.error();
  Result<CallArea> area = CallArea::create(base.value(), arena_size, filter.value(), args.value());
  if (!area) return area.error();
  area.value().header()->linux_program_size = linux.program_size;
  area.value().header()->linux_fs_size = linux.fs_size;

  // The image is held twice while loading (the file copy and the mapping).
  const uint64_t address_space = arena_size + XABI_LINK_AREA_SIZE + XABI_LINK_STACK_SIZE +
                                 2 * page_up(image.value().size()) +
                                 (img.span_hi - img.span_lo) + kAddressSpaceAllowance +
                                 // --linux: the program's mapping, and its file and the tar, mapped once
                                 linux.span + page_up(linux.program_size) + page_up(linux.fs_size);
  // Its cgroup: threads (a raw clone cannot pass LIMIT_THREADS), memory
  // (everything it can touch, with room for the kernel's own per-task memory)
  // and a CPU weight of its own. Where cgroups are unavailable, RLIMIT_NPROC
  // still bounds its threads (spawn.h) and the arena memfd its memory.
  PicoCgroup cgroup;
  if (spec.use_cgroups && cgroups().any()) {
    Result<PicoCgroup> cg = cgroups().create(
        {.pids_max = XABI_LIMIT_THREADS, .memory_max = address_space - kAddressSpaceAllowance + kCgroupMemoryAllowance,
         .cpu_weight = kCgroupCpuWeight});
    if (!cg) return cg.error();
    cgroup = std::move(cg).value();
  }
  SpawnRequest req;
  req.bootstrap_path = spec.bootstrap_path;
  req.fds = {image_fd.value().get(), area.value().fd(), arena.value().get(), doorbell.get(),
             linux_mode ? linux.fd.get() : -1};
  req.address_space = address_space;
  req.cgroup_procs_fds = cgroup.procs_fds();
  req.nproc = spec.use_rlimit_threads ? XABI_LIMIT_THREADS : 0;
  req.bootstrap_arg = spec.bootstrap_arg;
  Result<Spawned> child = spawn_bootstrap(req);
  if (!child) return child.error();
  area.value().close_fd();  // the mapping stays; the child has its own fd
  Picoprocess p(child.value().pid, std::move(child.value().pidfd), std::move(doorbell),
                std::move(arena).value(), std::move(area).value(), base.value(), arena_size,
                mode, child.value().namespaces);
  p.set_identity(child.value().uid, child.value().own_uid, std::move(cgroup));
  return p;
}

Status await_sealed(Picoprocess& p, std::chrono::milliseconds timeout) {
  if (p.state() != Picoprocess::State::kLaunched)
    return Error{ErrorCode::kWrongState, "await_sealed on a picoprocess that is not just launched"};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  xabi_link_header* h = p.call_area().header();
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return abandon(p, Error{ErrorCode::kSealTimeout,
                              "no doorbell within " + std::to_string(timeout.count()) + " ms"});
    pollfd fds[2] = {{p.doorbell_fd(), POLLIN, 0}, {p.pidfd(), POLLIN, 0}};
    const int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return abandon(p, system_error(ErrorCode::kSystem, "poll"));
    if (n == 0) continue;
    if (fds[1].revents != 0) {  // ended before sealing
      Result<ExitStatus> e = p.wait();
      if (!e) return e.error();
      return bootstrap_failed(e.value());
    }
    if (fds[0].revents != 0) break;
  }
  uint64_t rings = 0;
  if (read(p.doorbell_fd(), &rings, sizeof rings) != static_cast<ssize_t>(sizeof rings))
    return abandon(p, system_error(ErrorCode::kSystem, "read(doorbell)"));

  // Copies of what the bootstrap wrote: the header is shared memory.
  const uint32_t sealed = __atomic_load_n(&h->sealed, __ATOMIC_ACQUIRE);
  const int32_t remote_fd = __atomic_load_n(&h->listener_fd, __ATOMIC_RELAXED);
  if (sealed != 1 || remote_fd < 0 || remote_fd > 1 << 20)
    return abandon(p, Error{ErrorCode::kSealBroken, "doorbell rang without a valid seal (sealed=" +
                                                        std::to_string(sealed) + ", listener=" +
                                                        std::to_string(remote_fd) + ")"});
  UniqueFd listener(static_cast<int>(syscall(SYS_pidfd_getfd, p.pidfd(), remote_fd, 0)));
  if (!listener) return abandon(p, system_error(ErrorCode::kSealBroken, "pidfd_getfd(listener)"));
  if (const std::string link = fd_link(listener.get()); link != "anon_inode:seccomp notify")
    return abandon(p, Error{ErrorCode::kSealBroken, "listener fd is \"" + link + "\""});
  if (Status sealed_status = check_sealed_status(p.pid()); !sealed_status) return abandon(p, sealed_status.error());
  p.set_sealed(std::move(listener));
  // Shared futex (no FUTEX_PRIVATE_FLAG): the bootstrap waits on its own
  // mapping of the same memfd page.
  __atomic_store_n(&h->go, 1u, __ATOMIC_RELEASE);
  syscall(SYS_futex, &h->go, FUTEX_WAKE, 1, nullptr, nullptr, 0);
  return {};
}

}  // namespace xabi::launch
