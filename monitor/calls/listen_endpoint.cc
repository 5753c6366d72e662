#include "listen_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

namespace xabi::calls {
namespace {

constexpr int kBacklog = 128;

int finish_listen(UniqueFd& fd, const sockaddr* sa, socklen_t len, UniqueFd& out) {
  if (::bind(fd.get(), sa, len) != 0 || ::listen(fd.get(), kBacklog) != 0) return -errno;
  out = std::move(fd);
  return 0;
}

}  // namespace

int open_listen_endpoint(std::string_view spec, UniqueFd& out) {
  if (spec.starts_with("unix:")) {
    const std::string path(spec.substr(5));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) return -EINVAL;
    std::memcpy(sa.sun_path, path.data(), path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return -errno;
    ::unlink(path.c_str());  // a stale socket file from an earlier run
    return finish_listen(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa, out);
  }
  if (spec.starts_with("tcp:")) {
    const std::string_view rest = spec.substr(4);
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return -EINVAL;
    const std::string addr(rest.substr(0, colon));
    const std::string_view port_s = rest.substr(colon + 1);
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
    if (ec != std::errc() || p != port_s.data() + port_s.size() || port_s.empty() || port > 65535) return -EINVAL;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1) return -EINVAL;
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return -errno;
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return finish_listen(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa, out);
  }
  return -EINVAL;
}

int bound_tcp_port(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0 || sa.sin_family != AF_INET) return -1;
  return ntohs(sa.sin_port);
}

}  // namespace xabi::calls
