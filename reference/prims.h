// The functions rules may call, defined once for the reference model (Z3
// gets its own encoding of the same definitions).
#pragma once

#include <optional>
#include <string>

#include "reference/value.h"

namespace xabi::ref {

// Euclidean division and remainder (the remainder is never negative), as in
// the spec's expression language and in Z3's Int theory. b > 0 always: the
// generator only accepts positive constant divisors.
Int ediv(Int a, Int b);
Int emod(Int a, Int b);
// x rounded up to a multiple of a (a power of two).
Int round_up(Int x, Int a);

// Length of a string argument as copied (see Arg).
Int str_len(const std::string& s);
// GET, HEAD, POST, PUT or DELETE.
bool http_method_ok(const std::string& m);

// An absolute http:// URL: scheme "http" (any case), a host (a name of
// letters, digits, '-' and '.', or a bracketed IPv6 literal), an optional
// port 1..65535, and an optional path of visible ASCII starting with '/'.
// No user info, no fragment.
struct HttpUrl {
  std::string host;  // lower case
  int port = 80;
  std::string path;  // "/" when absent
};
std::optional<HttpUrl> parse_http_url(const std::string& url);
bool http_url_ok(const std::string& url);
// url and origin ("http://host[:port]") have the same scheme, host and port.
bool same_origin(const std::string& url, const std::string& origin);

}  // namespace xabi::ref
