#include "vm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

namespace xabi::kvm {
namespace {

// The CPUID ioctls encode sizeof(struct kvm_cpuid2) in their numbers. Compiled
// as C++, the kernel header's flexible-array member makes that struct 12
// bytes instead of 8 and the kernel refuses the wrong numbers (EINVAL); these
// are the numbers C gets.
constexpr unsigned long kGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, 8);
constexpr unsigned long kSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, 8);

}  // namespace

Error<KvmError> errno_error(KvmError code, const char* what) {
  return {code, std::string(what) + ": " + std::strerror(errno)};
}

std::string describe(const Exit& e) {
  switch (e.kind) {
    case Exit::Kind::kIo: return std::string("port I/O (") + (e.out ? "out" : "in") + " port " + std::to_string(e.port) + ")";
    case Exit::Kind::kHlt: return "hlt";
    case Exit::Kind::kMmio: return "an access to unbacked guest physical address " + std::to_string(e.address);
    case Exit::Kind::kShutdown: return "a triple fault (shutdown)";
    case Exit::Kind::kFailEntry: return "a failed VM entry (hardware reason " + std::to_string(e.reason) + ")";
    case Exit::Kind::kInternal: {
      char d[96];
      std::snprintf(d, sizeof d, " data %#llx %#llx %#llx %#llx", (unsigned long long)e.data[0], (unsigned long long)e.data[1],
                    (unsigned long long)e.data[2], (unsigned long long)e.data[3]);
      return "a KVM internal error (suberror " + std::to_string(e.reason) + d + ")";
    }
    case Exit::Kind::kInterrupted: return "an interrupted run";
    case Exit::Kind::kOther: break;
  }
  return "a VM exit KVM reports as " + std::to_string(e.reason);
}

// ---- Vcpu

Vcpu::Vcpu(Vcpu&& o) noexcept : id_(o.id_), fd_(std::move(o.fd_)), run_(std::exchange(o.run_, nullptr)), run_size_(o.run_size_) {}

Vcpu::~Vcpu() {
  if (run_) munmap(run_, run_size_);
}

Result<kvm_regs> Vcpu::registers() const {
  kvm_regs r{};
  if (ioctl(fd_.get(), KVM_GET_REGS, &r) < 0) return errno_error(KvmError::kKvmCall, "KVM_GET_REGS");
  return r;
}

Status Vcpu::set_registers(const kvm_regs& r) {
  if (ioctl(fd_.get(), KVM_SET_REGS, &r) < 0) return errno_error(KvmError::kKvmCall, "KVM_SET_REGS");
  return {};
}

Result<kvm_sregs> Vcpu::special() const {
  kvm_sregs s{};
  if (ioctl(fd_.get(), KVM_GET_SREGS, &s) < 0) return errno_error(KvmError::kKvmCall, "KVM_GET_SREGS");
  return s;
}

Status Vcpu::set_special(const kvm_sregs& s) {
  if (ioctl(fd_.get(), KVM_SET_SREGS, &s) < 0) return errno_error(KvmError::kKvmCall, "KVM_SET_SREGS");
  return {};
}

void Vcpu::answer_in(uint32_t value) {
  if (run_->exit_reason != KVM_EXIT_IO || run_->io.direction != KVM_EXIT_IO_IN) return;
  std::memcpy(reinterpret_cast<uint8_t*>(run_) + run_->io.data_offset, &value, std::min<size_t>(run_->io.size, 4));
}

Result<Exit> Vcpu::run() {
  Exit e;
  if (ioctl(fd_.get(), KVM_RUN, 0) < 0) {
    if (errno == EINTR) {
      e.kind = Exit::Kind::kInterrupted;
      return e;
    }
    return errno_error(KvmError::kKvmCall, "KVM_RUN");
  }
  e.reason = run_->exit_reason;
  switch (run_->exit_reason) {
    case KVM_EXIT_IO: {
      e.kind = Exit::Kind::kIo;
      e.port = run_->io.port;
      e.out = run_->io.direction == KVM_EXIT_IO_OUT;
      e.size = run_->io.size;
      // One access per exit: a string instruction (rep outs) with count > 1
      // is not part of any protocol here; its first element is reported.
      if (e.out && e.size <= 4)
        std::memcpy(&e.value, reinterpret_cast<const uint8_t*>(run_) + run_->io.data_offset, e.size);
      break;
    }
    case KVM_EXIT_HLT: e.kind = Exit::Kind::kHlt; break;
    case KVM_EXIT_MMIO:
      e.kind = Exit::Kind::kMmio;
      e.address = run_->mmio.phys_addr;
      e.out = run_->mmio.is_write;
      break;
    case KVM_EXIT_SHUTDOWN: e.kind = Exit::Kind::kShutdown; break;
    case KVM_EXIT_FAIL_ENTRY:
      e.kind = Exit::Kind::kFailEntry;
      e.reason = run_->fail_entry.hardware_entry_failure_reason;
      break;
    case KVM_EXIT_INTERNAL_ERROR:
      e.kind = Exit::Kind::kInternal;
      e.reason = run_->internal.suberror;
      for (uint32_t i = 0; i < run_->internal.ndata && i < 4; ++i) e.data[i] = run_->internal.data[i];
      break;
    case KVM_EXIT_INTR: e.kind = Exit::Kind::kInterrupted; break;
    default: e.kind = Exit::Kind::kOther; break;
  }
  return e;
}

// ---- Vm

Vm::Vm(Vm&& o) noexcept
    : kvm_(std::move(o.kvm_)), vm_(std::move(o.vm_)), memfd_(std::move(o.memfd_)), mem_(std::exchange(o.mem_, nullptr)),
      mem_bytes_(o.mem_bytes_), run_size_(o.run_size_), next_vcpu_(o.next_vcpu_) {}

Vm::~Vm() {
  if (mem_) munmap(mem_, mem_bytes_);
}

Result<Vm> Vm::create(uint64_t memory_bytes) {
  if (memory_bytes == 0 || memory_bytes % 4096) return Error<KvmError>{KvmError::kLayout, "guest memory must be a page multiple"};
  UniqueFd kvm(open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!kvm) return errno_error(KvmError::kNoKvm, "/dev/kvm");
  if (ioctl(kvm.get(), KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
    return Error<KvmError>{KvmError::kKvmApi, "KVM_GET_API_VERSION is not " + std::to_string(KVM_API_VERSION)};
  const int run_size = ioctl(kvm.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (run_size < static_cast<int>(sizeof(kvm_run))) return errno_error(KvmError::kKvmApi, "KVM_GET_VCPU_MMAP_SIZE");
  UniqueFd vm(ioctl(kvm.get(), KVM_CREATE_VM, 0));
  if (!vm) return errno_error(KvmError::kKvmCall, "KVM_CREATE_VM");
  UniqueFd memfd(memfd_create("xabi-kvm-guest", MFD_CLOEXEC));
  if (!memfd) return errno_error(KvmError::kSystem, "memfd_create");
  if (ftruncate(memfd.get(), static_cast<off_t>(memory_bytes)) < 0) return errno_error(KvmError::kSystem, "ftruncate");
  void* mem = mmap(nullptr, memory_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, memfd.get(), 0);
  if (mem == MAP_FAILED) return errno_error(KvmError::kSystem, "mmap of guest memory");
  Vm out(std::move(kvm), std::move(vm), std::move(memfd), static_cast<uint8_t*>(mem), memory_bytes, static_cast<size_t>(run_size));
  kvm_userspace_memory_region region{};
  region.slot = 0;
  region.guest_phys_addr = 0;
  region.memory_size = memory_bytes;
  region.userspace_addr = reinterpret_cast<uint64_t>(mem);
  if (ioctl(out.vm_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
    return errno_error(KvmError::kKvmCall, "KVM_SET_USER_MEMORY_REGION");
  return out;
}

Result<Vcpu> Vm::add_vcpu() {
  const int id = next_vcpu_;
  UniqueFd fd(ioctl(vm_.get(), KVM_CREATE_VCPU, id));
  if (!fd) return errno_error(KvmError::kKvmCall, "KVM_CREATE_VCPU");
  ++next_vcpu_;
  // The guest sees the host CPU's features KVM can virtualise (SSE for the
  // compiler's code), nothing more.
  constexpr int kMaxEntries = 256;
  auto cpuid = std::unique_ptr<kvm_cpuid2, void (*)(void*)>(
      static_cast<kvm_cpuid2*>(std::calloc(1, sizeof(kvm_cpuid2) + kMaxEntries * sizeof(kvm_cpuid_entry2))), std::free);
  cpuid->nent = kMaxEntries;
  if (ioctl(kvm_.get(), kGetSupportedCpuid, cpuid.get()) < 0) return errno_error(KvmError::kKvmCall, "KVM_GET_SUPPORTED_CPUID");
  if (ioctl(fd.get(), kSetCpuid2, cpuid.get()) < 0) return errno_error(KvmError::kKvmCall, "KVM_SET_CPUID2");
  void* run = mmap(nullptr, run_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (run == MAP_FAILED) return errno_error(KvmError::kSystem, "mmap of kvm_run");
  return Vcpu(id, std::move(fd), static_cast<kvm_run*>(run), run_size_);
}

}  // namespace xabi::kvm
