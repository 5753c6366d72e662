#include "loopback.h"

#include <cstdlib>

extern "C" {
#include "xabi/pal_stubs.h"
}

namespace xabi::test {

Loopback& loopback() {
  static Loopback l;
  return l;
}

namespace {
std::vector<uint8_t> g_req(XABI_WIRE_MAX_REQUEST);
std::vector<uint8_t> g_resp;
uint32_t g_seq = 0;
}  // namespace

}  // namespace xabi::test

using xabi::test::loopback;

extern "C" int64_t xabi_pal_frame_begin(struct xabi_pal_frame* f) {
  f->req = xabi::test::g_req.data();
  f->req_cap = xabi::test::g_req.size();
  f->seq = ++xabi::test::g_seq;
  f->resp = nullptr;
  f->resp_len = 0;
  f->impl = nullptr;
  return 0;
}

extern "C" int64_t xabi_pal_frame_call(struct xabi_pal_frame* f, size_t req_len) {
  auto& l = loopback();
  // The host's private copy of the frame: decoded from here only.
  l.last_request.assign(f->req, f->req + req_len);
  xabi::test::g_resp.assign(XABI_WIRE_MAX_RESPONSE, 0);
  l.last = xabi::dispatch::dispatch(l.last_request, *l.handler, xabi::test::g_resp);
  xabi::test::g_resp.resize(l.last.response_size);
  if (l.tamper) l.tamper(xabi::test::g_resp);
  f->resp = xabi::test::g_resp.data();
  f->resp_len = xabi::test::g_resp.size();
  return 0;
}

extern "C" void xabi_pal_frame_end(struct xabi_pal_frame*) {}


