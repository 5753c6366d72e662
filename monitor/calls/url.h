// url.h: the absolute http:// URLs xabi_open_url accepts, and the
// same-origin check. Own code (the host shares nothing with the reference
// model but generated code); the grammar is the spec's:
//   "http://" (scheme any case) host [":" port] [path]
//   host: letters, digits, '-' and '.', or a bracketed IPv6 literal; compared
//         case-insensitively
//   port: 1..65535 (default 80); path: visible ASCII starting with '/'
//   then an optional "#" fragment of visible ASCII, which is dropped (as a
//   browser does: it is never sent); no user info, nothing else after the
//   authority.
//
//   auto u = parse_http_url("http://Example.com:8080/x?y");   // nullopt: invalid
//   bool ok = same_origin(*u, *parse_http_url(origin));
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xabi::calls {

struct HttpUrl {
  std::string host;  // lower case; IPv6 literals keep their brackets
  int port = 80;
  std::string path;  // "/" when absent
};

std::optional<HttpUrl> parse_http_url(std::string_view url);
bool http_method_ok(std::string_view method);
bool same_origin(const HttpUrl& a, const HttpUrl& b);

}  // namespace xabi::calls
