// docs/abi.md: the human reference, one section per call with its rules.
#include <sstream>

#include "emit.h"

namespace xabi::gen {
namespace {

std::string md_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|') o += "\\|";
    else o += c;
  }
  return o;
}

std::string type_text(const Abi& abi, const spec::Param& p) {
  std::string t = type_name(p.type());
  if (!p.len().empty()) t += " (" + std::string(spec::Direction_Name(p.dir())) + " buffer of `" + p.len() + "` bytes)";
  if (!p.elem().empty())
    t += " (" + std::string(spec::Direction_Name(p.dir())) + " array of `" + p.count() + "` `struct xabi_" +
         abi.find_struct(p.elem())->name() + "`)";
  return t;
}

// A bound as the reader should see it: the constant it stands for, with its value.
std::string bound(const std::string& constant, uint64_t value) {
  return constant.empty() ? std::to_string(value) : "`" + constant + "` (" + std::to_string(value) + ")";
}

std::string constraints(const spec::Param& p) {
  std::string s;
  auto add = [&](const std::string& x) { s += (s.empty() ? "" : "; ") + x; };
  if (p.has_range()) {
    const std::string min = p.range().min_is().empty() ? std::to_string(p.range().min())
                                                       : bound(p.range().min_is(), static_cast<uint64_t>(p.range().min()));
    add(min + " ≤ value ≤ " + bound(p.range().max_is(), p.range().max()));
  }
  if (p.max_len()) add("at most " + bound(p.max_len_is(), p.max_len()) + (p.type() == spec::CSTR ? " bytes before the NUL" : " bytes"));
  if (p.align()) add("aligned to " + bound(p.align_is(), p.align()));
  return s.empty() ? "—" : s;
}

}  // namespace

std::string emit_docs(const Abi& abi) {
  const spec::Spec& s = abi.spec;
  std::ostringstream o;
  o << banner(abi, "<!-- ", " Edit the spec, then run `make gen-docs`. -->");
  o << "\n# The xabi ABI, version " << s.version() << "\n\n" << s.doc() << "\n\n";
  o << "The guest C API is `xabi/xabi.h` (generated); each call below is `xabi_<name>`.\n\n";
  o << "## How to read the rules\n\n"
       "Each call has rules `guard → outcomes`. Exactly one guard holds for any input (`otherwise` means none of the others). "
       "The host's answer must satisfy one of that rule's outcomes; the first such outcome is taken and its effects change the "
       "abstract state. Where the host chooses (an address, an id) the outcome states the constraint, not the value. "
       "`result` is the host's answer; `caller` is the calling thread (0 for the initial thread). Integers are mathematical; "
       "`/` and `%` are Euclidean. The reference model (`reference/`) executes exactly these rules.\n\n";

  o << "## Calls\n\n| id | call | group | served by | blocks |\n|---:|---|---|---|---|\n";
  for (const CallIR* c : abi.by_id())
    o << "| " << c->proto->id() << " | [`xabi_" << c->proto->name() << "`](#xabi_" << c->proto->name() << ") | "
      << c->proto->group() << " | " << (c->proto->side() == spec::Call::PAL ? "PAL" : "host") << " | "
      << (c->proto->blocks() ? "yes" : "") << " |\n";

  o << "\n## Constants\n\n| name | value | meaning |\n|---|---:|---|\n";
  for (const auto& c : s.constants()) o << "| `XABI_" << c.name() << "` | " << c.value() << " | " << md_escape(c.doc()) << " |\n";
  o << "\n## Errors\n\nEvery negative result is one of these.\n\n| name | value | meaning |\n|---|---:|---|\n";
  for (const auto& e : s.errors()) o << "| `XABI_" << e.name() << "` | " << e.value() << " | " << md_escape(e.doc()) << " |\n";

  o << "\n## Host exit statuses\n\nWhat a host's command line reports besides the picoprocess's own status (`xabi/host_exits.h`). "
       "The bundled hosts use them; a third-party host may choose others and declares its violation status in its adapter.\n\n"
       "| name | status | meaning |\n|---|---:|---|\n";
  for (const auto& h : s.host_exits())
    o << "| `XABI_HOST_EXIT_" << h.name() << "` | " << h.status() << " | " << md_escape(h.doc()) << " |\n";
  o << "\n## Structs\n\nLittle-endian, natural alignment, no implicit padding beyond what is shown.\n";
  for (const auto& st : s.structs()) {
    o << "\n### `struct xabi_" << st.name() << "` (" << struct_size(st) << " bytes)\n\n" << st.doc()
      << "\n\n| offset | field | type | meaning |\n|---:|---|---|---|\n";
    for (int i = 0; i < st.fields_size(); ++i)
      o << "| " << field_offset(st, i) << " | `" << st.fields(i).name() << "` | " << type_name(st.fields(i).type()) << " | "
        << md_escape(st.fields(i).doc()) << " |\n";
  }

  o << "\n## Abstract state\n\nWhat the rules talk about (the reference model's state).\n\n| component | kind | meaning |\n|---|---|---|\n";
  for (const auto& c : s.state())
    o << "| `" << c.name() << "` | " << spec::StateComponent::Kind_Name(c.kind()) << " | " << md_escape(c.doc()) << " |\n";
  o << "\nOperations: REGION_SET `covers(a, b)`, `disjoint(a, b)`, `total()`, `count()`, effects `insert(a, b)`, `remove(a, b)` "
       "over half-open ranges [a, b); HANDLE_SET `contains(id)`, `count()`, effects `add(id)`, `remove(id)`; CELL `get()`, effect `set(v)`.\n";
  o << "\n## Capabilities\n\nA host declares which it offers; `cap(name)` in a rule tests it.\n\n| name | meaning |\n|---|---|\n";
  for (const auto& c : s.capabilities()) o << "| `" << c.name() << "` | " << md_escape(c.doc()) << " |\n";

  for (const auto& g : s.groups()) {
    o << "\n## " << g.name() << "\n\n" << g.doc() << "\n";
    for (const CallIR* ci : abi.by_id()) {
      const spec::Call& c = *ci->proto;
      if (c.group() != g.name()) continue;
      o << "\n### xabi_" << c.name() << "\n\n";
      o << "id " << c.id() << " · served by " << (c.side() == spec::Call::PAL ? "the PAL" : "the host")
        << (c.blocks() ? " · blocks" : "") << " · result " << type_name(c.result()) << " · [spec line " << ci->loc.line << "](../"
        << abi.spec_path << "#L" << ci->loc.line << ")\n\n";
      o << c.doc() << "\n\n";
      if (c.params_size()) {
        o << "| parameter | type | constraints | meaning |\n|---|---|---|---|\n";
        for (const auto& p : c.params())
          o << "| `" << p.name() << "` | " << type_text(abi, p) << " | " << constraints(p) << " | " << md_escape(p.doc()) << " |\n";
        o << "\n";
      }
      if (c.errors_size()) {
        o << "Errors: ";
        for (int i = 0; i < c.errors_size(); ++i) o << (i ? ", " : "") << "`" << c.errors(i) << "`";
        o << ".\n\n";
      }
      if (!ci->on_begin.empty() || !ci->on_end.empty()) {
        o << "While blocked:";
        for (const auto& e : ci->on_begin) o << " on begin `" << to_string(*e) << "`;";
        for (const auto& e : ci->on_end) o << " on return `" << to_string(*e) << "`;";
        o << "\n\n";
      }
      o << "Rules:\n\n";
      for (const RuleIR& r : ci->rules) {
        o << "- **" << r.proto->name() << "** — when `" << (r.otherwise ? "otherwise" : to_string(*r.guard)) << "`";
        if (!r.proto->doc().empty()) o << " (" << r.proto->doc() << ")";
        o << "\n";
        for (const OutcomeIR& out : r.outcomes) {
          o << "  - *" << out.proto->name() << "*: `" << to_string(*out.result) << "`";
          if (!out.effects.empty()) {
            o << " ⇒ ";
            for (size_t k = 0; k < out.effects.size(); ++k) o << (k ? ", " : "") << "`" << to_string(*out.effects[k]) << "`";
          }
          if (!out.proto->doc().empty()) o << " — " << out.proto->doc();
          o << "\n";
        }
      }
      o << "\nWhy: " << c.rationale() << "\n";
    }
  }
  // The host profile is not the ABI: a section of its own, named after its file.
  if (const spec::HostProfile& h = abi.profile; h.syscalls_size()) {
    o << "\n## Host profile `" << h.name() << "`: seccomp allow-list (x86-64)\n\n"
      << "From `" << abi.profile_path << "`, not the ABI: it binds only this host. " << md_escape(h.doc()) << "\n\n"
      << "Once sealed, the PAL may make these system calls and no others; an entry allows its call when all its checks hold. "
         "Launch parameters are bound by the host when it starts the picoprocess:\n\n";
    for (const auto& p : h.launch_params()) o << "- `" << p.name() << "`: " << p.doc() << "\n";
    auto table = [&](const auto& rules) {
      o << "\n| system call | checks | why |\n|---|---|---|\n";
      for (const auto& sc : rules) {
        std::string checks;
        for (const auto& a : sc.args()) {
          std::string c = a.op() == spec::ArgCheck::MASKED_EQ ? "(arg" + std::to_string(a.arg()) + " & " + a.mask() + ") == " + a.value()
                                                              : "arg" + std::to_string(a.arg()) + " == " + a.value();
          checks += (checks.empty() ? "" : ", ") + std::string("`") + c + "`";
        }
        o << "| `" << sc.name() << "` | " << (checks.empty() ? "any arguments" : checks) << " | " << md_escape(sc.doc()) << " |\n";
      }
    };
    table(h.syscalls());
    if (h.trap_syscalls_size()) {
      o << "\nWith `--linux` (an unmodified Linux program over the Linux personality) these are allowed as well, and every "
           "other system call is trapped into the picoprocess (SIGSYS) instead of denied:\n";
      table(h.trap_syscalls());
    }
  }
  return o.str();
}

}  // namespace xabi::gen
