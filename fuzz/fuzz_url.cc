// The URLs a picoprocess hands to xabi_open_url, through xabi-host's parser
// (monitor/calls/url.cc), xabi-kvm's (hosts/kvm/url.cc) and the reference
// model's (reference/prims.cc): three implementations written apart from one
// grammar. All see the same guest-supplied bytes, so they must agree: all
// refuse, or all accept with the same host, port and path. An accepted URL must also be canonical-stable:
// the host's lower-case host, port and path, written out again, parse to the
// same URL, and it is same-origin with itself. The method check is compared
// the same way.
//
// Input: the URL up to the first NUL byte (a C string never holds one: the
// PAL's copy stops there); after the NUL, a method name, also to a NUL.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "hosts/kvm/url.h"
#include "reference/prims.h"
#include "url.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& url) {
  std::fprintf(stderr, "fuzz_url: %s\n--- url (%zu bytes): \"", what, url.size());
  for (unsigned char c : url) std::fprintf(stderr, (c < 0x20 || c >= 0x7f || c == '"') ? "\\x%02x" : "%c", c);
  std::fprintf(stderr, "\"\n");
  std::abort();
}

std::string until_nul(const uint8_t*& p, const uint8_t* end) {
  const auto* nul = static_cast<const uint8_t*>(std::memchr(p, 0, static_cast<size_t>(end - p)));
  const uint8_t* stop = nul ? nul : end;
  std::string s(reinterpret_cast<const char*>(p), static_cast<size_t>(stop - p));
  p = nul ? nul + 1 : end;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  const std::string url = until_nul(p, end);
  const std::string method = until_nul(p, end);

  const auto host = xabi::calls::parse_http_url(url);
  const auto ref = xabi::ref::parse_http_url(url);
  if (host.has_value() != ref.has_value()) fail(host ? "the host accepts a URL the model refuses" : "the model accepts a URL the host refuses", url);
  if (xabi::calls::http_method_ok(method) != xabi::ref::http_method_ok(method)) fail("the host and the model disagree on the method", method);
  const auto kvm = xabi::kvm::parse_url(url);
  if (kvm.has_value() != ref.has_value()) fail(kvm ? "xabi-kvm accepts a URL the model refuses" : "the model accepts a URL xabi-kvm refuses", url);
  if (xabi::kvm::method_ok(method) != xabi::ref::http_method_ok(method)) fail("xabi-kvm and the model disagree on the method", method);
  if (!host) return 0;
  if (kvm->host != ref->host || kvm->port != ref->port || kvm->path != ref->path) fail("xabi-kvm and the model parse the URL differently", url);
  if (host->host != ref->host || host->port != ref->port || host->path != ref->path)
    fail("the host and the model parse the URL differently", url);

  // What an accepted URL must look like.
  if (host->host.empty()) fail("accepted with an empty host", url);
  for (char c : host->host)
    if (c >= 'A' && c <= 'Z') fail("the host name is not lower case", url);
  if (host->port < 1 || host->port > 65535) fail("port out of 1..65535", url);
  if (host->path.empty() || host->path[0] != '/') fail("the path does not start with '/'", url);
  for (unsigned char c : host->path)
    if (c <= 0x20 || c >= 0x7f || c == '#') fail("the path holds a byte it may not (control, space, non-ASCII or '#')", url);
  if (!xabi::calls::same_origin(*host, *host)) fail("not same-origin with itself", url);

  // Canonical form: written out again, it is the same URL.
  const std::string canon = "http://" + host->host + ":" + std::to_string(host->port) + host->path;
  const auto again = xabi::calls::parse_http_url(canon);
  if (!again || again->host != host->host || again->port != host->port || again->path != host->path)
    fail("the canonical form does not parse back to the same URL", url);
  // Its origin is its own, and no other port's.
  const auto origin = xabi::calls::parse_http_url("http://" + host->host + ":" + std::to_string(host->port));
  if (!origin || !xabi::calls::same_origin(*host, *origin)) fail("not same-origin with its own origin", url);
  if (!xabi::ref::same_origin(url, "http://" + host->host + ":" + std::to_string(host->port)))
    fail("the model does not find the URL same-origin with its own origin", url);
  const auto other = xabi::calls::parse_http_url("http://" + host->host + ":" + std::to_string(host->port % 65535 + 1));
  if (!other || xabi::calls::same_origin(*host, *other)) fail("same-origin with another port", url);
  return 0;
}
