// run_options.h: checks of `xabi-host run`'s option values, made before
// anything starts, so a mistyped option is a usage error (exit 2) with a
// message rather than a launch failure or a host that silently lacks a
// capability. Each returns "" when the value is usable, else why not (a
// phrase for "--opt VALUE: <why>").
//
//   uint64_t quota;
//   if (auto e = parse_memory("16M", quota); !e.empty()) usage("--memory 16M: " + e);
//   std::string origin;
//   if (auto e = check_origin("http://Example.com:8080/", origin); !e.empty()) ...  // origin = "http://Example.com:8080"
//   if (auto e = check_listen("unix:/run/x.sock"); !e.empty()) ...
//   UniqueFd report;
//   if (auto e = open_report("out.json", report); !e.empty()) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xabi/unique_fd.h"

namespace xabi::app {

// The largest --memory the launcher can give: the arena's share of the
// region (pal/linux/host_link.h).
uint64_t max_memory_quota();

// BYTES, or a size with a binary unit: 64K, 16M, 1G, 1T (also k/m/g/t, and
// KiB/MiB/GiB/TiB); 1 <= size <= max_memory_quota().
std::string parse_memory(std::string_view text, uint64_t& bytes);

// SECONDS: a finite number, 0 (never) up to kMaxTimeoutSeconds. A positive
// timeout under a millisecond is one millisecond, not "never".
inline constexpr double kMaxTimeoutSeconds = 1e9;
std::string check_timeout(double seconds, int64_t& milliseconds);

// Exactly http://host[:port] (the ABI's open_url only does http://): the
// scheme in lower case; a host name, IPv4 address or bracketed IPv6
// address; a port 1..65535; no user info, path, query or fragment. A lone
// trailing "/" is accepted and dropped from `canonical`.
std::string check_origin(std::string_view origin, std::string& canonical);

// unix:PATH or tcp:IPV4:PORT (listen_endpoint.h), syntax only; and a PATH
// that exists must be a socket (a stale one is replaced; anything else is
// never deleted).
std::string check_listen(std::string_view spec);

// Opens (creates or truncates) the --report file now, so an unusable path is
// found before the guest runs; write_report() writes it at the end.
std::string open_report(const std::string& path, UniqueFd& fd);
// Writes text and closes fd: "" or why the write failed (strerror).
std::string write_report(UniqueFd& fd, std::string_view text);

// The bootstrap must be an executable regular file; "" or why not.
std::string check_bootstrap(const std::string& path);
// A directory is not an image; "" for anything else (the launcher says why
// a file is unusable).
std::string check_image(const std::string& path);

}  // namespace xabi::app
