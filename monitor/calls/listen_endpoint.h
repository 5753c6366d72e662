// listen_endpoint.h: the listen socket behind xabi_accept (xabi-host
// --listen). "unix:PATH" (an existing socket file is replaced) or
// "tcp:ADDR:PORT" with an IPv4 literal (PORT 0 picks a free port). The socket
// is non-blocking so accept never blocks the event loop.
//
//   UniqueFd lfd;
//   if (int e = open_listen_endpoint("tcp:127.0.0.1:0", lfd); e < 0) fail(strerror(-e));
//   int port = bound_tcp_port(lfd.get());
#pragma once

#include <string_view>

#include "xabi/unique_fd.h"

namespace xabi::calls {

// 0, or a negative errno (-EINVAL for a malformed spec).
int open_listen_endpoint(std::string_view spec, UniqueFd& out);
// The local port of a TCP socket, or -1.
int bound_tcp_port(int fd);

}  // namespace xabi::calls
