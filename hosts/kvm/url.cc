#include "url.h"

#include <cctype>

namespace xabi::kvm {
namespace {

bool visible(char c) { return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f; }
bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }
bool ipv6_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }

}  // namespace

bool method_ok(std::string_view m) { return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE"; }

std::optional<Url> parse_url(std::string_view text) {
  // "#fragment" (visible ASCII) is dropped, as a browser drops it.
  std::string_view rest = text;
  if (const size_t hash = text.find('#'); hash != std::string_view::npos) {
    for (char c : text.substr(hash + 1))
      if (!visible(c)) return std::nullopt;
    rest = text.substr(0, hash);
  }
  constexpr std::string_view kScheme = "http://";
  if (rest.size() < kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(rest[i])) != kScheme[i]) return std::nullopt;
  rest.remove_prefix(kScheme.size());
  Url u;
  size_t n = 0;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6 literal]
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    for (size_t i = 1; i < close; ++i)
      if (!ipv6_char(rest[i])) return std::nullopt;
    n = close + 1;
  } else {
    while (n < rest.size() && host_char(rest[n])) ++n;
    if (n == 0) return std::nullopt;
  }
  u.host.assign(rest.substr(0, n));
  for (char& c : u.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  rest.remove_prefix(n);
  if (!rest.empty() && rest[0] == ':') {  // 1 to 6 digits, 1..65535
    rest.remove_prefix(1);
    size_t d = 0;
    long port = 0;
    while (d < rest.size() && d < 6 && std::isdigit(static_cast<unsigned char>(rest[d]))) port = port * 10 + (rest[d++] - '0');
    if (d == 0 || port < 1 || port > 65535) return std::nullopt;
    u.port = static_cast<int>(port);
    rest.remove_prefix(d);
  }
  if (rest.empty()) {
    u.path = "/";
    return u;
  }
  if (rest[0] != '/') return std::nullopt;  // nothing but a path may follow the authority
  for (char c : rest)
    if (!visible(c)) return std::nullopt;
  u.path.assign(rest);
  return u;
}

std::optional<Url> parse_origin(std::string_view origin) {
  std::optional<Url> u = parse_url(origin);
  if (!u || u->path != "/" || origin.find('#') != std::string_view::npos) return std::nullopt;
  return u;
}

}  // namespace xabi::kvm
