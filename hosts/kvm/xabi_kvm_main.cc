// xabi-kvm: the KVM host. Runs one guest image as a picoprocess in a
// virtual machine with no kernel in it (Embassies' model; docs/kvm-host.md).
//
//   xabi-kvm run [--memory SIZE] [--listen unix:PATH] [--origin http://HOST[:PORT]] [--no-console] IMAGE [-- ARGS...]
//
// Exit status: the picoprocess's (xabi_exit's status, 0 when its last thread
// ended, 128 + N for a crash Linux would report as signal N), or one of the
// spec's host_exits (xabi/host_exits.h): a violation (an escape instruction,
// port I/O or an MMIO access outside the call protocol), a launch failure, a
// usage error.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "picoprocess.h"
#include "xabi/host_exits.h"

namespace {

int usage_error(const std::string& what) {
  std::fprintf(stderr, "xabi-kvm: %s\n", what.c_str());
  return XABI_HOST_EXIT_USAGE;
}

int launch_failed(const std::string& what) {
  std::fprintf(stderr, "xabi-kvm: cannot launch: %s\n", what.c_str());
  return XABI_HOST_EXIT_LAUNCH_FAILED;
}

bool read_file(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// "64M", "4096", "1G": bytes, a page multiple.
bool parse_memory(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used, 10);
  } catch (...) {
    return false;
  }
  const std::string unit = text.substr(used);
  const int shift = unit.empty() ? 0 : unit == "K" ? 10 : unit == "M" ? 20 : unit == "G" ? 30 : -1;
  if (shift < 0 || v > (~0ull >> shift)) return false;
  *out = v << shift;
  return *out != 0 && *out % 4096 == 0;
}

// The PAL this host loads: $XABI_KVM_PAL, else the one it was built with,
// else (an installed host, the build tree gone) the one installed beside it
// in ../libexec/xabi/.
std::string default_pal() {
  if (const char* env = std::getenv("XABI_KVM_PAL")) return env;
  if (access(XABI_KVM_PAL_PATH, R_OK) == 0) return XABI_KVM_PAL_PATH;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return XABI_KVM_PAL_PATH;
  return (self.parent_path() / "../libexec/xabi/xabi-kvm-pal").lexically_normal().string();
}

int listen_unix(const std::string& path) {
  sockaddr_un a{};
  if (path.size() >= sizeof a.sun_path) return -1;
  a.sun_family = AF_UNIX;
  path.copy(a.sun_path, path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 64) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xabi-kvm: the KVM host: each picoprocess is a virtual machine with no kernel in it"};
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand("run", "run one guest image until it ends");
  std::string image, listen, origin, memory_text = "64M", pal_path = default_pal();
  std::vector<std::string> args;
  bool no_console = false, stats = false;
  run->add_option("--memory", memory_text, "memory quota for xabi_alloc: bytes, or with a unit (64K, 16M, 1G); default 64M");
  run->add_option("--listen", listen, "endpoint whose connections xabi_accept hands out: unix:PATH");
  run->add_option("--origin", origin, "the picoprocess's origin for xabi_open_url: http://host[:port]");
  run->add_flag("--no-console", no_console, "offer no console: xabi_console answers E_UNSUPPORTED");
  run->add_flag("--stats", stats, "at the end, print on stderr how the HOST calls were served (ring or VM exit)");
  run->add_option("--pal", pal_path, "the KVM PAL image (default: $XABI_KVM_PAL, else the one built or installed with this host)");
  run->add_option("image", image, "the guest image (built with xabi_add_guest)")->required();
  run->add_option("args", args, "arguments the guest sees after its image name (after --)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : XABI_HOST_EXIT_USAGE;
  }

  xabi::kvm::KvmPicoprocess::Options o;
  if (!parse_memory(memory_text, &o.memory)) return usage_error("--memory \"" + memory_text + "\": not a page multiple of bytes (K, M, G units)");
  if (!listen.empty() && listen.rfind("unix:", 0) != 0) return usage_error("--listen \"" + listen + "\": only unix:PATH");
  if (!origin.empty() && !xabi::kvm::parse_origin(origin)) return usage_error("--origin \"" + origin + "\": not http://host[:port]");
  o.origin = origin;
  if (!read_file(pal_path, &o.pal)) return launch_failed("the KVM PAL " + pal_path + " cannot be read");
  if (!read_file(image, &o.image)) return launch_failed("the image " + image + " cannot be read");
  if (access("/dev/kvm", R_OK | W_OK) != 0) return launch_failed("/dev/kvm is absent or not usable");
  if (!listen.empty()) {
    o.listen_fd = listen_unix(listen.substr(5));
    if (o.listen_fd < 0) return launch_failed("cannot listen on " + listen);
  }
  o.console = !no_console;
  o.args.push_back(image);
  o.args.insert(o.args.end(), args.begin(), args.end());

  auto p = xabi::kvm::KvmPicoprocess::launch(o);
  if (!p) return launch_failed(describe(p.error()));
  const int status = p.value()->wait();
  std::fflush(stdout);
  if (stats)
    std::fprintf(stderr, "xabi-kvm: stats: host calls by the ring %llu, host calls after a VM exit %llu, host-op exits %llu\n",
                 static_cast<unsigned long long>(p.value()->ring_served()), static_cast<unsigned long long>(p.value()->slot_exits()),
                 static_cast<unsigned long long>(p.value()->op_exits()));
  // The vCPU threads may be inside KVM_RUN or a futex wait: end them all
  // with the process, never by unwinding the machine under them.
  _exit(status);
}
