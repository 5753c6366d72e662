// xabi/wire.h: the frame codec for HOST calls, in freestanding C so the PAL
// (inside the picoprocess) and the host (C++) share one implementation.
//
// A frame is a 16-byte header (magic, call id, flags, sequence number, total
// length), then the call's scalars at natural alignment, padded to 8, then one
// section per buffer or string: u32 length, bytes, zero padding to 8. All
// little-endian. Decoding trusts nothing: every length is checked against the
// bytes received and against the spec's bounds, padding must be zero, and
// every failure has a name.
#include <sstream>

#include "emit.h"

namespace xabi::gen {
namespace {

const char* wire_c_type(spec::Type t) {
  switch (t) {
    case spec::U32: return "uint32_t";
    case spec::I32:
    case spec::CHANNEL: return "int32_t";
    case spec::I64: return "int64_t";
    default: return "uint64_t";  // U64, PTR: a guest address is a number to the host
  }
}

const char* kPrelude = R"(#ifndef XABI_WIRE_H
#define XABI_WIRE_H

#include "xabi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XABI_WIRE_REQUEST_MAGIC 0x51494258u  /* "XBIQ" little-endian */
#define XABI_WIRE_RESPONSE_MAGIC 0x52494258u /* "XBIR" little-endian */
#define XABI_WIRE_HEADER_SIZE 16u

/* Why a frame was refused. */
enum xabi_wire_status {
  XABI_WIRE_OK = 0,
  XABI_WIRE_TRUNCATED = 1,       /* shorter than the header, the call's fixed part, or a section claims */
  XABI_WIRE_OVERSIZED = 2,       /* longer than the call's largest frame, or a section over its bound */
  XABI_WIRE_BAD_MAGIC = 3,       /* not a frame of this direction */
  XABI_WIRE_UNKNOWN_CALL = 4,    /* the id is not a HOST call */
  XABI_WIRE_LENGTH_MISMATCH = 5, /* header length != bytes received, or a section != its length parameter */
  XABI_WIRE_BAD_STRING = 6,      /* a string section holds a NUL byte */
  XABI_WIRE_NONCANONICAL = 7,    /* non-zero flags or padding, or bytes after the last section */
  XABI_WIRE_WRONG_CALL = 8,      /* a frame for another call or sequence number than expected */
  XABI_WIRE_NO_SPACE = 9         /* encoding: the output buffer is too small or a length over its bound */
};

static inline const char *xabi_wire_status_name(enum xabi_wire_status s) {
  switch (s) {
    case XABI_WIRE_OK: return "OK";
    case XABI_WIRE_TRUNCATED: return "TRUNCATED";
    case XABI_WIRE_OVERSIZED: return "OVERSIZED";
    case XABI_WIRE_BAD_MAGIC: return "BAD_MAGIC";
    case XABI_WIRE_UNKNOWN_CALL: return "UNKNOWN_CALL";
    case XABI_WIRE_LENGTH_MISMATCH: return "LENGTH_MISMATCH";
    case XABI_WIRE_BAD_STRING: return "BAD_STRING";
    case XABI_WIRE_NONCANONICAL: return "NONCANONICAL";
    case XABI_WIRE_WRONG_CALL: return "WRONG_CALL";
    case XABI_WIRE_NO_SPACE: return "NO_SPACE";
  }
  return "?";
}

struct xabi_wire_header {
  uint32_t magic;
  uint16_t call;
  uint16_t flags; /* zero in v1 */
  uint32_t seq;   /* copied from request to response */
  uint32_t length;
};

/* Byte-wise little-endian access: no alignment assumptions about the frame. */
static inline void xabi_wire_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void xabi_wire_put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void xabi_wire_put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t xabi_wire_get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t xabi_wire_get32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}
static inline uint64_t xabi_wire_get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static inline size_t xabi_wire_section_size(uint64_t len) { return (size_t)((4u + len + 7u) & ~(uint64_t)7u); }

/* Writes a header; the caller fills the body. */
static inline void xabi_wire_put_header(uint8_t *out, uint32_t magic, uint16_t call, uint32_t seq, uint32_t length) {
  xabi_wire_put32(out, magic);
  xabi_wire_put16(out + 4, call);
  xabi_wire_put16(out + 6, 0);
  xabi_wire_put32(out + 8, seq);
  xabi_wire_put32(out + 12, length);
}

/* Reads and checks a header against the bytes received. */
static inline enum xabi_wire_status xabi_wire_read_header(const uint8_t *in, size_t n, uint32_t magic,
                                                          struct xabi_wire_header *h) {
  if (n < XABI_WIRE_HEADER_SIZE) return XABI_WIRE_TRUNCATED;
  h->magic = xabi_wire_get32(in);
  h->call = xabi_wire_get16(in + 4);
  h->flags = xabi_wire_get16(in + 6);
  h->seq = xabi_wire_get32(in + 8);
  h->length = xabi_wire_get32(in + 12);
  if (h->magic != magic) return XABI_WIRE_BAD_MAGIC;
  if (h->length != n) return XABI_WIRE_LENGTH_MISMATCH;
  if (h->flags != 0) return XABI_WIRE_NONCANONICAL;
  return XABI_WIRE_OK;
}

/* Appends a section (u32 length, bytes, zero padding to 8) at *off. */
static inline int xabi_wire_put_section(uint8_t *out, size_t cap, size_t *off, const void *data, uint32_t len) {
  size_t total = xabi_wire_section_size(len);
  if (cap < *off || cap - *off < total) return 0;
  xabi_wire_put32(out + *off, len);
  for (uint32_t i = 0; i < len; i++) out[*off + 4 + i] = ((const uint8_t *)data)[i];
  for (size_t i = 4 + (size_t)len; i < total; i++) out[*off + i] = 0;
  *off += total;
  return 1;
}

/* Reads a section at *off whose length may not exceed max. */
static inline enum xabi_wire_status xabi_wire_get_section(const uint8_t *in, size_t n, size_t *off, uint64_t max,
                                                          const uint8_t **data, uint32_t *len) {
  if (n < *off || n - *off < 4) return XABI_WIRE_TRUNCATED;
  uint32_t l = xabi_wire_get32(in + *off);
  if (l > max) return XABI_WIRE_OVERSIZED;
  size_t total = xabi_wire_section_size(l);
  if (n - *off < total) return XABI_WIRE_TRUNCATED;
  for (size_t i = 4 + (size_t)l; i < total; i++)
    if (in[*off + i] != 0) return XABI_WIRE_NONCANONICAL;
  *data = in + *off + 4;
  *len = l;
  *off += total;
  return XABI_WIRE_OK;
}

static inline int xabi_wire_has_nul(const uint8_t *p, uint32_t len) {
  for (uint32_t i = 0; i < len; i++)
    if (p[i] == 0) return 1;
  return 0;
}

/* Counts a string's bytes up to its NUL, stopping at max (so a string longer
 * than the spec allows travels as max bytes and is refused by the rules). */
static inline uint32_t xabi_wire_strnlen(const char *s, uint32_t max) {
  uint32_t n = 0;
  while (n < max && s[n] != 0) n++;
  return n;
}

)";

}  // namespace

std::string emit_wire(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "/* ", " */") << kPrelude;
  uint64_t max_req = 0, max_resp = 0;
  std::vector<const CallIR*> host;
  for (const CallIR* c : abi.by_id())
    if (c->proto->side() == spec::Call::HOST) host.push_back(c);

  for (const CallIR* ci : host) {
    const spec::Call& c = *ci->proto;
    const std::string n = c.name(), N = upper(c.name());
    WireLayout w = wire_layout(abi, *ci);
    max_req = std::max(max_req, w.req_max);
    max_resp = std::max(max_resp, w.resp_max);
    auto pname = [&](int i) { return c.params(i).name(); };

    o << "/* ================================================================ " << n << " (id " << c.id() << ") */\n\n";
    o << "#define XABI_WIRE_" << N << "_REQUEST_MAX " << w.req_max << "u\n";
    o << "#define XABI_WIRE_" << N << "_RESPONSE_MAX " << w.resp_max << "u\n\n";
    o << "struct xabi_wire_" << n << "_req {\n";
    for (const auto& s : w.req_scalars) o << "  " << wire_c_type(c.params(s.param).type()) << " " << pname(s.param) << ";\n";
    for (const auto& p : w.req_payloads)
      o << "  const uint8_t *" << pname(p.param) << "; /* points into the frame */\n  uint32_t " << pname(p.param) << "_len;\n";
    if (w.req_scalars.empty() && w.req_payloads.empty()) o << "  uint8_t none; /* no arguments */\n";
    o << "};\n\n";
    o << "struct xabi_wire_" << n << "_resp {\n  int64_t result;\n";
    for (const auto& p : w.resp_payloads)
      o << "  const uint8_t *" << pname(p.param) << "; /* points into the frame */\n  uint32_t " << pname(p.param) << "_len;\n";
    o << "};\n\n";

    // The exact length a section must have, given the scalars (see kPrelude).
    auto expected_len = [&](const WirePayload& p, const std::string& req) -> std::string {
      std::string bound = req + pname(p.bound_param);
      uint64_t max_count = p.max_bytes / p.elem_size;
      std::string count_expr = "(uint64_t)" + bound;
      return "(" + count_expr + " <= " + std::to_string(max_count) + "u ? (uint32_t)(" + count_expr + " * " +
             std::to_string(p.elem_size) + "u) : 0u)";
    };

    // -- encode request
    o << "/* Encodes a request; returns its length, 0 when out is too small or a section does not fit its bound. */\n";
    o << "static inline size_t xabi_wire_encode_" << n << "_req(uint8_t *out, size_t cap, uint32_t seq, const struct xabi_wire_"
      << n << "_req *r) {\n";
    o << "  (void)r;\n";
    o << "  if (cap < " << w.req_fixed << "u) return 0;\n";
    o << "  for (size_t i = 0; i < " << w.req_fixed << "u; i++) out[i] = 0;\n";
    for (const auto& s : w.req_scalars)
      o << "  xabi_wire_put" << s.size * 8 << "(out + " << s.offset << ", (uint" << s.size * 8 << "_t)r->" << pname(s.param) << ");\n";
    o << "  size_t off = " << w.req_fixed << "u;\n";
    for (const auto& p : w.req_payloads) {
      std::string f = pname(p.param);
      if (p.is_string) o << "  if (r->" << f << "_len > " << p.max_bytes << "u) return 0;\n";
      else o << "  if (r->" << f << "_len != " << expected_len(p, "r->") << ") return 0;\n";
      o << "  if (!xabi_wire_put_section(out, cap, &off, r->" << f << ", r->" << f << "_len)) return 0;\n";
    }
    o << "  xabi_wire_put_header(out, XABI_WIRE_REQUEST_MAGIC, " << c.id() << ", seq, (uint32_t)off);\n";
    o << "  return off;\n}\n\n";

    // -- decode request
    o << "/* Decodes a request frame (a private copy: the pointers point into it). */\n";
    o << "static inline enum xabi_wire_status xabi_wire_decode_" << n << "_req(const uint8_t *in, size_t n, struct xabi_wire_" << n
      << "_req *r) {\n";
    o << "  struct xabi_wire_header h;\n  (void)r;\n";
    o << "  enum xabi_wire_status s = xabi_wire_read_header(in, n, XABI_WIRE_REQUEST_MAGIC, &h);\n";
    o << "  if (s != XABI_WIRE_OK) return s;\n";
    o << "  if (h.call != " << c.id() << ") return XABI_WIRE_WRONG_CALL;\n";
    o << "  if (n > " << w.req_max << "u) return XABI_WIRE_OVERSIZED;\n";
    o << "  if (n < " << w.req_fixed << "u) return XABI_WIRE_TRUNCATED;\n";
    int pos = kHeaderSize;
    for (const auto& s : w.req_scalars) {
      for (; pos < s.offset; ++pos) o << "  if (in[" << pos << "]) return XABI_WIRE_NONCANONICAL;\n";
      o << "  r->" << pname(s.param) << " = (" << wire_c_type(c.params(s.param).type()) << ")xabi_wire_get" << s.size * 8
        << "(in + " << s.offset << ");\n";
      pos = s.offset + s.size;
    }
    for (; pos < w.req_fixed; ++pos) o << "  if (in[" << pos << "]) return XABI_WIRE_NONCANONICAL;\n";
    o << "  size_t off = " << w.req_fixed << "u;\n";
    for (const auto& p : w.req_payloads) {
      std::string f = pname(p.param);
      o << "  s = xabi_wire_get_section(in, n, &off, " << p.max_bytes << "u, &r->" << f << ", &r->" << f << "_len);\n";
      o << "  if (s != XABI_WIRE_OK) return s;\n";
      if (p.is_string) o << "  if (xabi_wire_has_nul(r->" << f << ", r->" << f << "_len)) return XABI_WIRE_BAD_STRING;\n";
      else o << "  if (r->" << f << "_len != " << expected_len(p, "r->") << ") return XABI_WIRE_LENGTH_MISMATCH;\n";
    }
    o << "  if (off != n) return XABI_WIRE_NONCANONICAL;\n";
    o << "  return XABI_WIRE_OK;\n}\n\n";

    // -- encode response
    o << "/* Encodes a response; returns its length, 0 when out is too small or a section is over its bound. */\n";
    o << "static inline size_t xabi_wire_encode_" << n << "_resp(uint8_t *out, size_t cap, uint32_t seq, const struct xabi_wire_"
      << n << "_req *req, const struct xabi_wire_" << n << "_resp *r) {\n";
    o << "  (void)req;\n";
    o << "  if (cap < " << kHeaderSize + kResultSize << "u) return 0;\n";
    o << "  xabi_wire_put64(out + 16, (uint64_t)r->result);\n";
    o << "  size_t off = " << kHeaderSize + kResultSize << "u;\n";
    for (const auto& p : w.resp_payloads) {
      std::string f = pname(p.param);
      if (c.params(p.param).dir() == spec::IN_OUT)
        o << "  if (r->" << f << "_len != 0 && r->" << f << "_len != " << expected_len(p, "req->") << ") return 0;\n";
      else
        o << "  if (r->" << f << "_len > " << expected_len(p, "req->") << ") return 0;\n";
      o << "  if (!xabi_wire_put_section(out, cap, &off, r->" << f << ", r->" << f << "_len)) return 0;\n";
    }
    o << "  xabi_wire_put_header(out, XABI_WIRE_RESPONSE_MAGIC, " << c.id() << ", seq, (uint32_t)off);\n";
    o << "  return off;\n}\n\n";

    // -- decode response
    o << "/* Decodes the response to `req` sent with `seq`. */\n";
    o << "static inline enum xabi_wire_status xabi_wire_decode_" << n << "_resp(const uint8_t *in, size_t n, uint32_t seq, const struct xabi_wire_"
      << n << "_req *req, struct xabi_wire_" << n << "_resp *r) {\n";
    o << "  (void)req;\n";
    o << "  struct xabi_wire_header h;\n";
    o << "  enum xabi_wire_status s = xabi_wire_read_header(in, n, XABI_WIRE_RESPONSE_MAGIC, &h);\n";
    o << "  if (s != XABI_WIRE_OK) return s;\n";
    o << "  if (h.call != " << c.id() << " || h.seq != seq) return XABI_WIRE_WRONG_CALL;\n";
    o << "  if (n > " << w.resp_max << "u) return XABI_WIRE_OVERSIZED;\n";
    o << "  if (n < " << kHeaderSize + kResultSize << "u) return XABI_WIRE_TRUNCATED;\n";
    o << "  r->result = (int64_t)xabi_wire_get64(in + 16);\n";
    o << "  size_t off = " << kHeaderSize + kResultSize << "u;\n";
    for (const auto& p : w.resp_payloads) {
      std::string f = pname(p.param);
      o << "  s = xabi_wire_get_section(in, n, &off, " << p.max_bytes << "u, &r->" << f << ", &r->" << f << "_len);\n";
      o << "  if (s != XABI_WIRE_OK) return s;\n";
      if (c.params(p.param).dir() == spec::IN_OUT)
        o << "  if (r->" << f << "_len != 0 && r->" << f << "_len != " << expected_len(p, "req->") << ") return XABI_WIRE_LENGTH_MISMATCH;\n";
      else
        o << "  if (r->" << f << "_len > " << expected_len(p, "req->") << ") return XABI_WIRE_OVERSIZED;\n";
    }
    o << "  if (off != n) return XABI_WIRE_NONCANONICAL;\n";
    o << "  return XABI_WIRE_OK;\n}\n\n";
  }

  o << "/* ================================================================ any call */\n\n";
  o << "#define XABI_WIRE_MAX_REQUEST " << max_req << "u\n";
  o << "#define XABI_WIRE_MAX_RESPONSE " << max_resp << "u\n\n";
  o << "/* 1 when id names a call the host serves over the wire. */\n";
  o << "static inline int xabi_wire_is_host_call(uint32_t id) {\n  switch (id) {\n";
  for (const CallIR* c : host) o << "    case " << c->proto->id() << ":\n";
  o << "      return 1;\n    default:\n      return 0;\n  }\n}\n\n";
  o << "/* A response carrying only an error (e.g. XABI_E_BAD_FRAME): empty sections. */\n";
  o << "static inline size_t xabi_wire_encode_error_resp(uint8_t *out, size_t cap, uint16_t call, uint32_t seq, int64_t result) {\n";
  o << "  size_t sections = 0;\n  switch (call) {\n";
  for (const CallIR* c : host) {
    WireLayout w = wire_layout(abi, *c);
    if (!w.resp_payloads.empty()) o << "    case " << c->proto->id() << ": sections = " << w.resp_payloads.size() << "; break;\n";
  }
  o << "    default: break;\n  }\n";
  o << "  size_t len = 24 + 8 * sections;\n  if (cap < len) return 0;\n";
  o << "  for (size_t i = 0; i < len; i++) out[i] = 0;\n";
  o << "  xabi_wire_put_header(out, XABI_WIRE_RESPONSE_MAGIC, call, seq, (uint32_t)len);\n";
  o << "  xabi_wire_put64(out + 16, (uint64_t)result);\n  return len;\n}\n\n";
  o << "#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n#endif /* XABI_WIRE_H */\n";
  return o.str();
}

}  // namespace xabi::gen
