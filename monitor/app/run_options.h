// run_options.h: checks of `xabi-host run`'s option values, made before
// anything starts, so a mistyped option is a usage error (exit 2) with a
// message rather than a launch failure or a host that silently lacks a
// capability. Each returns the value (or ok), else an Error whose detail is
// the why of "--opt VALUE: <why>".
//
//   auto quota = parse_memory("16M");
//   if (!quota) usage("--memory 16M: " + quota.error().detail);
//   auto origin = check_origin("http://Example.com:8080/");  // origin.value() == "http://Example.com:8080"
//   if (auto ok = check_listen("unix:/run/x.sock"); !ok) ...
//   auto report = open_report("out.json");                   // report.value(): the open file
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xabi/unique_fd.h"
#include "xabi/result.h"

namespace xabi::app {

#define XABI_RUN_OPTION_ERRORS(X)                                          \
  X(kBadOption, "an option's value is unusable")                           \
  X(kReportUnwritable, "the --report file cannot be written")              \
  X(kBootstrapUnusable, "the bootstrap cannot be run")                     \
  X(kImageUnusable, "the image cannot be a guest image")

XABI_ERROR_CODES(OptionError, XABI_RUN_OPTION_ERRORS)

using Error = xabi::Error<OptionError>;
template <class T>
using Result = xabi::Result<T, OptionError>;
using Status = xabi::Status<OptionError>;

// The largest --memory the launcher can give: the arena's share of the
// region (pal/linux/host_link.h).
uint64_t max_memory_quota();

// BYTES, or a size with a binary unit: 64K, 16M, 1G, 1T (also k/m/g/t, and
// KiB/MiB/GiB/TiB); 1 <= size <= max_memory_quota().
Result<uint64_t> parse_memory(std::string_view text);

// SECONDS: a finite number, 0 (never) up to kMaxTimeoutSeconds. A positive
// timeout under a millisecond is one millisecond, not "never". The value is
// in milliseconds.
inline constexpr double kMaxTimeoutSeconds = 1e9;
Result<int64_t> check_timeout(double seconds);

// Exactly http://host[:port] (the ABI's open_url only does http://): the
// scheme in lower case; a host name, IPv4 address or bracketed IPv6
// address; a port 1..65535; no user info, path, query or fragment. A lone
// trailing "/" is accepted and dropped from the canonical origin returned.
Result<std::string> check_origin(std::string_view origin);

// unix:PATH or tcp:IPV4:PORT (listen_endpoint.h), syntax only; and a PATH
// that exists must be a socket (a stale one is replaced; anything else is
// never deleted).
Status check_listen(std::string_view spec);

// Opens (creates or truncates) the --report file now, so an unusable path is
// found before the guest runs; write_report() writes it at the end. Both fail
// with kReportUnwritable (the detail: why, e.g. strerror).
Result<UniqueFd> open_report(const std::string& path);
// Writes text and closes fd.
Status write_report(UniqueFd& fd, std::string_view text);

// The bootstrap must be an executable regular file; else kBootstrapUnusable.
Status check_bootstrap(const std::string& path);
// A directory is not an image (kImageUnusable); anything else passes (the
// launcher says why a file is unusable).
Status check_image(const std::string& path);

}  // namespace xabi::app
