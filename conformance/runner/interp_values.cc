// The case language's values and the CALL frame: evaluating expressions over
// the case's variables, and marshalling operands into what the agent reads
// and what the model checks (agent_protocol.h CALL).
#include "interp.h"

#include <cstring>

#include "agent_protocol.h"
#include "model_inputs.h"
#include "step_text.h"

namespace xabi::conform::detail {

using ref::Arg;

CaseOr<Int> Interp::eval(const Expr& e) {
  for (const auto& t : e.terms)
    for (const auto& f : t.factors)
      if (f.is_var && !vars.count(f.var)) return CaseFail{"$" + f.var + " has no value", "", "", ""};
  return eval_expr(e, [&](const std::string& name) { return vars.at(name); });
}

CaseOr<uint64_t> Interp::u(const Expr& e) {
  XABI_CASE_LET(v, eval(e));
  return static_cast<uint64_t>(v);
}

std::string Interp::expand(std::string s) {
  if (size_t at = s.find("{origin}"); at != std::string::npos && p.origin) s.replace(at, 8, p.origin->url());
  return s;
}

CaseOr<Interp::Marshalled> Interp::marshal(const meta::CallInfo& c, const std::vector<Operand>& ops) {
  Marshalled m;
  Bytes args, blobs;
  int nblobs = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Operand& o = ops[i];
    const meta::ParamInfo& prm = c.params[i];
    std::string blob;
    switch (o.kind) {
      case Operand::Kind::kExpr: {
        XABI_CASE_LET(v, u(o.expr));
        args.u8(AGENT_ARG_VALUE).u64(v);
        if (prm.type == meta::Type::kCstr) {
          if (!outside_guest_memory(v)) return CaseFail{kStringAddressRule, "", o.source, ""};
          m.model_args.push_back(Arg::str_at(Int(v)));
          m.blob_of.push_back(-1);
          m.shown.push_back(std::string(prm.name) + "=@" + o.source);
          continue;
        }
        m.model_args.push_back(model_number(prm, v));
        m.blob_of.push_back(-1);
        m.shown.push_back(std::string(prm.name) + "=" + o.source);
        continue;
      }
      case Operand::Kind::kString: {
        blob = expand(o.text);
        if (prm.type == meta::Type::kCstr) {
          m.model_args.push_back(model_string(prm, blob));
          blob.push_back('\0');
        } else {
          m.model_args.push_back(Arg::num(0));
        }
        m.shown.push_back(std::string(prm.name) + "=\"" + printable(expand(o.text), 40) + "\"");
        break;
      }
      case Operand::Kind::kZero:
      case Operand::Kind::kFill: {
        XABI_CASE_LET(n, u(o.len));
        if (n > AGENT_SCRATCH - 64) return CaseFail{"a buffer of " + std::to_string(n) + " bytes exceeds the agent's scratch", "", "", ""};
        blob.assign(n, o.kind == Operand::Kind::kZero ? '\0' : static_cast<char>(o.byte));
        m.model_args.push_back(Arg::num(0));
        m.shown.push_back(std::string(prm.name) + "=" + o.source);
        break;
      }
      case Operand::Kind::kStructs: {
        const meta::StructInfo* si = meta::find_struct(o.struct_name);
        for (const auto& el : o.elems) {
          std::string e(si->size, '\0');
          for (const auto& [fname, fexpr] : el)
            for (const auto& f : si->fields)
              if (f.name == fname) {
                XABI_CASE_LET(v, u(fexpr));
                memcpy(e.data() + f.offset, &v, f.size);
              }
          blob += e;
        }
        m.model_args.push_back(Arg::num(0));
        m.shown.push_back(std::string(prm.name) + "=" + o.source);
        break;
      }
    }
    args.u8(AGENT_ARG_BLOB).u8(static_cast<uint8_t>(nblobs)).u32(0);
    blobs.u32(static_cast<uint32_t>(blob.size())).u8(AGENT_BLOB_DATA).raw(blob.data(), blob.size());
    m.blob_of.push_back(nblobs++);
  }
  Bytes pl;
  pl.u32(c.id).u8(static_cast<uint8_t>(ops.size()));
  pl.data += args.data;
  pl.u8(static_cast<uint8_t>(nblobs));
  pl.data += blobs.data;
  m.payload = pl.data;
  return m;
}

CaseOr<Interp::CallReply> Interp::parse_call_reply(const AgentReply& r) {
  Reader rd(r.payload);
  CallReply c;
  c.result = rd.i64();
  uint8_t n = rd.u8();
  for (uint8_t i = 0; i < n && !rd.bad; ++i) {
    uint64_t addr = rd.u64();
    uint32_t len = rd.u32();
    c.blobs.emplace_back(addr, rd.bytes(len));
  }
  if (rd.bad) return CaseFail{"malformed CALL reply from the agent", "", "", ""};
  return c;
}

}  // namespace xabi::conform::detail
