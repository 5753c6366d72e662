#include "run_options.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "host_link.h"
#include "url.h"

namespace xabi::app {
namespace {

constexpr std::string_view kOriginForm = "an origin is http://host[:port]";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool host_byte(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == '-' || c == '.'; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// A decimal number (digits only) within [lo, hi].
bool parse_port(std::string_view s, unsigned lo, unsigned hi) {
  if (!all_digits(s) || s.size() > 5) return false;
  unsigned v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v >= lo && v <= hi;
}

Error bad(std::string why) { return {OptionError::kBadOption, std::move(why)}; }
Error unwritable(std::string why) { return {OptionError::kReportUnwritable, std::move(why)}; }
Error bootstrap_unusable(std::string why) { return {OptionError::kBootstrapUnusable, std::move(why)}; }
Error image_unusable(std::string why) { return {OptionError::kImageUnusable, std::move(why)}; }

std::string in_parens(std::string_view why, std::string_view form) {
  return std::string(why) + " (" + std::string(form) + ")";
}

std::string size_text(uint64_t bytes) {
  for (auto [shift, unit] : {std::pair{40, "T"}, {30, "G"}, {20, "M"}, {10, "K"}})
    if (bytes % (1ull << shift) == 0) return std::to_string(bytes >> shift) + unit;
  return std::to_string(bytes);
}

}  // namespace

uint64_t max_memory_quota() { return XABI_LINK_REGION_SIZE - XABI_LINK_ARENA_OFFSET; }

Result<uint64_t> parse_memory(std::string_view text) {
  constexpr std::string_view kForm = "give BYTES or a size with a binary unit, such as 64K, 16M or 1G";
  size_t i = 0;
  uint64_t v = 0;
  bool overflow = false;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    const uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (v > (UINT64_MAX - d) / 10) overflow = true;
    else v = v * 10 + d;
  }
  if (i == 0) return bad(in_parens("not a size", kForm));
  const std::string_view unit = text.substr(i);
  int shift = 0;
  if (!unit.empty()) {
    switch (lower(unit[0])) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
      default: return bad(in_parens("unknown unit \"" + std::string(unit) + "\"", kForm));
    }
    const std::string_view rest = unit.substr(1);
    if (rest == "B" || rest == "b")
      return bad("\"" + std::string(unit) + "\" is ambiguous: write " + std::string(1, unit[0]) + " or " +
                 std::string(1, unit[0]) + "iB (units are binary: 1K = 1024 bytes)");
    if (!rest.empty() && rest != "iB" && rest != "ib") return bad(in_parens("unknown unit \"" + std::string(unit) + "\"", kForm));
  }
  if (overflow || v > (UINT64_MAX >> shift)) overflow = true;
  else v <<= shift;
  const uint64_t max = max_memory_quota();
  if (overflow || v > max)
    return bad("larger than the most the host can give a picoprocess (" + size_text(max) + ")");
  if (v == 0) return bad("must be at least 1 byte");
  return v;
}

Result<int64_t> check_timeout(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return bad("must be a number of seconds, 0 (never) or more");
  if (seconds > kMaxTimeoutSeconds) return bad("must be at most 1e9 seconds");
  return static_cast<int64_t>(std::ceil(seconds * 1000));
}

Result<std::string> check_origin(std::string_view origin) {
  constexpr std::string_view kScheme = "http://";
  if (!origin.starts_with(kScheme)) {
    bool http_any_case = origin.size() >= kScheme.size();
    for (size_t i = 0; http_any_case && i < kScheme.size(); ++i) http_any_case = lower(origin[i]) == kScheme[i];
    if (http_any_case) return bad("write the scheme in lower case: http://");
    if (origin.find("://") != std::string_view::npos) return bad(in_parens("only http:// origins are supported", kOriginForm));
    return bad(in_parens("not an http:// URL", kOriginForm));
  }
  const std::string_view rest = origin.substr(kScheme.size());
  const size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  const std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return bad(in_parens("user info (user@) is not allowed", kOriginForm));
  if (!tail.empty() && tail != "/") {
    if (tail[0] != '/' || tail.find_first_of("?#") != std::string_view::npos)
      return bad(in_parens("a query or fragment is not allowed", kOriginForm));
    return bad(in_parens("a path is not allowed", kOriginForm));
  }
  std::string_view host = authority, port;
  bool has_port = false;
  if (host.starts_with("[")) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return bad("the IPv6 address lacks its closing ']'");
    const std::string v6(host.substr(1, close - 1));
    in6_addr a{};
    if (::inet_pton(AF_INET6, v6.c_str(), &a) != 1) return bad("[" + v6 + "] is not an IPv6 address");
    const std::string_view after = host.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad(in_parens("unexpected text after the IPv6 address", kOriginForm));
      has_port = true;
      port = after.substr(1);
    }
  } else {
    if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
      has_port = true;
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (host.empty()) return bad(in_parens("the host is missing", kOriginForm));
    for (char c : host)
      if (!host_byte(c)) return bad("the host may hold only letters, digits, '-' and '.', or be a bracketed IPv6 address");
  }
  if (has_port && !parse_port(port, 1, 65535)) return bad("the port must be a number from 1 to 65535");
  const std::string canonical = std::string(kScheme) + std::string(authority);
  // What passes here must be what the host itself takes as an origin.
  const auto u = calls::parse_http_url(canonical);
  if (!u || u->path != "/") return bad(in_parens("not a valid origin", kOriginForm));
  return canonical;
}

Status check_listen(std::string_view spec) {
  constexpr std::string_view kForm = "give unix:PATH or tcp:IPV4:PORT, e.g. tcp:127.0.0.1:8080";
  if (spec.starts_with("unix:")) {
    const std::string path(spec.substr(5));
    if (path.empty()) return bad(in_parens("the socket path is missing", kForm));
    if (path.size() >= sizeof(sockaddr_un{}.sun_path))
      return bad("the socket path is longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode))
      return bad(path + " exists and is not a socket (it is left alone; only a stale socket is replaced)");
    return {};
  }
  if (spec.starts_with("tcp:")) {
    const std::string_view rest = spec.substr(4);
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad(in_parens("the port is missing", kForm));
    const std::string addr(rest.substr(0, colon));
    if (addr.empty()) return bad(in_parens("the address is missing", kForm));
    in_addr a{};
    if (::inet_pton(AF_INET, addr.c_str(), &a) != 1) return bad(in_parens("\"" + addr + "\" is not an IPv4 address", kForm));
    if (!parse_port(rest.substr(colon + 1), 0, 65535)) return bad("the port must be a number from 0 (any free port) to 65535");
    return {};
  }
  return bad(in_parens("unknown kind of endpoint", kForm));
}

Result<UniqueFd> open_report(const std::string& path) {
  if (path.empty()) return unwritable("the path is empty");
  UniqueFd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!f.valid()) return unwritable(std::string("cannot create it: ") + std::strerror(errno));
  return f;
}

Status write_report(UniqueFd& fd, std::string_view text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return unwritable(std::strerror(n < 0 ? errno : EIO));
    done += static_cast<size_t>(n);
  }
  if (::close(fd.release()) != 0) return unwritable(std::strerror(errno));
  return {};
}

Status check_bootstrap(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return bootstrap_unusable(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return bootstrap_unusable("it is a directory");
  if (!S_ISREG(st.st_mode)) return bootstrap_unusable("not a regular file");
  if (::access(path.c_str(), X_OK) != 0) return bootstrap_unusable(std::strerror(errno));
  return {};
}

Status check_image(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return image_unusable("it is a directory, not a guest image");
  return {};  // the launcher says why any other image cannot be used
}

}  // namespace xabi::app
