// xabi/xabi.h: the guest's view of the ABI, usable from freestanding C and C++.
#include <sstream>

#include "emit.h"

namespace xabi::gen {
namespace {

// The C type a guest sees for a parameter.
std::string param_c_type(const Abi& abi, const spec::Param& p) {
  if (p.type() == spec::PTR) {
    bool in = p.dir() == spec::IN;
    if (!p.elem().empty()) return std::string(in ? "const " : "") + "struct xabi_" + abi.find_struct(p.elem())->name() + " *";
    if (in) return "const void *";
    return "void *";
  }
  return c_type(p.type());
}

std::string result_c_type(const spec::Call& c) {
  switch (c.result()) {
    case spec::NORETURN:
    case spec::VOID: return "void";
    case spec::PTR: return "void *";
    case spec::U64: return "uint64_t";
    default: return "int64_t";  // negative results are errors
  }
}

void wrap(std::ostringstream& o, const std::string& prefix, const std::string& text) {
  std::istringstream words(text);
  std::string w, line = prefix;
  while (words >> w) {
    if (line.size() + w.size() + 1 > 88 && line.size() > prefix.size()) {
      o << line << "\n";
      line = prefix;
    }
    line += (line.size() > prefix.size() ? " " : "") + w;
  }
  if (line.size() > prefix.size()) o << line << "\n";
}

}  // namespace

std::string emit_guest_header(const Abi& abi) {
  const spec::Spec& s = abi.spec;
  std::ostringstream o;
  o << banner(abi, "/* ", " */");
  o << R"(/*
 * xabi.h: the picoprocess ABI, as a guest sees it.
 *
 * Usage (a guest built with xabi_add_guest() gets the table from crt0):
 *
 *   #include <xabi/xabi.h>
 *   int xabi_main(void) {
 *     char *page = xabi_alloc(XABI_PAGE);        // zero-filled, host-placed
 *     if (!page) return 1;
 *     uint64_t t = xabi_time_now();
 *     xabi_free(page, XABI_PAGE);
 *     return 0;
 *   }
 *
 * Every call goes through the dispatch table the host hands the guest's entry
 * point, so one image runs on any host. Negative results are the named errors
 * XABI_E_*. The rules of each call (what a host may answer for every input)
 * are in docs/abi.md.
 */
#ifndef XABI_XABI_H
#define XABI_XABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define XABI_STATIC_ASSERT(c, m) static_assert(c, m)
extern "C" {
#else
#define XABI_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

)";
  o << "#define XABI_ABI_VERSION " << s.version() << "u\n\n";
  o << "/* ---- constants */\n\n";
  for (const auto& c : s.constants()) {
    wrap(o, "// ", c.doc());
    o << "#define XABI_" << c.name() << " " << c.value() << "ull\n";
  }
  o << "\n/* ---- errors: every negative result is one of these */\n\n";
  for (const auto& e : s.errors()) {
    wrap(o, "// ", e.doc());
    o << "#define XABI_" << e.name() << " (" << e.value() << ")\n";
  }
  o << "\n/* ---- types */\n\n";
  o << "/* A channel id: >= 0 when open. */\ntypedef int32_t xabi_channel_t;\n\n";
  for (const auto& st : s.structs()) {
    wrap(o, "// ", st.doc());
    o << "struct xabi_" << st.name() << " {\n";
    for (const auto& f : st.fields()) {
      const char* t = f.type() == spec::PTR ? "uint64_t" : c_type(f.type());
      o << "  " << t << " " << f.name() << ";  // " << f.doc() << (f.type() == spec::PTR ? " (a guest address)" : "") << "\n";
    }
    o << "};\n";
    o << "XABI_STATIC_ASSERT(sizeof(struct xabi_" << st.name() << ") == " << struct_size(st)
      << ", \"xabi_" << st.name() << " layout\");\n\n";
  }
  o << "/* ---- call ids (stable: the dispatch table and the wire use them) */\n\n";
  o << "enum xabi_call_id {\n";
  for (const CallIR* c : abi.by_id()) o << "  XABI_CALL_" << upper(c->proto->name()) << " = " << c->proto->id() << ",\n";
  uint32_t max_id = abi.by_id().empty() ? 0 : abi.by_id().back()->proto->id();
  o << "  XABI_CALL_LIMIT = " << max_id + 1 << "\n};\n\n";

  o << "/* ---- the dispatch table a host hands the guest's entry point */\n\n";
  for (const CallIR* c : abi.by_id()) {
    const spec::Call& call = *c->proto;
    o << "typedef " << (call.result() == spec::NORETURN ? "__attribute__((noreturn)) " : "") << result_c_type(call)
      << " (*xabi_" << call.name() << "_fn)(";
    if (call.params_size() == 0) o << "void";
    for (int i = 0; i < call.params_size(); ++i)
      o << (i ? ", " : "") << param_c_type(abi, call.params(i)) << (param_c_type(abi, call.params(i)).back() == '*' ? "" : " ")
        << call.params(i).name();
    o << ");\n";
  }
  o << "\nstruct xabi_dispatch {\n";
  o << "  uint32_t abi_version; /* XABI_ABI_VERSION of the host */\n";
  o << "  uint32_t n_calls;     /* entries below: XABI_CALL_LIMIT - 1 */\n";
  uint32_t next = 1;
  for (const CallIR* c : abi.by_id()) {
    for (; next < c->proto->id(); ++next) o << "  void (*reserved_" << next << ")(void);\n";
    o << "  xabi_" << c->proto->name() << "_fn " << c->proto->name() << "; /* " << c->proto->id() << " */\n";
    next = c->proto->id() + 1;
  }
  o << "};\n\n";
  o << "/* The table this guest was handed; crt0 sets it before any guest code runs. */\n";
  o << "extern const struct xabi_dispatch *xabi_dispatch_table;\n\n";

  o << "/* ---- the calls */\n";
  for (const auto& g : s.groups()) {
    o << "\n/* == " << g.name() << ": " << g.doc() << " */\n";
    for (const CallIR* c : abi.by_id()) {
      const spec::Call& call = *c->proto;
      if (call.group() != g.name()) continue;
      o << "\n/*\n";
      wrap(o, " * ", "xabi_" + call.name() + " (" + (call.side() == spec::Call::PAL ? "PAL" : "HOST") +
                         (call.blocks() ? ", blocks" : "") + "): " + call.doc());
      for (const auto& p : call.params()) wrap(o, " *   ", p.name() + ": " + p.doc());
      if (call.errors_size()) {
        std::string errs;
        for (const auto& e : call.errors()) errs += (errs.empty() ? "" : ", ") + std::string("XABI_") + e;
        wrap(o, " * ", "Errors: " + errs + ".");
      }
      wrap(o, " * ", "Why: " + call.rationale());
      o << " */\n";
      o << "static inline " << (call.result() == spec::NORETURN ? "__attribute__((noreturn)) " : "") << result_c_type(call)
        << " xabi_" << call.name() << "(";
      if (call.params_size() == 0) o << "void";
      std::string args;
      for (int i = 0; i < call.params_size(); ++i) {
        std::string t = param_c_type(abi, call.params(i));
        o << (i ? ", " : "") << t << (t.back() == '*' ? "" : " ") << call.params(i).name();
        args += (i ? ", " : "") + call.params(i).name();
      }
      o << ") {\n";
      if (call.result() == spec::NORETURN) {
        o << "  xabi_dispatch_table->" << call.name() << "(" << args << ");\n  __builtin_unreachable();\n";
      } else if (call.result() == spec::VOID) {
        o << "  xabi_dispatch_table->" << call.name() << "(" << args << ");\n";
      } else {
        o << "  return xabi_dispatch_table->" << call.name() << "(" << args << ");\n";
      }
      o << "}\n";
    }
  }
  o << R"(
#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* XABI_XABI_H */
)";
  return o.str();
}

// xabi/host_exits.h: a host's own exit statuses, for hosts, their launchers
// (a child whose set-up before execve fails exits LAUNCH_FAILED) and the tests
// that check them; each also as text, for the hosts' --help.
std::string emit_host_exits_h(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "/* ", " */");
  o << "#ifndef XABI_HOST_EXITS_H\n#define XABI_HOST_EXITS_H\n\n";
  o << "/* Exit statuses of a host's command line other than the picoprocess's own.\n"
       " * They overlap the picoprocess's statuses: the host also says which it was. */\n";
  for (const auto& h : abi.spec.host_exits())
    o << "#define XABI_HOST_EXIT_" << h.name() << " " << h.status() << "  /* " << h.doc() << " */\n"
      << "#define XABI_HOST_EXIT_" << h.name() << "_TEXT \"" << h.status() << "\"\n";
  o << "\n#endif\n";
  return o.str();
}

}  // namespace xabi::gen
