// refhost_options.h: checks of `xabi-refhost run`'s option values, made
// before anything starts so a bad value is a usage error (exit 2). The
// refhost's own (it shares no code with xabi-host's monitor/app/run_options,
// docs/architecture.md), to the same rules. Each returns the value (or ok),
// else kBadOption (kImageUnreadable, kBootstrapUnusable for the last two)
// whose detail says why not.
//
//   auto quota = parse_memory("16M");
//   if (!quota) usage("--memory: " + quota.error().detail);
#pragma once

#include <cstdint>
#include <string>

#include "ref_error.h"

namespace xabi::refhost {

// BYTES or a size with a binary unit (64K, 16M, 1G, 1T; also k/m/g/t and
// KiB..TiB); 1 up to the arena's share of the region (host_link.h).
Result<uint64_t> parse_memory(const std::string& text);

// SECONDS: finite, 0 (never) up to 1e9; a positive timeout under a
// millisecond becomes one millisecond. The value is in milliseconds.
Result<int64_t> parse_timeout(const std::string& text);

// Exactly http://host[:port], lower-case scheme, a host name, IPv4 or
// bracketed IPv6 address, port 1..65535, nothing after but a lone "/"
// (dropped from the canonical origin returned).
Result<std::string> check_origin(const std::string& origin);

// unix:PATH (PATH, when it exists, must be a socket: only a stale socket is
// replaced) or tcp:HOST:PORT (PORT 0..65535).
Status check_listen(const std::string& spec);

// The bootstrap: an executable regular file. The image: not a directory.
Status check_bootstrap(const std::string& path);
Status check_image(const std::string& path);

}  // namespace xabi::refhost
