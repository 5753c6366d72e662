// url.h: the absolute http:// URLs xabi_open_url accepts on the KVM host:
// the grammar the spec names (http_url_ok, same_origin), written here again,
// not shared with another host or the reference model.
//   "http://" (scheme any case) host [":" port] [path] ["#" fragment]
//   host: letters, digits, '-', '.', or a bracketed IPv6 literal (lower-cased)
//   port: 1 to 6 digits, 1..65535 (default 80); path: visible ASCII from '/'
//   fragment: visible ASCII, dropped (never sent)
//
//   std::optional<Url> u = parse_url("http://127.0.0.1:8080/x#frag");  // path "/x"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xabi::kvm {

struct Url {
  std::string host;  // lower case; an IPv6 literal keeps its brackets
  int port = 80;
  std::string path;  // "/" when absent; the fragment dropped
};

// nullopt unless `text` is an absolute http:// URL of the spec's grammar.
std::optional<Url> parse_url(std::string_view text);
bool method_ok(std::string_view method);

// An origin as --origin takes it: an http URL with no path; nullopt if not.
std::optional<Url> parse_origin(std::string_view origin);

}  // namespace xabi::kvm
