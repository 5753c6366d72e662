#include "model_inputs.h"

#include "xabi/xabi.h"

namespace xabi::conform {

using ref::Arg;
using ref::Int;

bool outside_guest_memory(uint64_t address) {
  return address < XABI_PAGE || address >= XABI_ADDR_LIMIT;
}

Arg model_number(const meta::ParamInfo& p, uint64_t v) {
  switch (p.type) {
    case meta::Type::kI32:
    case meta::Type::kChannel:
      return Arg::num(Int(static_cast<int32_t>(v)));
    case meta::Type::kU32:
      return Arg::num(Int(static_cast<uint32_t>(v)));
    case meta::Type::kI64:
      return Arg::num(Int(static_cast<int64_t>(v)));
    default:
      return Arg::num(Int(v));
  }
}

Arg model_string(const meta::ParamInfo& p, const std::string& text) {
  std::string copied = text.substr(0, p.max_len + 1);
  return Arg::str(copied.substr(0, copied.find('\0')));
}

ref::ModelConfig model_config(const Case& c) {
  ref::ModelConfig mc;
  mc.quota = c.memory;
  mc.caps.listen = c.needs.count("listen") != 0;
  mc.caps.origin = c.needs.count("origin") != 0;
  mc.caps.console = c.needs.count("console") != 0;
  mc.caps.stdio = c.needs.count("stdio") != 0;
  mc.origin = c.origin_url;
  return mc;
}

namespace {

// Judge steps have no variables left: repeat's $i was replaced when parsing.
uint64_t constant(const Expr& e) {
  return static_cast<uint64_t>(eval_expr(e, [](const std::string&) { return Int(0); }));
}

}  // namespace

Result<JudgeInputs> judge_inputs(const Step& s) {
  JudgeInputs out;
  if (s.kind == Step::Kind::kJudge) out.result = constant(s.exprs[0]);
  const bool as_written = s.kind == Step::Kind::kJudge && s.verdict == Step::Verdict::kBadCall;
  const meta::CallInfo* c = as_written ? nullptr : meta::find_call(s.call);
  for (size_t i = 0; i < s.args.size(); ++i) {
    const Operand& o = s.args[i];
    const bool is_string = o.kind == Operand::Kind::kString;
    if (!c) {
      out.args.push_back(is_string ? Arg::str(o.text) : Arg::num(Int(static_cast<int64_t>(constant(o.expr)))));
      continue;
    }
    const meta::ParamInfo& p = c->params[i];
    if (is_string) {
      out.args.push_back(model_string(p, o.text));
    } else if (p.type == meta::Type::kCstr) {
      const uint64_t at = constant(o.expr);
      if (!outside_guest_memory(at)) return Error{ConformError::kModelInput, std::string(p.name) + ": " + kStringAddressRule};
      out.args.push_back(Arg::str_at(Int(at)));
    } else {
      out.args.push_back(model_number(p, constant(o.expr)));
    }
  }
  return out;
}

}  // namespace xabi::conform
