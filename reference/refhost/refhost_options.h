// refhost_options.h: checks of `xabi-refhost run`'s option values, made
// before anything starts so a bad value is a usage error (exit 2). The
// refhost's own (it shares no code with xabi-host's monitor/app/run_options,
// docs/architecture.md), to the same rules. Each returns "" when the value is
// usable, else why not.
//
//   uint64_t quota;
//   if (auto e = parse_memory("16M", quota); !e.empty()) usage("--memory: " + e);
#pragma once

#include <cstdint>
#include <string>

namespace xabi::refhost {

// BYTES or a size with a binary unit (64K, 16M, 1G, 1T; also k/m/g/t and
// KiB..TiB); 1 up to the arena's share of the region (host_link.h).
std::string parse_memory(const std::string& text, uint64_t& bytes);

// SECONDS: finite, 0 (never) up to 1e9; a positive timeout under a
// millisecond becomes one millisecond.
std::string parse_timeout(const std::string& text, int64_t& milliseconds);

// Exactly http://host[:port], lower-case scheme, a host name, IPv4 or
// bracketed IPv6 address, port 1..65535, nothing after but a lone "/"
// (dropped from `canonical`).
std::string check_origin(const std::string& origin, std::string& canonical);

// unix:PATH (PATH, when it exists, must be a socket: only a stale socket is
// replaced) or tcp:HOST:PORT (PORT 0..65535).
std::string check_listen(const std::string& spec);

// The bootstrap: an executable regular file. The image: not a directory.
std::string check_bootstrap(const std::string& path);
std::string check_image(const std::string& path);

}  // namespace xabi::refhost
