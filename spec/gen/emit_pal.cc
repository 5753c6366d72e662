// xabi/pal_stubs.{h,c}: the PAL side of every HOST call (marshal the
// arguments into a frame, call the transport, unmarshal the response) and the
// function that fills the dispatch table a guest is handed. PAL-served calls
// are hand-written as xabi_pal_impl_<name> (pal/). So is the table entry of a
// HOST call that blocks (`blocks: true`): the host never blocks for a guest,
// so the PAL waits itself, on top of the generated xabi_pal_host_<name> stub.
#include <sstream>

#include "emit.h"

namespace xabi::gen {
namespace {

std::string pal_param(const Abi& abi, const spec::Param& p) {
  if (p.type() == spec::PTR) {
    bool in = p.dir() == spec::IN;
    if (!p.elem().empty()) return std::string(in ? "const " : "") + "struct xabi_" + abi.find_struct(p.elem())->name() + " *";
    return in ? "const void *" : "void *";
  }
  return c_type(p.type());
}

std::string pal_result(const spec::Call& c) {
  switch (c.result()) {
    case spec::NORETURN:
    case spec::VOID: return "void";
    case spec::PTR: return "void *";
    case spec::U64: return "uint64_t";
    default: return "int64_t";
  }
}

std::string signature(const Abi& abi, const spec::Call& c, const std::string& fn) {
  std::string s = (c.result() == spec::NORETURN ? "__attribute__((noreturn)) " : "") + pal_result(c) + " " + fn + "(";
  if (c.params_size() == 0) s += "void";
  for (int i = 0; i < c.params_size(); ++i) {
    std::string t = pal_param(abi, c.params(i));
    s += (i ? ", " : "") + t + (t.back() == '*' ? "" : " ") + c.params(i).name();
  }
  return s + ")";
}

}  // namespace

std::string emit_pal_stubs_h(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "/* ", " */");
  o << R"(#ifndef XABI_PAL_STUBS_H
#define XABI_PAL_STUBS_H

#include "xabi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- provided by the PAL transport (hand-written) */

/* One request/response slot, owned by the calling thread between begin and end. */
struct xabi_pal_frame {
  uint8_t *req;        /* XABI_WIRE_MAX_REQUEST bytes to encode into */
  size_t req_cap;
  const uint8_t *resp; /* set by xabi_pal_frame_call */
  size_t resp_len;
  uint32_t seq;        /* the sequence number to put in the request */
  void *impl;          /* the transport's own */
};
/* 0, or a negative XABI_E_ when no slot can be had. */
int64_t xabi_pal_frame_begin(struct xabi_pal_frame *f);
/* Sends req[0..req_len) and waits for the response: 0 or a negative XABI_E_. */
int64_t xabi_pal_frame_call(struct xabi_pal_frame *f, size_t req_len);
void xabi_pal_frame_end(struct xabi_pal_frame *f);

/* ---- provided by the PAL: what is guest memory (hand-written) */

/* 1 when every byte of [p, p+len) is guest memory (writable too when write is
 * non-zero), 0 otherwise; len >= 1. A stub answers XABI_E_FAULT for a buffer
 * that is not, before it touches a byte of it. */
int xabi_pal_accessible(const void *p, uint64_t len, int write);
/* 1 when s is readable guest memory up to its NUL or max bytes, whichever
 * comes first; 0 otherwise (NULL included). */
int xabi_pal_string_accessible(const char *s, uint64_t max);

/* ---- PAL-served calls (hand-written) */

)";
  for (const CallIR* c : abi.by_id())
    if (c->proto->side() == spec::Call::PAL) o << signature(abi, *c->proto, "xabi_pal_impl_" + c->proto->name()) << ";\n";
  bool blocking_host_calls = false;
  for (const CallIR* c : abi.by_id()) {
    if (c->proto->side() != spec::Call::HOST || !c->proto->blocks()) continue;
    if (!blocking_host_calls)
      o << "\n/* ---- HOST calls that block: the dispatch table's entry (hand-written), which\n"
           " * waits in the PAL and asks the host through xabi_pal_host_ without blocking */\n\n";
    blocking_host_calls = true;
    o << signature(abi, *c->proto, "xabi_pal_impl_" + c->proto->name()) << ";\n";
  }
  o << "\n/* ---- HOST calls: generated marshalling */\n\n";
  for (const CallIR* c : abi.by_id())
    if (c->proto->side() == spec::Call::HOST) o << signature(abi, *c->proto, "xabi_pal_host_" + c->proto->name()) << ";\n";
  o << R"(
/* Clears a dispatch table and fills its header and HOST calls (stubs above). */
void xabi_pal_fill_host_calls(struct xabi_dispatch *table);
/* Fills a whole dispatch table: HOST calls and the PAL's xabi_pal_impl_
 * functions, which replace the stubs of HOST calls that block (pal_dispatch.c). */
void xabi_pal_fill_dispatch(struct xabi_dispatch *table);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* XABI_PAL_STUBS_H */
)";
  return o.str();
}

std::string emit_invoke(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "/* ", " */");
  o << R"(/*
 * xabi_invoke: call any ABI call by id with raw 64-bit arguments (pointers as
 * addresses, strings as pointers), through a dispatch table. For conformance
 * agents and tests that drive calls as data:
 *
 *   uint64_t args[] = {4096};
 *   int64_t r;
 *   if (xabi_invoke(xabi_dispatch_table, XABI_CALL_ALLOC, args, &r) == 0) ...
 */
#ifndef XABI_INVOKE_H
#define XABI_INVOKE_H

#include "xabi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returns 0 and sets *result, or -1 for an id the table does not have. Calls
 * that do not return do not return here either. */
static inline int xabi_invoke(const struct xabi_dispatch *t, uint32_t id, const uint64_t *a, int64_t *result) {
  (void)a;
  if (id == 0 || id > t->n_calls) return -1;
  switch (id) {
)";
  for (const CallIR* ci : abi.by_id()) {
    const spec::Call& c = *ci->proto;
    std::string args;
    for (int i = 0; i < c.params_size(); ++i) {
      std::string t = pal_param(abi, c.params(i));
      std::string cast = c.params(i).type() == spec::PTR || c.params(i).type() == spec::CSTR ? "(" + t + ")(uintptr_t)" : "(" + t + ")";
      args += (i ? ", " : "") + cast + "a[" + std::to_string(i) + "]";
    }
    o << "    case " << c.id() << ":\n";
    o << "      if (!t->" << c.name() << ") return -1;\n";
    if (c.result() == spec::NORETURN) o << "      t->" << c.name() << "(" << args << ");\n";
    else if (c.result() == spec::VOID) o << "      t->" << c.name() << "(" << args << ");\n      *result = 0;\n      return 0;\n";
    else if (c.result() == spec::PTR) o << "      *result = (int64_t)(uintptr_t)t->" << c.name() << "(" << args << ");\n      return 0;\n";
    else o << "      *result = (int64_t)t->" << c.name() << "(" << args << ");\n      return 0;\n";
  }
  o << R"(    default:
      return -1;
  }
}

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* XABI_INVOKE_H */
)";
  return o.str();
}

std::string emit_pal_stubs_c(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "/* ", " */");
  o << "#include \"pal_stubs.h\"\n#include \"wire.h\"\n\n";
  for (const CallIR* ci : abi.by_id()) {
    const spec::Call& c = *ci->proto;
    if (c.side() != spec::Call::HOST) continue;
    WireLayout w = wire_layout(abi, *ci);
    const std::string n = c.name();
    o << signature(abi, c, "xabi_pal_host_" + n) << " {\n";
    // The EFAULT discipline: memory the call reads or writes is checked before
    // anything else (the spec's rules give E_FAULT precedence), and only when
    // its length is within bounds (else the host answers E_INVAL).
    const std::string fault_ret = c.result() == spec::PTR ? "(void *)0" : "XABI_E_FAULT";
    for (const auto& p : c.params()) {
      if (p.dir() == spec::DIRECTION_UNSPECIFIED) continue;
      if (p.type() == spec::CSTR) {
        o << "  if (!xabi_pal_string_accessible(" << p.name() << ", " << p.max_len() + 1 << "u)) return " << fault_ret << ";\n";
        continue;
      }
      const bool array = !p.elem().empty();
      const std::string bound = array ? p.count() : p.len();
      uint64_t max_count = 0, elem = 1;
      for (const auto& q : c.params())
        if (q.name() == bound) max_count = array ? q.range().max() : p.max_len();
      if (array) elem = struct_size(*abi.find_struct(p.elem()));
      o << "  if ((uint64_t)" << bound << " > 0 && (uint64_t)" << bound << " <= " << max_count << "u && !xabi_pal_accessible("
        << p.name() << ", (uint64_t)" << bound << " * " << elem << "u, " << (p.dir() == spec::IN ? 0 : 1) << ")) return "
        << fault_ret << ";\n";
    }
    o << "  struct xabi_pal_frame _f;\n";
    o << "  int64_t _rc = xabi_pal_frame_begin(&_f);\n";
    o << "  if (_rc < 0) return " << (c.result() == spec::PTR ? "(void *)0" : "_rc") << ";\n";
    o << "  struct xabi_wire_" << n << "_req _q;\n";
    o << "  __builtin_memset(&_q, 0, sizeof _q);\n";
    for (const auto& s : w.req_scalars) {
      const auto& p = c.params(s.param);
      o << "  _q." << p.name() << " = " << (p.type() == spec::PTR ? "(uint64_t)(uintptr_t)" : "") << p.name() << ";\n";
    }
    for (const auto& pl : w.req_payloads) {
      const auto& p = c.params(pl.param);
      if (pl.is_string) {
        o << "  _q." << p.name() << " = (const uint8_t *)" << p.name() << ";\n";
        o << "  _q." << p.name() << "_len = xabi_wire_strnlen(" << p.name() << ", " << pl.max_bytes
          << "u); /* readable: checked above */\n";
      } else {
        std::string bound = c.params(pl.bound_param).name();
        uint64_t max_count = pl.max_bytes / pl.elem_size;
        o << "  if ((uint64_t)" << bound << " <= " << max_count << "u) {\n";
        o << "    _q." << p.name() << " = (const uint8_t *)" << p.name() << ";\n";
        o << "    _q." << p.name() << "_len = (uint32_t)((uint64_t)" << bound << " * " << pl.elem_size << "u);\n  }\n";
      }
    }
    o << "  size_t _len = xabi_wire_encode_" << n << "_req(_f.req, _f.req_cap, _f.seq, &_q);\n";
    o << "  _rc = _len ? xabi_pal_frame_call(&_f, _len) : XABI_E_BAD_FRAME;\n";
    o << "  if (_rc >= 0) {\n";
    o << "    struct xabi_wire_" << n << "_resp _r;\n";
    o << "    if (xabi_wire_decode_" << n << "_resp(_f.resp, _f.resp_len, _f.seq, &_q, &_r) != XABI_WIRE_OK) {\n";
    o << "      _rc = XABI_E_BAD_FRAME;\n    } else {\n      _rc = _r.result;\n";
    for (const auto& pl : w.resp_payloads) {
      const auto& p = c.params(pl.param);
      o << "      if (_r." << p.name() << "_len) __builtin_memcpy(" << p.name() << ", _r." << p.name() << ", _r." << p.name() << "_len);\n";
    }
    o << "    }\n  }\n";
    o << "  xabi_pal_frame_end(&_f);\n";
    if (c.result() == spec::PTR) o << "  return _rc > 0 ? (void *)(uintptr_t)_rc : (void *)0;\n";
    else o << "  return _rc;\n";
    o << "}\n\n";
  }
  o << "void xabi_pal_fill_host_calls(struct xabi_dispatch *table) {\n";
  o << "  __builtin_memset(table, 0, sizeof *table);\n";
  o << "  table->abi_version = XABI_ABI_VERSION;\n";
  o << "  table->n_calls = XABI_CALL_LIMIT - 1;\n";
  for (const CallIR* c : abi.by_id())
    if (c->proto->side() == spec::Call::HOST) o << "  table->" << c->proto->name() << " = xabi_pal_host_" << c->proto->name() << ";\n";
  o << "}\n";
  return o.str();
}

std::string emit_pal_dispatch_c(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "/* ", " */");
  o << "#include \"pal_stubs.h\"\n\n";
  o << "/* Every PAL call, and every HOST call that blocks, must have its xabi_pal_impl_\n"
       " * (a missing one fails the link). */\n";
  o << "void xabi_pal_fill_dispatch(struct xabi_dispatch *table) {\n";
  o << "  xabi_pal_fill_host_calls(table);\n";
  for (const CallIR* c : abi.by_id())
    if (c->proto->side() == spec::Call::PAL || c->proto->blocks())
      o << "  table->" << c->proto->name() << " = xabi_pal_impl_" << c->proto->name() << ";\n";
  o << "}\n";
  return o.str();
}

}  // namespace xabi::gen
