#include "refhost_options.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "host_link.h"
#include "reference/prims.h"

namespace xabi::refhost {
namespace {

const char* const kOriginForm = " (an origin is http://host[:port])";

bool digits_only(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Decimal digits, at most five, within [lo, hi].
bool port_in(const std::string& s, long lo, long hi) {
  if (!digits_only(s) || s.size() > 5) return false;
  const long v = std::strtol(s.c_str(), nullptr, 10);
  return v >= lo && v <= hi;
}

// A bad option value; the detail is the "why" of "--opt VALUE: why".
Error bad(std::string why) { return {RefhostError::kBadOption, std::move(why)}; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<uint64_t> parse_memory(const std::string& text) {
  const std::string form = " (give BYTES or a size with a binary unit, such as 64K, 16M or 1G)";
  const size_t n = text.find_first_not_of("0123456789");
  const std::string number = text.substr(0, n);
  const std::string unit = n == std::string::npos ? "" : text.substr(n);
  if (number.empty()) return bad("not a size" + form);
  static const std::pair<const char*, int> kUnits[] = {{"", 0},    {"k", 10},   {"m", 20},   {"g", 30},  {"t", 40},
                                                       {"kib", 10}, {"mib", 20}, {"gib", 30}, {"tib", 40}};
  int shift = -1;
  for (const auto& [name, s] : kUnits)
    if (lower(unit) == name) shift = s;
  if (shift < 0) {
    if (unit.size() == 2 && lower(unit.substr(1)) == "b" && std::string("kmgt").find(lower(unit.substr(0, 1))) != std::string::npos)
      return bad("\"" + unit + "\" is ambiguous: write " + unit.substr(0, 1) + " or " + unit.substr(0, 1) +
                 "iB (units are binary: 1K = 1024 bytes)");
    return bad("unknown unit \"" + unit + "\"" + form);
  }
  const uint64_t max = XABI_LINK_REGION_SIZE - XABI_LINK_ARENA_OFFSET;
  // More than 13 significant digits is more than max in any unit.
  const size_t first = number.find_first_not_of('0');
  const size_t significant = first == std::string::npos ? 0 : number.size() - first;
  const unsigned long long v = significant > 13 ? ~0ull : std::strtoull(number.c_str(), nullptr, 10);
  if (v > (max >> shift)) return bad("larger than the most the host can give a picoprocess (" + std::to_string(max >> 30) + "G)");
  if (v == 0) return bad("must be at least 1 byte");
  return static_cast<uint64_t>(v) << shift;
}

Result<int64_t> parse_timeout(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double s = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE) return bad("not a number of seconds");
  if (!std::isfinite(s) || s < 0) return bad("must be a number of seconds, 0 (never) or more");
  if (s > 1e9) return bad("must be at most 1e9 seconds");
  return static_cast<int64_t>(std::ceil(s * 1000));
}

Result<std::string> check_origin(const std::string& origin) {
  const std::string scheme = "http://";
  if (origin.compare(0, scheme.size(), scheme) != 0) {
    if (lower(origin.substr(0, scheme.size())) == scheme) return bad("write the scheme in lower case: http://");
    if (origin.find("://") != std::string::npos) return bad(std::string("only http:// origins are supported") + kOriginForm);
    return bad(std::string("not an http:// URL") + kOriginForm);
  }
  std::string authority = origin.substr(scheme.size());
  const size_t cut = authority.find_first_of("/?#");
  const std::string rest = cut == std::string::npos ? "" : authority.substr(cut);
  authority = authority.substr(0, cut);
  if (authority.find('@') != std::string::npos) return bad(std::string("user info (user@) is not allowed") + kOriginForm);
  if (rest.find_first_of("?#") != std::string::npos) return bad(std::string("a query or fragment is not allowed") + kOriginForm);
  if (!rest.empty() && rest != "/") return bad(std::string("a path is not allowed") + kOriginForm);
  std::string host = authority, port;
  bool port_given = false;
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) return bad("the IPv6 address lacks its closing ']'");
    const std::string inside = host.substr(1, close - 1);
    in6_addr a{};
    if (inet_pton(AF_INET6, inside.c_str(), &a) != 1) return bad("[" + inside + "] is not an IPv6 address");
    const std::string after = host.substr(close + 1);
    if (!after.empty() && after[0] != ':') return bad(std::string("unexpected text after the IPv6 address") + kOriginForm);
    port_given = !after.empty();
    if (port_given) port = after.substr(1);
  } else {
    const size_t colon = host.find(':');
    port_given = colon != std::string::npos;
    if (port_given) {
      port = host.substr(colon + 1);
      host.resize(colon);
    }
    if (host.empty()) return bad(std::string("the host is missing") + kOriginForm);
    for (unsigned char c : host)
      if (!std::isalnum(c) && c != '-' && c != '.')
        return bad("the host may hold only letters, digits, '-' and '.', or be a bracketed IPv6 address");
  }
  if (port_given && !port_in(port, 1, 65535)) return bad("the port must be a number from 1 to 65535");
  const std::string canonical = scheme + authority;
  // The model's own reading of an origin must agree (same_origin needs path "/").
  const auto u = xabi::ref::parse_http_url(canonical);
  if (!u || u->path != "/") return bad(std::string("not a valid origin") + kOriginForm);
  return canonical;
}

Status check_listen(const std::string& spec) {
  const std::string form = " (give unix:PATH or tcp:HOST:PORT, e.g. tcp:127.0.0.1:8080)";
  if (spec.rfind("unix:", 0) == 0) {
    const std::string path = spec.substr(5);
    if (path.empty()) return bad("the socket path is missing" + form);
    if (path.size() >= sizeof(sockaddr_un{}.sun_path))
      return bad("the socket path is longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode))
      return bad(path + " exists and is not a socket (it is left alone; only a stale socket is replaced)");
    return {};
  }
  if (spec.rfind("tcp:", 0) == 0) {
    const std::string rest = spec.substr(4);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos) return bad("the port is missing" + form);
    const std::string host = rest.substr(0, colon);
    if (host.empty() || host == "[]") return bad("the host is missing" + form);
    if (host.find_first_of(" \t\r\n") != std::string::npos) return bad("the host may not hold white space" + form);
    if (!port_in(rest.substr(colon + 1), 0, 65535)) return bad("the port must be a number from 0 (any free port) to 65535");
    return {};
  }
  return bad("unknown kind of endpoint" + form);
}

Status check_bootstrap(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Error{RefhostError::kBootstrapUnusable, std::strerror(errno)};
  if (S_ISDIR(st.st_mode)) return Error{RefhostError::kBootstrapUnusable, "it is a directory"};
  if (!S_ISREG(st.st_mode)) return Error{RefhostError::kBootstrapUnusable, "not a regular file"};
  if (access(path.c_str(), X_OK) != 0) return Error{RefhostError::kBootstrapUnusable, std::strerror(errno)};
  return {};
}

Status check_image(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Error{RefhostError::kImageUnreadable, "it is a directory, not a guest image"};
  return {};
}

}  // namespace xabi::refhost
