#include "url.h"

namespace xabi::calls {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_xdigit(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'); }

}  // namespace

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  // A fragment is the browser's own: dropped, never sent (WHATWG URL, fetch).
  if (const size_t hash = url.find('#'); hash != std::string_view::npos) {
    for (size_t i = hash + 1; i < url.size(); ++i)
      if (static_cast<unsigned char>(url[i]) <= 0x20 || static_cast<unsigned char>(url[i]) >= 0x7f) return std::nullopt;
    url = url.substr(0, hash);
  }
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (lower(url[i]) != kScheme[i]) return std::nullopt;
  size_t pos = kScheme.size();
  HttpUrl u;
  if (pos < url.size() && url[pos] == '[') {
    const size_t end = url.find(']', pos);
    if (end == std::string_view::npos || end == pos + 1) return std::nullopt;
    for (size_t i = pos + 1; i < end; ++i)
      if (!is_xdigit(url[i]) && url[i] != ':' && url[i] != '.') return std::nullopt;
    u.host = std::string(url.substr(pos, end + 1 - pos));
    pos = end + 1;
  } else {
    const size_t start = pos;
    while (pos < url.size() && (is_alnum(url[pos]) || url[pos] == '-' || url[pos] == '.')) ++pos;
    if (pos == start) return std::nullopt;  // also rejects "user@host": '@' is not a host byte
    u.host = std::string(url.substr(start, pos - start));
  }
  for (char& c : u.host) c = lower(c);
  if (pos < url.size() && url[pos] == ':') {
    ++pos;
    const size_t start = pos;
    long port = 0;
    // At most 6 digits (leading zeros allowed); a seventh cannot start a path.
    while (pos < url.size() && is_digit(url[pos]) && pos - start < 6) port = port * 10 + (url[pos++] - '0');
    if (pos == start || port < 1 || port > 65535) return std::nullopt;
    u.port = static_cast<int>(port);
  }
  if (pos == url.size()) {
    u.path.assign(1, '/');  // not = "/": GCC 12 -O2 warns falsely (-Wrestrict) on that
    return u;
  }
  if (url[pos] != '/') return std::nullopt;
  for (size_t i = pos; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
  }
  u.path = std::string(url.substr(pos));
  return u;
}

bool http_method_ok(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE";
}

bool same_origin(const HttpUrl& a, const HttpUrl& b) { return a.host == b.host && a.port == b.port; }

}  // namespace xabi::calls
