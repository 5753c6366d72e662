// Reading and checking the spec. Passes, in order:
//   1. parse the text format, remembering where every field stands
//   2. declarations: constants, errors, structs, state, capabilities, groups
//   3. calls: ids, names, groups, docs, parameters and their constraints
//   4. rules: parse, resolve and type every guard, outcome and effect
//   5. errors: every error an outcome returns is declared by its call, and
//      every error a call declares is returned by some outcome
//   6. the seccomp allow-list: names, argument indexes, values
// Each pass reports all it finds; a later pass runs even when an earlier one
// failed where it can, so one run shows as many mistakes as possible.
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <seccomp.h>

#include "abi.h"
#include "emit.h"  // struct_size, for sizeof()

namespace xabi::gen {
namespace {

using google::protobuf::Message;
using google::protobuf::TextFormat;

// ------------------------------------------------------------ locations

class Locator {
 public:
  explicit Locator(const TextFormat::ParseInfoTree* tree) : tree_(tree) {}

  Loc at(const Message& m, const char* field, int index = -1) const {
    if (!tree_) return {};
    const auto* f = m.GetDescriptor()->FindFieldByName(field);
    if (!f) return {};
    auto p = tree_->GetLocation(f, f->is_repeated() ? std::max(index, 0) : -1);
    if (p.line < 0) return {};
    return {p.line + 1, p.column + 1};
  }

  Locator nested(const Message& m, const char* field, int index) const {
    if (!tree_) return Locator(nullptr);
    const auto* f = m.GetDescriptor()->FindFieldByName(field);
    return Locator(tree_->GetTreeForNested(f, index));
  }

 private:
  const TextFormat::ParseInfoTree* tree_;
};

class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit ParseErrors(Diagnostics& d) : d_(d) {}
  void AddError(int line, google::protobuf::io::ColumnNumber col, const std::string& m) override {
    d_.error({line + 1, col + 1}, m);
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber col, const std::string& m) override {
    d_.error({line + 1, col + 1}, "warning treated as error: " + m);
  }

 private:
  Diagnostics& d_;
};

// ------------------------------------------------------------ naming

bool is_lower(const std::string& s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}
bool is_upper(const std::string& s) {
  if (s.empty() || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

const std::set<std::string>& reserved_names() {
  static const std::set<std::string> r = {"result", "caller", "true", "false", "otherwise", "cap", "round_up",
                                          "strlen", "http_method_ok", "http_url_ok", "same_origin", "min", "max",
                                          "readable", "sizeof"};
  return r;
}

// Operations a state component of each kind offers.
struct OpSig {
  int arity;
  bool effect;       // changes the state (only allowed as an effect)
  ValueType result;  // for queries
};
const std::map<std::string, OpSig>* ops_of(spec::StateComponent::Kind k) {
  static const std::map<std::string, OpSig> region = {
      {"covers", {2, false, ValueType::kBool}}, {"disjoint", {2, false, ValueType::kBool}},
      {"total", {0, false, ValueType::kInt}},   {"count", {0, false, ValueType::kInt}},
      {"insert", {2, true, ValueType::kUnknown}}, {"remove", {2, true, ValueType::kUnknown}}};
  static const std::map<std::string, OpSig> handles = {
      {"contains", {1, false, ValueType::kBool}}, {"count", {0, false, ValueType::kInt}},
      {"add", {1, true, ValueType::kUnknown}},    {"remove", {1, true, ValueType::kUnknown}}};
  static const std::map<std::string, OpSig> cell = {{"get", {0, false, ValueType::kInt}},
                                                    {"set", {1, true, ValueType::kUnknown}}};
  switch (k) {
    case spec::StateComponent::REGION_SET: return &region;
    case spec::StateComponent::HANDLE_SET: return &handles;
    case spec::StateComponent::CELL: return &cell;
    default: return nullptr;
  }
}

std::string names_of(const std::map<std::string, OpSig>& ops) {
  std::string s;
  for (const auto& [n, _] : ops) s += (s.empty() ? "" : ", ") + n;
  return s;
}

const char* type_word(ValueType t) {
  switch (t) {
    case ValueType::kInt: return "integer";
    case ValueType::kBool: return "boolean";
    case ValueType::kStr: return "string";
    default: return "unknown";
  }
}

// ------------------------------------------------------------ the checker

class Checker {
 public:
  Checker(Abi& abi, Diagnostics& d, const TextFormat::ParseInfoTree& tree) : abi_(abi), d_(d), root_(&tree) {}

  void run() {
    declarations();
    named_bounds();
    calls();
  }

  // A host profile's checks (the Checker then reads the profile's tree).
  void run_profile() {
    const spec::HostProfile& h = abi_.profile;
    const Loc first{1, 1};
    const Loc name = root_.at(h, "name").line ? root_.at(h, "name") : first;
    if (h.name().empty() || !is_lower(h.name())) d_.error(name, "the profile needs a lower_case name");
    doc(h.doc(), root_.at(h, "doc").line ? root_.at(h, "doc") : name, "the profile");
    allow_list();
  }

 private:
  // Where an expression sits: what it may mention, for messages and typing.
  struct Scope {
    const CallIR* call = nullptr;
    int rule = -1;           // guards may name rules before this one
    bool result_ok = false;  // outcome results and effects may mention `result`
    Loc loc;
    std::string what;        // "guard of rule 'x'" ...
    const std::string* text = nullptr;
  };

  void err(const Scope& s, const Expr& e, const std::string& m) {
    d_.error(s.loc, s.what + " \"" + *s.text + "\": " + m + " (at offset " + std::to_string(e.offset) + ")");
  }

  // -- pass 2: declarations

  template <typename T, typename Get>
  void unique_names(const google::protobuf::RepeatedPtrField<T>& items, const char* field, const char* what,
                    Get name, bool upper_case, bool expression_name = true) {
    std::map<std::string, Loc> seen;
    for (int i = 0; i < items.size(); ++i) {
      Locator l = root_.nested(abi_.spec, field, i);
      Loc loc = l.at(items[i], "name");
      const std::string& n = name(items[i]);
      if (upper_case ? !is_upper(n) : !is_lower(n))
        d_.error(loc, std::string(what) + " name '" + n + "' must be " + (upper_case ? "UPPER_CASE" : "lower_case"));
      if (auto it = seen.find(n); it != seen.end())
        d_.error(loc, std::string("duplicate ") + what + " name '" + n + "' (first at line " + std::to_string(it->second.line) + ")");
      else
        seen[n] = loc;
      // Names an expression can mention share one namespace.
      if (expression_name) global_name(n, loc, what);
    }
  }

  void global_name(const std::string& n, Loc loc, const std::string& what) {
    if (reserved_names().count(n)) d_.error(loc, what + " name '" + n + "' is reserved by the expression language");
    auto it = globals_.find(n);
    if (it != globals_.end() && it->second.second != what)
      d_.error(loc, what + " name '" + n + "' is already the name of a " + it->second.second + " (line " +
                        std::to_string(it->second.first.line) + ")");
    else if (it == globals_.end())
      globals_[n] = {loc, what};
  }

  void doc(const std::string& text, Loc loc, const std::string& what) {
    if (text.empty()) d_.error(loc, what + " has no doc");
    if (text.find("TODO") != std::string::npos || text.find("FIXME") != std::string::npos)
      d_.error(loc, what + " doc says TODO/FIXME: the ABI has no unfinished entries");
  }

  void declarations() {
    const spec::Spec& s = abi_.spec;
    if (s.name().empty()) d_.error({1, 1}, "spec has no name");
    if (s.version() == 0) d_.error(root_.at(s, "version"), "spec version must be > 0");
    doc(s.doc(), root_.at(s, "doc"), "the spec");

    unique_names(s.constants(), "constants", "constant", [](const auto& c) -> const std::string& { return c.name(); }, true);
    for (int i = 0; i < s.constants_size(); ++i)
      doc(s.constants(i).doc(), root_.nested(s, "constants", i).at(s.constants(i), "name"), "constant " + s.constants(i).name());

    unique_names(s.errors(), "errors", "error", [](const auto& c) -> const std::string& { return c.name(); }, true);
    std::map<int, std::string> values;
    static const std::set<std::string> catch_all = {"E_UNKNOWN", "E_OTHER", "E_GENERIC", "E_FAILED", "E_ERROR", "E_MISC"};
    for (int i = 0; i < s.errors_size(); ++i) {
      const auto& e = s.errors(i);
      Locator l = root_.nested(s, "errors", i);
      if (e.name().rfind("E_", 0) != 0) d_.error(l.at(e, "name"), "error name '" + e.name() + "' must start with E_");
      if (catch_all.count(e.name())) d_.error(l.at(e, "name"), "error '" + e.name() + "' is a catch-all: name what went wrong");
      if (e.value() >= 0) d_.error(l.at(e, "value"), "error " + e.name() + " must have a negative value");
      if (auto it = values.find(e.value()); it != values.end())
        d_.error(l.at(e, "value"), "error " + e.name() + " reuses the value " + std::to_string(e.value()) + " of " + it->second);
      else
        values[e.value()] = e.name();
      doc(e.doc(), l.at(e, "name"), "error " + e.name());
    }

    unique_names(s.host_exits(), "host_exits", "host exit", [](const auto& c) -> const std::string& { return c.name(); }, true, false);
    std::map<uint32_t, std::string> statuses;
    for (int i = 0; i < s.host_exits_size(); ++i) {
      const auto& h = s.host_exits(i);
      Locator l = root_.nested(s, "host_exits", i);
      // 0 is success and 128+N is "signal N ended it": a host status there
      // would be read as something else.
      if (h.status() == 0 || h.status() > 255 || (h.status() > 128 && h.status() < 128 + 65))
        d_.error(l.at(h, "status"), "host exit " + h.name() + ": status " + std::to_string(h.status()) +
                                        " must be 1..255 and not 128+N (a signal)");
      if (auto it = statuses.find(h.status()); it != statuses.end())
        d_.error(l.at(h, "status"), "host exit " + h.name() + " reuses the status " + std::to_string(h.status()) + " of " + it->second);
      else
        statuses[h.status()] = h.name();
      doc(h.doc(), l.at(h, "name"), "host exit " + h.name());
    }

    unique_names(s.structs(), "structs", "struct", [](const auto& c) -> const std::string& { return c.name(); }, false, false);
    for (int i = 0; i < s.structs_size(); ++i) {
      const auto& st = s.structs(i);
      Locator l = root_.nested(s, "structs", i);
      doc(st.doc(), l.at(st, "name"), "struct " + st.name());
      if (st.fields_size() == 0) d_.error(l.at(st, "name"), "struct " + st.name() + " has no fields");
      std::set<std::string> fields;
      for (int j = 0; j < st.fields_size(); ++j) {
        const auto& f = st.fields(j);
        Loc fl = l.nested(st, "fields", j).at(f, "name");
        if (!is_lower(f.name())) d_.error(fl, "field name '" + f.name() + "' must be lower_case");
        if (!fields.insert(f.name()).second) d_.error(fl, "duplicate field '" + f.name() + "' in struct " + st.name());
        if (wire_size(f.type()) == 0) d_.error(fl, "field " + f.name() + " must have a scalar type");
        doc(f.doc(), fl, "field " + st.name() + "." + f.name());
      }
    }

    unique_names(s.state(), "state", "state component", [](const auto& c) -> const std::string& { return c.name(); }, false);
    for (int i = 0; i < s.state_size(); ++i) {
      const auto& c = s.state(i);
      Locator l = root_.nested(s, "state", i);
      if (!ops_of(c.kind())) d_.error(l.at(c, "name"), "state component " + c.name() + " has no kind");
      if (c.initial() != 0 && c.kind() != spec::StateComponent::CELL)
        d_.error(l.at(c, "initial"), "initial is for CELL components only");
      if (c.initial_members_size() && c.kind() != spec::StateComponent::HANDLE_SET)
        d_.error(l.at(c, "initial_members", 0), "initial_members is for HANDLE_SET components only");
      doc(c.doc(), l.at(c, "name"), "state component " + c.name());
    }

    unique_names(s.capabilities(), "capabilities", "capability", [](const auto& c) -> const std::string& { return c.name(); }, false, false);
    for (int i = 0; i < s.capabilities_size(); ++i)
      doc(s.capabilities(i).doc(), root_.nested(s, "capabilities", i).at(s.capabilities(i), "name"),
          "capability " + s.capabilities(i).name());
    unique_names(s.groups(), "groups", "group", [](const auto& c) -> const std::string& { return c.name(); }, false, false);
    for (int i = 0; i < s.groups_size(); ++i)
      doc(s.groups(i).doc(), root_.nested(s, "groups", i).at(s.groups(i), "name"), "group " + s.groups(i).name());
  }

  // -- pass 2b: bounds that name a constant

  // A bound names the constant it stands for (max_is: "LIMIT_IO"); xabi-gen
  // fills the number in, so every emitter sees a plain value. A literal beside
  // the name must agree with the constant; a bare literal equal to a bound
  // constant must name it instead: otherwise changing the constant would leave
  // the bound behind.
  void named_bounds() {
    spec::Spec& s = abi_.spec;
    for (int i = 0; i < s.calls_size(); ++i) {
      spec::Call& c = *s.mutable_calls(i);
      const Locator cl = root_.nested(s, "calls", i);
      for (int j = 0; j < c.params_size(); ++j) {
        spec::Param& p = *c.mutable_params(j);
        const Locator pl = cl.nested(c, "params", j);
        const std::string what = "call '" + c.name() + "' parameter '" + p.name() + "'";
        auto set_max_len = [&](uint64_t v) { p.set_max_len(v); };
        auto set_align = [&](uint64_t v) { p.set_align(v); };
        bound(p.max_len_is(), p.max_len(), set_max_len, pl, p, "max_len", what);
        // Alignments up to 16 are C types' natural alignments, not limits.
        bound(p.align_is(), p.align(), set_align, pl, p, "align", what, p.align() > 16);
        if (!p.has_range()) continue;
        spec::Range& r = *p.mutable_range();
        const Locator rl = pl.nested(p, "range", -1);
        if (r.min() < 0 && !r.min_is().empty())
          d_.error(rl.at(r, "min_is"), what + ": a negative range min cannot name a constant");
        auto set_min = [&](uint64_t v) { r.set_min(static_cast<int64_t>(v)); };
        auto set_max = [&](uint64_t v) { r.set_max(v); };
        bound(r.min_is(), static_cast<uint64_t>(std::max<int64_t>(r.min(), 0)), set_min, rl, r, "min", what + " range");
        bound(r.max_is(), r.max(), set_max, rl, r, "max", what + " range");
      }
    }
  }

  template <typename Set>
  void bound(const std::string& name, uint64_t literal, Set set, const Locator& l, const Message& m, const char* field,
             const std::string& what, bool may_restate = true) {
    const std::string named_field = std::string(field) + "_is";
    if (!name.empty()) {
      const spec::Constant* k = abi_.constant(name);
      if (!k) {
        d_.error(l.at(m, named_field.c_str()), what + " " + named_field + " names '" + name + "', which is not a constant");
        return;
      }
      if (k->flag()) d_.error(l.at(m, named_field.c_str()), what + " " + named_field + " names the flag " + name + ", not a bound");
      if (literal != 0 && literal != k->value())
        d_.error(l.at(m, field), what + " " + field + " " + std::to_string(literal) + " disagrees with " + name + " (" +
                                     std::to_string(k->value()) + ")");
      set(k->value());
      return;
    }
    if (literal < 2 || !may_restate) return;  // 0 and 1 are not restatements of anything
    for (const auto& k : abi_.spec.constants())
      if (!k.flag() && k.value() == literal) {
        d_.error(l.at(m, field), what + " " + field + " " + std::to_string(literal) + " restates " + k.name() + ": write " +
                                     named_field + ": \"" + k.name() + "\"");
        return;
      }
  }

  // -- pass 3: calls and parameters

  void calls() {
    const spec::Spec& s = abi_.spec;
    std::map<uint32_t, Loc> ids;
    std::map<std::string, Loc> names;
    abi_.calls.resize(s.calls_size());
    for (int i = 0; i < s.calls_size(); ++i) {
      const spec::Call& c = s.calls(i);
      Locator l = root_.nested(s, "calls", i);
      CallIR& ir = abi_.calls[i];
      ir.proto = &c;
      ir.loc = l.at(c, "name");
      abi_.call_locs.push_back(root_.at(s, "calls", i));
      const std::string who = "call '" + c.name() + "'";

      Loc idloc = l.at(c, "id");
      if (c.id() == 0) d_.error(idloc, who + " needs an id > 0");
      if (c.id() > 1023) d_.error(idloc, who + " id " + std::to_string(c.id()) + " is over 1023 (the dispatch table is indexed by id)");
      if (auto it = ids.find(c.id()); it != ids.end() && c.id() != 0)
        d_.error(idloc, "duplicate call id " + std::to_string(c.id()) + ": " + who + " here and line " +
                            std::to_string(it->second.line) + " (" + d_.format(it->second, "first use") + ")");
      else
        ids[c.id()] = idloc;
      if (!is_lower(c.name())) d_.error(ir.loc, "call name '" + c.name() + "' must be lower_case");
      if (auto it = names.find(c.name()); it != names.end())
        d_.error(ir.loc, "duplicate call name '" + c.name() + "' (first at line " + std::to_string(it->second.line) + ")");
      else
        names[c.name()] = ir.loc;

      bool group_ok = false;
      for (const auto& g : s.groups()) group_ok |= g.name() == c.group();
      if (!group_ok) d_.error(l.at(c, "group"), who + " names group '" + c.group() + "', which is not declared");
      doc(c.doc(), ir.loc, who);
      if (c.rationale().empty()) d_.error(ir.loc, who + " has no rationale");
      doc(c.rationale().empty() ? std::string("x") : c.rationale(), ir.loc, who + " rationale");
      if (c.side() == spec::Call::SIDE_UNSPECIFIED) d_.error(ir.loc, who + " must say which side serves it (PAL or HOST)");
      if (c.result() == spec::TYPE_UNSPECIFIED || c.result() == spec::CSTR)
        d_.error(l.at(c, "result"), who + " has no valid result type");
      if (!c.blocks() && (c.on_begin_size() || c.on_end_size()))
        d_.error(ir.loc, who + " has on_begin/on_end effects but does not block");

      params(c, l, who);
      rules(ir, l, who);
      errors(ir, l, who);
    }
  }

  void params(const spec::Call& c, const Locator& l, const std::string& who) {
    std::set<std::string> seen;
    for (int j = 0; j < c.params_size(); ++j) {
      const spec::Param& p = c.params(j);
      Locator pl = l.nested(c, "params", j);
      Loc loc = pl.at(p, "name");
      std::string what = who + " parameter '" + p.name() + "'";
      if (!is_lower(p.name())) d_.error(loc, "parameter name '" + p.name() + "' must be lower_case");
      if (!seen.insert(p.name()).second) d_.error(loc, "duplicate parameter '" + p.name() + "' in " + who);
      if (reserved_names().count(p.name())) d_.error(loc, what + ": the name is reserved by the expression language");
      if (auto it = globals_.find(p.name()); it != globals_.end())
        d_.error(loc, what + " has the name of a " + it->second.second + " (line " + std::to_string(it->second.first.line) + ")");
      doc(p.doc(), loc, what);
      switch (p.type()) {
        case spec::TYPE_UNSPECIFIED: d_.error(loc, what + " has no type"); break;
        case spec::VOID:
        case spec::NORETURN: d_.error(pl.at(p, "type"), what + ": VOID and NORETURN are result types only"); break;
        default: break;
      }
      bool ptr = p.type() == spec::PTR, cstr = p.type() == spec::CSTR;
      if (p.dir() != spec::DIRECTION_UNSPECIFIED && !ptr && !cstr)
        d_.error(pl.at(p, "dir"), what + ": only pointers and strings have a direction");
      if (!p.len().empty() || !p.elem().empty() || !p.count().empty()) {
        if (!ptr) d_.error(loc, what + ": only pointers can be buffers or arrays");
        if (!p.len().empty() && (!p.elem().empty() || !p.count().empty()))
          d_.error(loc, what + ": a pointer is a byte buffer (len) or an array (elem, count), not both");
        if (p.dir() == spec::DIRECTION_UNSPECIFIED) d_.error(loc, what + ": a buffer needs a direction (IN, OUT, IN_OUT)");
      } else if (ptr && p.dir() != spec::DIRECTION_UNSPECIFIED) {
        d_.error(pl.at(p, "dir"), what + ": a direction on a pointer that names no length or count");
      }
      auto int_param = [&](const std::string& name, const char* field) -> const spec::Param* {
        for (const auto& q : c.params())
          if (q.name() == name) {
            if (q.type() != spec::U32 && q.type() != spec::U64)
              d_.error(pl.at(p, field), what + " takes its " + field + " from '" + name + "', which is not an unsigned integer");
            return &q;
          }
        d_.error(pl.at(p, field), what + " names " + field + " parameter '" + name + "', which does not exist: a length must name a parameter of this call");
        return nullptr;
      };
      if (!p.len().empty()) {
        int_param(p.len(), "len");
        if (p.max_len() == 0) d_.error(loc, what + ": a buffer needs max_len (the wire bounds it)");
      }
      if (!p.elem().empty() || !p.count().empty()) {
        if (p.elem().empty() || !abi_.find_struct(p.elem()))
          d_.error(pl.at(p, "elem"), what + " is an array of unknown struct '" + p.elem() + "'");
        if (p.count().empty()) d_.error(loc, what + ": an array needs a count parameter");
        else if (const spec::Param* q = int_param(p.count(), "count"); q && !q->has_range())
          d_.error(pl.at(p, "count"), what + ": its count parameter '" + q->name() + "' needs a range (the wire bounds it)");
      }
      if (cstr) {
        if (p.max_len() == 0) d_.error(loc, what + ": a string needs max_len");
        if (p.dir() != spec::IN) d_.error(loc, what + ": strings are inputs (dir: IN)");
      }
      if (p.max_len() && !cstr && p.len().empty()) d_.error(pl.at(p, "max_len"), what + ": max_len is for strings and buffers");
      if (p.has_range()) {
        if (wire_size(p.type()) == 0 || p.type() == spec::PTR) d_.error(pl.at(p, "range"), what + ": a range is for integers");
        if (p.range().min() > 0 && static_cast<uint64_t>(p.range().min()) > p.range().max())
          d_.error(pl.at(p, "range"), what + ": range min is above max");
      }
      if (p.align() && (!ptr || (p.align() & (p.align() - 1))))
        d_.error(pl.at(p, "align"), what + ": align is for pointers and must be a power of two");
      // The EFAULT discipline: memory the call reads or writes may not be
      // guest memory, and the call must be able to say so.
      if (p.dir() != spec::DIRECTION_UNSPECIFIED &&
          std::find(c.errors().begin(), c.errors().end(), "E_FAULT") == c.errors().end())
        d_.error(loc, what + " is memory the call reads or writes, so " + who + " must list E_FAULT among its errors");
    }
  }

  // -- pass 4: rules

  void rules(CallIR& ir, const Locator& l, const std::string& who) {
    const spec::Call& c = *ir.proto;
    for (int k = 0; k < c.on_begin_size(); ++k)
      ir.on_begin.push_back(effect(c.on_begin(k), {&ir, -1, false, l.at(c, "on_begin", k), who + " on_begin", nullptr}));
    for (int k = 0; k < c.on_end_size(); ++k)
      ir.on_end.push_back(effect(c.on_end(k), {&ir, -1, false, l.at(c, "on_end", k), who + " on_end", nullptr}));
    if (c.rules_size() == 0) d_.error(ir.loc, who + " has no rules: say what happens for every input");
    if (c.rules_size() > 32) d_.error(ir.loc, who + " has more than 32 rules");
    std::map<std::string, int> names;
    ir.rules.resize(c.rules_size());
    for (int r = 0; r < c.rules_size(); ++r) {
      const spec::Rule& rule = c.rules(r);
      Locator rl = l.nested(c, "rules", r);
      RuleIR& rr = ir.rules[r];
      rr.proto = &rule;
      rr.loc = rl.at(rule, "name");
      std::string rwho = who + " rule '" + rule.name() + "'";
      if (!is_lower(rule.name())) d_.error(rr.loc, "rule name '" + rule.name() + "' must be lower_case");
      if (names.count(rule.name())) d_.error(rr.loc, "duplicate rule '" + rule.name() + "' in " + who);
      names[rule.name()] = r;
      if (rule.guard() == "otherwise") {
        rr.otherwise = true;
        if (r != c.rules_size() - 1) d_.error(rl.at(rule, "guard"), rwho + ": 'otherwise' must be the last rule");
      } else {
        Scope s{&ir, r, false, rl.at(rule, "guard"), rwho + " guard", &rule.guard()};
        rr.guard = expression(rule.guard(), s, ValueType::kBool);
      }
      if (rule.outcomes_size() == 0) d_.error(rr.loc, rwho + " has no outcomes");
      if (rule.outcomes_size() > 8) d_.error(rr.loc, rwho + " has more than 8 outcomes");
      std::set<std::string> onames;
      rr.outcomes.resize(rule.outcomes_size());
      for (int o = 0; o < rule.outcomes_size(); ++o) {
        const spec::Outcome& out = rule.outcomes(o);
        Locator ol = rl.nested(rule, "outcomes", o);
        OutcomeIR& oi = rr.outcomes[o];
        oi.proto = &out;
        oi.loc = ol.at(out, "name");
        std::string owho = rwho + " outcome '" + out.name() + "'";
        if (!is_lower(out.name())) d_.error(oi.loc, "outcome name '" + out.name() + "' must be lower_case");
        if (!onames.insert(out.name()).second) d_.error(oi.loc, "duplicate outcome '" + out.name() + "' in " + rwho);
        Scope s{&ir, -1, true, ol.at(out, "result"), owho + " result", &out.result()};
        if (out.result().empty()) d_.error(oi.loc, owho + " has no result constraint");
        else oi.result = expression(out.result(), s, ValueType::kBool);
        if (oi.result) errors_in(*oi.result, oi.errors);
        for (int k = 0; k < out.effects_size(); ++k)
          oi.effects.push_back(effect(out.effects(k), {&ir, -1, true, ol.at(out, "effects", k), owho + " effect", nullptr}));
      }
    }
  }

  ExprPtr expression(const std::string& text, const Scope& s, ValueType want) {
    ParseError pe{0, ""};
    ExprPtr e = parse_expr(text, &pe);
    if (!e) {
      d_.error(s.loc, s.what + " \"" + text + "\": " + pe.message + " (at offset " + std::to_string(pe.offset) + ")");
      return nullptr;
    }
    Scope scope = s;
    scope.text = &text;
    if (!type(*e, scope)) return nullptr;
    if (e->type != want) {
      err(scope, *e, std::string("must be ") + type_word(want) + ", is " + type_word(e->type));
      return nullptr;
    }
    return e;
  }

  ExprPtr effect(const std::string& text, Scope s) {
    ParseError pe{0, ""};
    ExprPtr e = parse_expr(text, &pe);
    if (!e) {
      d_.error(s.loc, s.what + " \"" + text + "\": " + pe.message + " (at offset " + std::to_string(pe.offset) + ")");
      return nullptr;
    }
    s.text = &text;
    if (e->kind != Expr::Kind::kMethod) {
      err(s, *e, "an effect must be a state operation such as mem.insert(a, b)");
      return nullptr;
    }
    in_effect_ = true;
    bool ok = type(*e, s);
    in_effect_ = false;
    return ok ? std::move(e) : nullptr;
  }

  static void errors_in(const Expr& e, std::vector<std::string>& out) {
    if (e.kind == Expr::Kind::kName && e.name_kind == Expr::NameKind::kError &&
        std::find(out.begin(), out.end(), e.name) == out.end())
      out.push_back(e.name);
    for (const auto& a : e.args) errors_in(*a, out);
  }

  bool is_const(const Expr& e) const {
    switch (e.kind) {
      case Expr::Kind::kInt: return true;
      case Expr::Kind::kName: return e.name_kind == Expr::NameKind::kConstant || e.name_kind == Expr::NameKind::kError;
      case Expr::Kind::kUnary: return e.op == "-" && is_const(*e.args[0]);
      case Expr::Kind::kBinary:
        return (e.op == "+" || e.op == "-" || e.op == "*") && is_const(*e.args[0]) && is_const(*e.args[1]);
      default: return false;
    }
  }
  __int128 const_value(const Expr& e) const {
    switch (e.kind) {
      case Expr::Kind::kInt: return e.value;
      case Expr::Kind::kName:
        return e.name_kind == Expr::NameKind::kConstant ? static_cast<__int128>(abi_.constant(e.name)->value())
                                                         : static_cast<__int128>(abi_.error(e.name)->value());
      case Expr::Kind::kUnary: return -const_value(*e.args[0]);
      case Expr::Kind::kBinary: {
        __int128 a = const_value(*e.args[0]), b = const_value(*e.args[1]);
        return e.op == "+" ? a + b : e.op == "-" ? a - b : a * b;
      }
      default: return 0;
    }
  }

  // Resolves names and computes types, bottom-up. Reports and returns false on
  // the first problem in this expression.
  bool type(Expr& e, const Scope& s) {
    for (auto& a : e.args)
      if (e.kind != Expr::Kind::kCall || (e.name != "cap" && e.name != "sizeof"))
        if (!type(*a, s)) return false;
    switch (e.kind) {
      case Expr::Kind::kInt: e.type = ValueType::kInt; return true;
      case Expr::Kind::kBool: e.type = ValueType::kBool; return true;
      case Expr::Kind::kName: return name(e, s);
      case Expr::Kind::kUnary: {
        ValueType want = e.op == "!" ? ValueType::kBool : ValueType::kInt;
        if (e.args[0]->type != want) {
          err(s, e, "'" + e.op + "' needs a " + type_word(want) + " operand");
          return false;
        }
        e.type = want;
        return true;
      }
      case Expr::Kind::kBinary: return binary(e, s);
      case Expr::Kind::kCall: return builtin(e, s);
      case Expr::Kind::kMethod: return method(e, s);
    }
    return false;
  }

  bool name(Expr& e, const Scope& s) {
    const spec::Call& c = *s.call->proto;
    if (e.name == "result") {
      if (!s.result_ok) {
        err(s, e, "'result' is not known in a guard (guards are over the inputs and the state)");
        return false;
      }
      e.name_kind = Expr::NameKind::kResult;
      e.type = ValueType::kInt;
      return true;
    }
    if (e.name == "caller") {
      e.name_kind = Expr::NameKind::kCaller;
      e.type = ValueType::kInt;
      return true;
    }
    if (int i = s.call->param_index(e.name); i >= 0) {
      e.name_kind = Expr::NameKind::kParam;
      e.index = i;
      e.type = c.params(i).type() == spec::CSTR ? ValueType::kStr : ValueType::kInt;
      return true;
    }
    if (abi_.constant(e.name)) {
      e.name_kind = Expr::NameKind::kConstant;
      e.type = ValueType::kInt;
      return true;
    }
    if (abi_.error(e.name)) {
      e.name_kind = Expr::NameKind::kError;
      e.type = ValueType::kInt;
      return true;
    }
    for (int r = 0; r < c.rules_size(); ++r) {
      if (c.rules(r).name() != e.name) continue;
      if (r >= s.rule) {
        err(s, e, "rule '" + e.name + "' can be named only by the guards of later rules");
        return false;
      }
      if (c.rules(r).guard() == "otherwise") {
        err(s, e, "rule '" + e.name + "' has no guard of its own to name");
        return false;
      }
      e.name_kind = Expr::NameKind::kRuleGuard;
      e.index = r;
      e.type = ValueType::kBool;
      return true;
    }
    if (abi_.component(e.name)) {
      err(s, e, "state component '" + e.name + "' is used without an operation");
      return false;
    }
    err(s, e, "unknown name '" + e.name + "' (not a parameter of " + c.name() + ", a constant, an error or an earlier rule)");
    return false;
  }

  bool binary(Expr& e, const Scope& s) {
    ValueType l = e.args[0]->type, r = e.args[1]->type;
    const std::string& op = e.op;
    if (op == "&&" || op == "||") {
      if (l != ValueType::kBool || r != ValueType::kBool) {
        err(s, e, "'" + op + "' needs boolean operands");
        return false;
      }
      e.type = ValueType::kBool;
      return true;
    }
    if (op == "==" || op == "!=") {
      if (l != r || l == ValueType::kStr) {
        err(s, e, "'" + op + "' compares two integers or two booleans, not " + type_word(l) + " and " + type_word(r));
        return false;
      }
      e.type = ValueType::kBool;
      return true;
    }
    if (l != ValueType::kInt || r != ValueType::kInt) {
      err(s, e, "'" + op + "' needs integer operands, not " + type_word(l) + " and " + type_word(r));
      return false;
    }
    if (op == "*" && !is_const(*e.args[0]) && !is_const(*e.args[1])) {
      err(s, e, "'*' needs a constant operand (rules stay linear, so Z3 decides them)");
      return false;
    }
    if ((op == "/" || op == "%") && (!is_const(*e.args[1]) || const_value(*e.args[1]) <= 0)) {
      err(s, e, "the divisor of '" + op + "' must be a positive constant");
      return false;
    }
    e.type = (op == "<" || op == "<=" || op == ">" || op == ">=") ? ValueType::kBool : ValueType::kInt;
    return true;
  }

  bool builtin(Expr& e, const Scope& s) {
    auto arity = [&](size_t n) {
      if (e.args.size() == n) return true;
      err(s, e, e.name + "() takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s"));
      return false;
    };
    auto arg_is = [&](size_t i, ValueType t) {
      if (e.args[i]->type == t) return true;
      err(s, e, e.name + "() argument " + std::to_string(i + 1) + " must be " + type_word(t));
      return false;
    };
    if (e.name == "cap") {
      if (!arity(1)) return false;
      const Expr& a = *e.args[0];
      bool found = false;
      for (const auto& c : abi_.spec.capabilities()) found |= a.kind == Expr::Kind::kName && c.name() == a.name;
      if (!found) {
        err(s, e, "cap() names an undeclared capability '" + (a.kind == Expr::Kind::kName ? a.name : to_string(a)) + "'");
        return false;
      }
      e.args[0]->name_kind = Expr::NameKind::kCapability;
      e.type = ValueType::kBool;
      return true;
    }
    if (e.name == "sizeof") {
      // sizeof(STRUCT): the struct's size in bytes, folded to a literal here
      // so every emitter sees a plain integer.
      if (!arity(1)) return false;
      const Expr& a = *e.args[0];
      const spec::Struct* st = a.kind == Expr::Kind::kName ? abi_.find_struct(a.name) : nullptr;
      if (!st) {
        err(s, e, "sizeof() names an undeclared struct '" + (a.kind == Expr::Kind::kName ? a.name : to_string(a)) + "'");
        return false;
      }
      e.kind = Expr::Kind::kInt;
      e.value = static_cast<__int128>(struct_size(*st));
      e.args.clear();
      e.type = ValueType::kInt;
      return true;
    }
    if (e.name == "round_up") {
      if (!arity(2) || !arg_is(0, ValueType::kInt) || !arg_is(1, ValueType::kInt)) return false;
      __int128 v = is_const(*e.args[1]) ? const_value(*e.args[1]) : 0;
      if (v <= 0 || (v & (v - 1))) {
        err(s, e, "round_up() needs a constant power of two as its second argument");
        return false;
      }
      e.type = ValueType::kInt;
      return true;
    }
    if (e.name == "min" || e.name == "max") {
      if (!arity(2) || !arg_is(0, ValueType::kInt) || !arg_is(1, ValueType::kInt)) return false;
      e.type = ValueType::kInt;
      return true;
    }
    if (e.name == "strlen" || e.name == "http_method_ok" || e.name == "http_url_ok" || e.name == "same_origin" ||
        e.name == "readable") {
      if (!arity(1) || !arg_is(0, ValueType::kStr)) return false;
      e.type = e.name == "strlen" ? ValueType::kInt : ValueType::kBool;
      return true;
    }
    err(s, e, "unknown function '" + e.name + "'");
    return false;
  }

  bool method(Expr& e, const Scope& s) {
    const spec::StateComponent* c = abi_.component(e.name);
    if (!c) {
      err(s, e, "unknown state component '" + e.name + "'");
      return false;
    }
    const auto* ops = ops_of(c->kind());
    if (!ops) return false;  // reported with the declaration
    auto it = ops->find(e.method);
    if (it == ops->end()) {
      err(s, e, "state component '" + e.name + "' has no operation '" + e.method + "' (it has: " + names_of(*ops) + ")");
      return false;
    }
    if (static_cast<int>(e.args.size()) != it->second.arity) {
      err(s, e, e.name + "." + e.method + "() takes " + std::to_string(it->second.arity) + " arguments");
      return false;
    }
    for (const auto& a : e.args)
      if (a->type != ValueType::kInt) {
        err(s, e, e.name + "." + e.method + "() takes integer arguments");
        return false;
      }
    if (it->second.effect != in_effect_) {
      err(s, e, it->second.effect ? e.name + "." + e.method + "() changes the state: it belongs in effects"
                                  : e.name + "." + e.method + "() only reads the state: an effect must change it");
      return false;
    }
    e.type = it->second.effect ? ValueType::kUnknown : it->second.result;
    return true;
  }

  // -- pass 6: the seccomp allow-list

  // An integer literal (decimal or 0x hex) or a launch parameter.
  bool allow_value(const std::string& v) {
    if (v.empty()) return false;
    for (const auto& p : abi_.profile.launch_params())
      if (p.name() == v) return true;
    size_t used = 0;
    try {
      std::stoull(v, &used, 0);
    } catch (...) {
      return false;
    }
    return used == v.size();
  }

  void allow_list() {
    const spec::HostProfile& s = abi_.profile;
    std::set<std::string> params;
    std::map<std::string, uint64_t> value_names;
    for (int i = 0; i < s.launch_params_size(); ++i) {
      const auto& p = s.launch_params(i);
      Loc loc = root_.nested(s, "launch_params", i).at(p, "name");
      if (!is_lower(p.name())) d_.error(loc, "launch parameter name '" + p.name() + "' must be lower_case");
      if (!params.insert(p.name()).second) d_.error(loc, "duplicate launch parameter '" + p.name() + "'");
      doc(p.doc(), loc, "launch parameter " + p.name());
    }
    rules(s, "syscalls", s.syscalls(), params, value_names);
    rules(s, "trap_syscalls", s.trap_syscalls(), params, value_names);
  }

  // One list of allow-list entries (the PAL's, or the --linux trap's).
  template <class Rules>
  void rules(const spec::HostProfile& s, const char* field, const Rules& list, const std::set<std::string>& params,
             std::map<std::string, uint64_t>& value_names) {
    for (int i = 0; i < list.size(); ++i) {
      const auto& sc = list.Get(i);
      Locator l = root_.nested(s, field, i);
      Loc loc = l.at(sc, "name");
      const std::string who = "allowed system call '" + sc.name() + "'";
      if (sc.name().empty() || !is_lower(sc.name())) d_.error(loc, "allowed system call needs a lower_case name");
      doc(sc.doc(), loc, who);
      std::set<uint32_t> args;
      for (int j = 0; j < sc.args_size(); ++j) {
        const auto& a = sc.args(j);
        Locator al = l.nested(sc, "args", j);
        Loc aloc = al.at(a, "arg");
        if (a.arg() > 5) d_.error(aloc, who + ": argument index " + std::to_string(a.arg()) + " is over 5");
        if (!args.insert(a.arg()).second) d_.error(aloc, who + ": argument " + std::to_string(a.arg()) + " is checked twice in one entry");
        if (a.op() == spec::ArgCheck::OP_UNSPECIFIED) d_.error(aloc, who + ": a check needs an op (EQ, MASKED_EQ)");
        if (!allow_value(a.value()))
          d_.error(al.at(a, "value"), who + ": value '" + a.value() + "' is neither an integer nor a launch parameter");
        if (a.op() == spec::ArgCheck::MASKED_EQ && !allow_value(a.mask()))
          d_.error(aloc, who + ": MASKED_EQ needs a mask that is an integer or a launch parameter");
        if (a.op() != spec::ArgCheck::MASKED_EQ && !a.mask().empty()) d_.error(al.at(a, "mask"), who + ": a mask is for MASKED_EQ only");
        if (!a.value_name().empty()) {
          const Loc nloc = al.at(a, "value_name");
          if (!is_upper(a.value_name())) d_.error(nloc, who + ": value_name '" + a.value_name() + "' must be UPPER_CASE");
          if (params.count(a.value())) d_.error(nloc, who + ": value_name names a literal, and '" + a.value() + "' is a launch parameter");
          else if (allow_value(a.value())) {
            const uint64_t v = std::stoull(a.value(), nullptr, 0);
            auto [it, fresh] = value_names.emplace(a.value_name(), v);
            if (!fresh && it->second != v)
              d_.error(nloc, who + ": value_name " + a.value_name() + " is " + std::to_string(it->second) + " elsewhere, " + a.value() + " here");
          }
        }
      }
      if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, sc.name().c_str()) < 0)
        d_.error(loc, who + " is not an x86-64 system call libseccomp knows");
    }
  }

  // -- pass 5: errors

  void errors(CallIR& ir, const Locator& l, const std::string& who) {
    const spec::Call& c = *ir.proto;
    std::set<std::string> declared, returned;
    for (int k = 0; k < c.errors_size(); ++k) {
      Loc loc = l.at(c, "errors", k);
      if (!abi_.error(c.errors(k))) d_.error(loc, who + " lists error '" + c.errors(k) + "', which is not declared");
      if (!declared.insert(c.errors(k)).second) d_.error(loc, who + " lists error '" + c.errors(k) + "' twice");
    }
    for (const auto& r : ir.rules)
      for (const auto& o : r.outcomes)
        for (const auto& e : o.errors) {
          returned.insert(e);
          if (!declared.count(e))
            d_.error(o.loc, who + " outcome '" + o.proto->name() + "' may return " + e + ", which the call does not list in errors");
        }
    for (const auto& e : declared)
      if (abi_.error(e) && !returned.count(e)) d_.error(ir.loc, who + " lists error " + e + " but no outcome returns it");
  }

  Abi& abi_;
  Diagnostics& d_;
  Locator root_;
  std::map<std::string, std::pair<Loc, std::string>> globals_;
  bool in_effect_ = false;
};

}  // namespace

int CallIR::param_index(const std::string& name) const {
  for (int i = 0; i < proto->params_size(); ++i)
    if (proto->params(i).name() == name) return i;
  return -1;
}

const spec::StateComponent* Abi::component(const std::string& name) const {
  for (const auto& c : spec.state())
    if (c.name() == name) return &c;
  return nullptr;
}
const spec::Constant* Abi::constant(const std::string& name) const {
  for (const auto& c : spec.constants())
    if (c.name() == name) return &c;
  return nullptr;
}
const spec::ErrorCode* Abi::error(const std::string& name) const {
  for (const auto& c : spec.errors())
    if (c.name() == name) return &c;
  return nullptr;
}
const spec::Struct* Abi::find_struct(const std::string& name) const {
  for (const auto& c : spec.structs())
    if (c.name() == name) return &c;
  return nullptr;
}
std::vector<const CallIR*> Abi::by_id() const {
  std::vector<const CallIR*> v;
  for (const auto& c : calls) v.push_back(&c);
  std::stable_sort(v.begin(), v.end(), [](const CallIR* a, const CallIR* b) { return a->proto->id() < b->proto->id(); });
  return v;
}

namespace {

// Reads `path` into `text` and parses it as `msg`, with locations in `tree`;
// false (with diagnostics) when it cannot.
bool parse_file(const std::string& path, std::string& text, Message& msg, TextFormat::ParseInfoTree& tree,
                Diagnostics& diags, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error({}, std::string("cannot read the ") + what + " file");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  TextFormat::Parser parser;
  ParseErrors collector(diags);
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &msg)) {
    if (diags.ok()) diags.error({}, std::string("the ") + what + " does not parse");
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<Abi> load_abi(const std::string& path, Diagnostics& diags) {
  auto abi = std::make_unique<Abi>();
  abi->spec_path = path;
  TextFormat::ParseInfoTree tree;
  if (parse_file(path, abi->spec_text, abi->spec, tree, diags, "spec")) Checker(*abi, diags, tree).run();
  return abi;
}

void load_profile(Abi& abi, const std::string& path, Diagnostics& diags) {
  abi.profile_path = path;
  std::string text;
  TextFormat::ParseInfoTree tree;
  if (parse_file(path, text, abi.profile, tree, diags, "profile")) Checker(abi, diags, tree).run_profile();
}

// ------------------------------------------------------------ helpers

const char* c_type(spec::Type t) {
  switch (t) {
    case spec::VOID:
    case spec::NORETURN: return "void";
    case spec::U32: return "uint32_t";
    case spec::I32: return "int32_t";
    case spec::U64: return "uint64_t";
    case spec::I64: return "int64_t";
    case spec::PTR: return "void *";
    case spec::CSTR: return "const char *";
    case spec::CHANNEL: return "xabi_channel_t";
    default: return "?";
  }
}

int wire_size(spec::Type t) {
  switch (t) {
    case spec::U32:
    case spec::I32:
    case spec::CHANNEL: return 4;
    case spec::U64:
    case spec::I64:
    case spec::PTR: return 8;
    default: return 0;
  }
}

bool is_buffer(const spec::Param& p) { return p.type() == spec::PTR && (!p.len().empty() || !p.count().empty()); }

std::string upper(const std::string& s) {
  std::string u = s;
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::string type_name(spec::Type t) { return spec::Type_Name(t); }

}  // namespace xabi::gen
