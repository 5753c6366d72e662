// xabi/host_dispatch.hpp: the typed skeleton a host implements. The generated
// dispatch decodes a request frame (the host's private copy), calls the
// handler with plain values, and encodes the response. Guest addresses reach
// the handler as numbers (uint64_t), never as pointers.
#include <sstream>

#include "emit.h"

namespace xabi::gen {
namespace {

const char* handler_scalar(spec::Type t) {
  switch (t) {
    case spec::U32: return "uint32_t";
    case spec::I32:
    case spec::CHANNEL: return "int32_t";
    case spec::I64: return "int64_t";
    default: return "uint64_t";
  }
}

// A HOST call's Handler method: "int64_t name(type a, ...)", and its
// arguments as a forwarding call passes them ("a, ...").
struct Signature {
  std::string decl;
  std::string args;
};

Signature handler_signature(const Abi& abi, const spec::Call& c) {
  Signature s{std::string(c.result() == spec::PTR ? "uint64_t" : "int64_t") + " " + c.name() + "(", ""};
  for (int i = 0; i < c.params_size(); ++i) {
    const auto& p = c.params(i);
    if (i) s.decl += ", ", s.args += ", ";
    s.args += p.name();
    if (p.type() == spec::CSTR) {
      s.decl += "std::string_view ";
    } else if (is_buffer(p)) {
      if (!p.elem().empty())
        s.decl += std::string("std::span<") + (p.dir() == spec::IN ? "const " : "") + "xabi_" + abi.find_struct(p.elem())->name() + "> ";
      else if (p.dir() == spec::OUT)
        s.decl += "OutBytes& ";
      else
        s.decl += "std::span<const uint8_t> ";
    } else {
      s.decl += std::string(handler_scalar(p.type())) + " ";
    }
    s.decl += p.name();
  }
  s.decl += ")";
  return s;
}

}  // namespace

std::string emit_host_dispatch(const Abi& abi) {
  std::ostringstream o;
  o << banner(abi, "// ");
  o << R"(//
// Usage:
//   class MyHost : public xabi::dispatch::Handler { ... one method per HOST call ... };
//   class Changed : public xabi::dispatch::ForwardingHandler { ... overrides a few, the rest reach MyHost ... };
//   std::vector<uint8_t> frame = copy_out_of_shared_memory();   // copy once
//   std::array<uint8_t, XABI_WIRE_MAX_RESPONSE> out;
//   xabi::dispatch::Dispatched d = xabi::dispatch::dispatch(frame, my_host, out);
//   if (d.status != XABI_WIRE_OK) report(xabi_wire_status_name(d.status));
//   send(out.data(), d.response_size);
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "xabi/wire.h"

namespace xabi::dispatch {

// Bytes a handler produces for an OUT parameter: at most `capacity`.
struct OutBytes {
  uint8_t* data;
  size_t capacity;
  size_t size = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
)";
  std::vector<const CallIR*> host;
  for (const CallIR* c : abi.by_id())
    if (c->proto->side() == spec::Call::HOST) host.push_back(c);

  for (const CallIR* ci : host) {
    const spec::Call& c = *ci->proto;
    WireLayout w = wire_layout(abi, *ci);
    o << "\n  // " << c.name() << ": " << c.doc().substr(0, c.doc().find(". ") + 1) << "\n";
    for (const auto& p : w.req_payloads) {
      const auto& pp = c.params(p.param);
      if (p.is_string)
        o << "  // " << pp.name() << ": at most " << p.max_bytes << " bytes; " << p.max_bytes << " means longer than allowed.\n";
      else
        o << "  // " << pp.name() << ": empty when " << c.params(p.bound_param).name() << " is over its bound.\n";
    }
    o << "  virtual " << handler_signature(abi, c).decl << " = 0;\n";
  }
  o << "};\n\n";
  // A decorator base: a host that changes a few calls of another derives
  // from it and overrides only those (xabi-host-mutant, docs/mutants.md).
  o << R"(// Forwards every call to another handler. Derive from it to change a few.
class ForwardingHandler : public Handler {
 public:
  explicit ForwardingHandler(Handler& inner) : inner_(inner) {}
)";
  for (const CallIR* ci : host) {
    const Signature s = handler_signature(abi, *ci->proto);
    o << "  " << s.decl << " override { return inner_." << ci->proto->name() << "(" << s.args << "); }\n";
  }
  o << R"(
 protected:
  Handler& inner() { return inner_; }

 private:
  Handler& inner_;
};

)";
  // A generic adaptor: every call arrives as (id, arguments in spec order).
  // For tests, fuzzers and recording hosts that treat calls uniformly.
  o << R"(// One argument of a call, as GenericHandler sees it.
struct GenericArg {
  uint64_t num = 0;             // scalars (signed types sign-extended); for buffers, 0
  std::string_view bytes;       // strings, IN buffers and IN arrays
  OutBytes* out = nullptr;      // OUT buffers
  std::span<uint8_t> inout;     // IN_OUT arrays, as writable bytes
};

// Receives every call as its id and its arguments in spec order.
class GenericHandler : public Handler {
 public:
  virtual int64_t on_call(uint32_t id, std::span<GenericArg> args) = 0;
)";
  for (const CallIR* ci : host) {
    const spec::Call& c = *ci->proto;
    o << "  " << (c.result() == spec::PTR ? "uint64_t" : "int64_t") << " " << c.name() << "(";
    std::string body;
    for (int i = 0; i < c.params_size(); ++i) {
      const auto& p = c.params(i);
      o << (i ? ", " : "");
      std::string a = "a[" + std::to_string(i) + "]";
      if (p.type() == spec::CSTR) {
        o << "std::string_view " << p.name();
        body += "    " + a + ".bytes = " + p.name() + ";\n";
      } else if (is_buffer(p)) {
        if (!p.elem().empty()) {
          const std::string sn = "xabi_" + abi.find_struct(p.elem())->name();
          if (p.dir() == spec::IN) {
            o << "std::span<const " << sn << "> " << p.name();
            body += "    " + a + ".bytes = std::string_view(reinterpret_cast<const char*>(" + p.name() + ".data()), " + p.name() + ".size_bytes());\n";
          } else {
            o << "std::span<" << sn << "> " << p.name();
            body += "    " + a + ".inout = std::span<uint8_t>(reinterpret_cast<uint8_t*>(" + p.name() + ".data()), " + p.name() + ".size_bytes());\n";
          }
        } else if (p.dir() == spec::OUT) {
          o << "OutBytes& " << p.name();
          body += "    " + a + ".out = &" + p.name() + ";\n";
        } else {
          o << "std::span<const uint8_t> " << p.name();
          body += "    " + a + ".bytes = std::string_view(reinterpret_cast<const char*>(" + p.name() + ".data()), " + p.name() + ".size());\n";
        }
      } else {
        o << handler_scalar(p.type()) << " " << p.name();
        body += "    " + a + ".num = static_cast<uint64_t>(" + p.name() + ");\n";
      }
    }
    o << ") override {\n";
    o << "    std::array<GenericArg, " << std::max(1, c.params_size()) << "> a{};\n" << body;
    o << "    return static_cast<" << (c.result() == spec::PTR ? "uint64_t" : "int64_t") << ">(on_call(" << c.id() << ", std::span<GenericArg>(a.data(), "
      << c.params_size() << ")));\n  }\n";
  }
  o << "};\n\n";
  o << R"(struct Dispatched {
  xabi_wire_status status;  // XABI_WIRE_OK, or why the request frame was refused
  uint16_t call;            // the call id from the header (0 when unreadable)
  size_t response_size;     // bytes of response written (0 only if `response` is too small)
};

// Decodes `request`, calls the handler, writes the response into `response`
// (XABI_WIRE_MAX_RESPONSE bytes suffice). A refused frame runs no handler and
// is answered with XABI_E_BAD_FRAME.
inline Dispatched dispatch(std::span<const uint8_t> request, Handler& h, std::span<uint8_t> response) {
  xabi_wire_header hd{};
  Dispatched d{xabi_wire_read_header(request.data(), request.size(), XABI_WIRE_REQUEST_MAGIC, &hd), 0, 0};
  if (d.status == XABI_WIRE_OK && !xabi_wire_is_host_call(hd.call)) d.status = XABI_WIRE_UNKNOWN_CALL;
  if (d.status != XABI_WIRE_OK) {
    d.call = d.status == XABI_WIRE_UNKNOWN_CALL ? hd.call : 0;
    d.response_size = xabi_wire_encode_error_resp(response.data(), response.size(), d.call, hd.seq, XABI_E_BAD_FRAME);
    return d;
  }
  d.call = hd.call;
  switch (hd.call) {
)";
  for (const CallIR* ci : host) {
    const spec::Call& c = *ci->proto;
    WireLayout w = wire_layout(abi, *ci);
    const std::string n = c.name();
    o << "    case " << c.id() << ": {  // " << n << "\n";
    o << "      xabi_wire_" << n << "_req r{};\n";
    o << "      d.status = xabi_wire_decode_" << n << "_req(request.data(), request.size(), &r);\n";
    o << "      if (d.status != XABI_WIRE_OK) break;\n";
    o << "      xabi_wire_" << n << "_resp out{};\n";
    // Scratch for OUT / IN_OUT sections; aligned for structs.
    for (const auto& p : w.resp_payloads) {
      const auto& pp = c.params(p.param);
      if (!pp.elem().empty())
        o << "      static thread_local std::array<xabi_" << pp.elem() << ", " << p.max_bytes / p.elem_size << "> arr_" << pp.name()
          << ";\n";
      else
        o << "      static thread_local std::array<uint8_t, " << std::max<uint64_t>(p.max_bytes, 1) << "> scratch_" << pp.name()
          << ";\n";
    }
    std::string args;
    auto add = [&](const std::string& a) { args += (args.empty() ? "" : ", ") + a; };
    for (int i = 0; i < c.params_size(); ++i) {
      const auto& p = c.params(i);
      if (p.type() == spec::CSTR) {
        add("std::string_view(reinterpret_cast<const char*>(r." + p.name() + "), r." + p.name() + "_len)");
      } else if (is_buffer(p)) {
        if (!p.elem().empty()) {
          const spec::Struct& st = *abi.find_struct(p.elem());
          std::string sn = "xabi_" + st.name();
          uint64_t size = struct_size(st);
          // Copy the array into aligned structs (the frame promises no alignment).
          if (p.dir() == spec::IN) {
            o << "      alignas(16) std::array<" << sn << ", " << c.params(ci->param_index(p.count())).range().max() << "> arr_"
              << p.name() << "{};\n";
          }
          o << "      const size_t n_" << p.name() << " = r." << p.name() << "_len / " << size << ";\n";
          o << "      if (r." << p.name() << "_len) std::memcpy(arr_" << p.name() << ".data(), r." << p.name() << ", r." << p.name()
            << "_len);\n";
          add("std::span<" + std::string(p.dir() == spec::IN ? "const " : "") + sn + ">(arr_" + p.name() + ".data(), n_" + p.name() + ")");
        } else if (p.dir() == spec::OUT) {
          int b = ci->param_index(p.len());
          o << "      OutBytes ob_" << p.name() << "{scratch_" << p.name() << ".data(), r." << c.params(b).name() << " <= "
            << p.max_len() << "u ? static_cast<size_t>(r." << c.params(b).name() << ") : 0u};\n";
          add("ob_" + p.name());
        } else {
          add("std::span<const uint8_t>(r." + p.name() + ", r." + p.name() + "_len)");
        }
      } else {
        add("r." + p.name());
      }
    }
    o << "      out.result = static_cast<int64_t>(h." << n << "(" << args << "));\n";
    for (const auto& p : w.resp_payloads) {
      const auto& pp = c.params(p.param);
      if (!pp.elem().empty()) {
        o << "      out." << pp.name() << " = reinterpret_cast<const uint8_t*>(arr_" << pp.name() << ".data());\n";
        o << "      out." << pp.name() << "_len = r." << pp.name() << "_len;\n";
      } else {
        // A handler claiming more than it may is a host bug: clamp, never overrun.
        o << "      out." << pp.name() << " = scratch_" << pp.name() << ".data();\n";
        o << "      out." << pp.name() << "_len = static_cast<uint32_t>(std::min(ob_" << pp.name() << ".size, ob_" << pp.name()
          << ".capacity));\n";
      }
    }
    o << "      d.response_size = xabi_wire_encode_" << n << "_resp(response.data(), response.size(), hd.seq, &r, &out);\n";
    o << "      return d;\n    }\n";
  }
  o << R"(    default:
      d.status = XABI_WIRE_UNKNOWN_CALL;
      break;
  }
  d.response_size = xabi_wire_encode_error_resp(response.data(), response.size(), d.call, hd.seq, XABI_E_BAD_FRAME);
  return d;
}

}  // namespace xabi::dispatch
)";
  return o.str();
}

}  // namespace xabi::gen
