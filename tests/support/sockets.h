// Sockets for tests that talk to a host: connecting to a listen endpoint the
// host creates a little later, and a free loopback TCP port.
#pragma once

#include <chrono>
#include <string>

namespace xabi::test {

// Connects to the unix socket at path, retrying every 20 ms until `limit`
// (sanitized builds start slowly). Returns the fd (SOCK_CLOEXEC), or -1.
int connect_unix_retrying(const std::string& path, std::chrono::milliseconds limit = std::chrono::seconds(10));

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_tcp_port();

}  // namespace xabi::test
