// Judging an observed result: first the reference model (does the spec allow
// it?), then the case's own clauses (is it the result this case wants?).
#include "interp.h"

#include <cstring>

#include "step_text.h"

namespace xabi::conform::detail {

// Feeds the model; a refusal fails the case with the rule and its line.
CaseStatus Interp::model_check(const std::string& call, const Args& a, uint64_t raw, int64_t caller, const std::string& action,
                               const std::string& shown_result, int worker) {
  ref::Verdict v = p.model->check(call, a, raw, static_cast<Int>(caller));
  if (v.ok()) {
    env.reached.insert(call + "." + v.rule + "." + v.outcome);
    env.note(worker, action, shown_result, "ok: " + v.rule + "." + v.outcome);
    return {};
  }
  env.note(worker, action, shown_result, "refused: " + v.message);
  int line = 0;
  if (const meta::CallInfo* ci = meta::find_call(call))
    for (const auto& r : ci->rules)
      if (r.name == v.rule) line = r.line;
  const char* kind = v.kind == ref::Verdict::Kind::kViolation ? "the spec does not allow this result"
                     : v.kind == ref::Verdict::Kind::kBadCall ? "the model could not check this call"
                                                              : "the spec's rules are broken for this input";
  return CaseFail{std::string(kind) + ": " + action + " -> " + shown_result, "a result rule " + call + "." + v.rule + " allows",
                  v.message, call + "." + v.rule, line};
}

CaseStatus Interp::check_clauses(const Step& s, const meta::CallInfo* c, int64_t result, const CallReply* reply,
                                 const std::vector<int>* blob_of, const std::string& action) {
  if (s.check.cmp != Cmp::kNone) {
    XABI_CASE_LET(want, eval(s.check.rhs));
    Int got = result;
    bool ok = false;
    switch (s.check.cmp) {
      case Cmp::kEq: ok = got == want; break;
      case Cmp::kNe: ok = got != want; break;
      case Cmp::kGt: ok = got > want; break;
      case Cmp::kGe: ok = got >= want; break;
      case Cmp::kLt: ok = got < want; break;
      case Cmp::kLe: ok = got <= want; break;
      case Cmp::kNone: ok = true; break;
    }
    if (!ok) {
      static const char* ops[] = {"", "==", "!=", ">", ">=", "<", "<="};
      return CaseFail{"unexpected result of " + action, std::string("result ") + ops[static_cast<int>(s.check.cmp)] + " " + s.check.rhs.text +
                                                            " (" + ref::to_string(want) + ")",
                      c ? show_result(*c, result) : std::to_string(result), ""};
    }
  }
  if (s.check.data && reply && blob_of && c) {
    const std::string* got = nullptr;
    for (size_t i = 0; i < c->params.size(); ++i)
      if ((*blob_of)[i] >= 0 && (c->params[i].dir == meta::Dir::kOut || c->params[i].dir == meta::Dir::kInOut)) {
        got = &reply->blobs[static_cast<size_t>((*blob_of)[i])].second;
        break;
      }
    std::string seen = got && result > 0 ? got->substr(0, static_cast<size_t>(result)) : "";
    if (seen != *s.check.data)
      return CaseFail{"the bytes " + action + " delivered differ", "\"" + printable(*s.check.data) + "\"", "\"" + printable(seen) + "\"", ""};
  }
  for (const auto& b : s.check.bits) {
    if (!reply || !blob_of || !c) break;
    for (size_t i = 0; i < c->params.size(); ++i) {
      if ((*blob_of)[i] < 0 || c->params[i].count_param < 0) continue;
      const meta::StructInfo* si = meta::find_struct(c->params[i].elem);
      const std::string& bytes = reply->blobs[static_cast<size_t>((*blob_of)[i])].second;
      for (const auto& f : si->fields) {
        if (f.name != b.field) continue;
        size_t off = static_cast<size_t>(b.elem) * si->size + f.offset;
        uint64_t v = 0;
        if (off + f.size <= bytes.size()) memcpy(&v, bytes.data() + off, f.size);
        XABI_CASE_LET(mask, u(b.mask));
        bool set = (v & mask) != 0;
        if (set != b.set)
          return CaseFail{"entry " + std::to_string(b.elem) + "." + b.field + " after " + action,
                          std::string(b.set ? "bits " : "no bits ") + b.mask.text + " set", "value " + hex(v), ""};
      }
    }
  }
  return {};
}

}  // namespace xabi::conform::detail
