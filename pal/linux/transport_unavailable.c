/* PLACEHOLDER transport, built only while pal/linux/transport.c (the real
 * slot protocol, owned by another engineer) does not exist yet: every HOST
 * call fails cleanly with XABI_E_UNSUPPORTED, PAL-local calls are unaffected.
 * pal/linux/CMakeLists.txt selects this file; delete it with that switch. */
#include "xabi/pal_stubs.h"

int64_t xabi_pal_frame_begin(struct xabi_pal_frame *f) {
  f->req = 0;
  f->req_cap = 0;
  f->resp = 0;
  f->resp_len = 0;
  f->seq = 0;
  f->impl = 0;
  return XABI_E_UNSUPPORTED;
}

int64_t xabi_pal_frame_call(struct xabi_pal_frame *f, size_t req_len) {
  (void)f;
  (void)req_len;
  return XABI_E_UNSUPPORTED;
}

void xabi_pal_frame_end(struct xabi_pal_frame *f) { (void)f; }
