#include "reference/prims.h"

#include <cctype>

namespace xabi::ref {

Int ediv(Int a, Int b) {
  Int q = a / b;
  if (a % b < 0) q -= 1;  // b > 0: round towards minus infinity
  return q;
}

Int emod(Int a, Int b) {
  Int r = a % b;
  return r < 0 ? r + b : r;
}

Int round_up(Int x, Int a) { return ediv(x + a - 1, a) * a; }

Int str_len(const std::string& s) { return static_cast<Int>(s.size()); }

bool http_method_ok(const std::string& m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE";
}

std::optional<HttpUrl> parse_http_url(const std::string& whole) {
  // The fragment: visible ASCII after the first '#', dropped (never sent).
  const size_t hash = whole.find('#');
  for (size_t i = hash == std::string::npos ? whole.size() : hash + 1; i < whole.size(); ++i)
    if (static_cast<unsigned char>(whole[i]) <= 0x20 || static_cast<unsigned char>(whole[i]) >= 0x7f) return std::nullopt;
  const std::string url = whole.substr(0, hash);
  const std::string scheme = "http://";
  if (url.size() < scheme.size()) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return std::nullopt;
  size_t pos = scheme.size();
  HttpUrl u;
  // Host.
  if (pos < url.size() && url[pos] == '[') {
    size_t end = url.find(']', pos);
    if (end == std::string::npos || end == pos + 1) return std::nullopt;
    for (size_t i = pos + 1; i < end; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(url[i])) && url[i] != ':' && url[i] != '.') return std::nullopt;
    u.host = url.substr(pos, end + 1 - pos);
    pos = end + 1;
  } else {
    size_t start = pos;
    while (pos < url.size() && (std::isalnum(static_cast<unsigned char>(url[pos])) || url[pos] == '-' || url[pos] == '.')) ++pos;
    if (pos == start) return std::nullopt;
    u.host = url.substr(start, pos - start);
  }
  for (auto& c : u.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Port.
  if (pos < url.size() && url[pos] == ':') {
    ++pos;
    size_t start = pos;
    long port = 0;
    while (pos < url.size() && std::isdigit(static_cast<unsigned char>(url[pos])) && pos - start < 6)
      port = port * 10 + (url[pos++] - '0');
    if (pos == start || port < 1 || port > 65535) return std::nullopt;
    u.port = static_cast<int>(port);
  }
  // Path: nothing else may follow the authority.
  if (pos == url.size()) {
    u.path = "/";
    return u;
  }
  if (url[pos] != '/') return std::nullopt;
  for (size_t i = pos; i < url.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
  }
  u.path = url.substr(pos);
  return u;
}

bool http_url_ok(const std::string& url) { return parse_http_url(url).has_value(); }

bool same_origin(const std::string& url, const std::string& origin) {
  auto a = parse_http_url(url);
  auto b = parse_http_url(origin);
  return a && b && b->path == "/" && a->host == b->host && a->port == b->port;
}

std::string to_string(Int v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return neg ? "-" + s : s;
}

std::string to_hex(Int v) {
  if (v < 0) return "-" + to_hex(-v);
  unsigned __int128 u = static_cast<unsigned __int128>(v);
  std::string s;
  do {
    s.insert(s.begin(), "0123456789abcdef"[static_cast<int>(u & 15)]);
    u >>= 4;
  } while (u);
  return "0x" + s;
}

}  // namespace xabi::ref
