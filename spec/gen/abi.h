// The checked ABI: the spec as read from its text file, with every location
// known, every expression parsed, resolved and typed. Emitters read only this.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "diag.h"
#include "expr.h"
#include "xabi_spec.pb.h"

namespace xabi::gen {

struct OutcomeIR {
  const spec::Outcome* proto = nullptr;
  Loc loc;
  ExprPtr result;
  std::vector<ExprPtr> effects;
  std::vector<std::string> errors;  // error names this outcome may return
};

struct RuleIR {
  const spec::Rule* proto = nullptr;
  Loc loc;
  bool otherwise = false;
  ExprPtr guard;  // null when otherwise
  std::vector<OutcomeIR> outcomes;
};

struct CallIR {
  const spec::Call* proto = nullptr;
  Loc loc;
  std::vector<ExprPtr> on_begin, on_end;
  std::vector<RuleIR> rules;

  int param_index(const std::string& name) const;
};

struct Abi {
  std::string spec_path;   // as given on the command line (for messages and headers)
  std::string spec_text;   // the file's bytes
  spec::Spec spec;
  // The host profile (--profile), empty when none was given: the Linux
  // seccomp host's launch parameters and allow-list.
  std::string profile_path;
  spec::HostProfile profile;
  std::vector<CallIR> calls;  // in spec order
  std::vector<Loc> call_locs;

  const spec::StateComponent* component(const std::string& name) const;
  const spec::Constant* constant(const std::string& name) const;
  const spec::ErrorCode* error(const std::string& name) const;
  const spec::Struct* find_struct(const std::string& name) const;
  // Calls sorted by id (the dispatch table and wire order).
  std::vector<const CallIR*> by_id() const;
};

// Reads and checks the spec at `path`. Every problem goes to `diags`; the
// result is usable by emitters only when diags.ok().
std::unique_ptr<Abi> load_abi(const std::string& path, Diagnostics& diags);
// Reads and checks a host profile at `path` into `abi` (whose spec must have
// loaded cleanly); problems go to `diags`, which names the profile's file.
void load_profile(Abi& abi, const std::string& path, Diagnostics& diags);

// Type and field helpers shared by the emitters.
const char* c_type(spec::Type t);   // C type of a parameter/result
int wire_size(spec::Type t);        // bytes a scalar takes on the wire (0: not a scalar)
bool is_buffer(const spec::Param& p);  // PTR with len or count: bytes cross the boundary
std::string upper(const std::string& s);
// The expression as C++ for the reference model (see emit_model.cc).
std::string type_name(spec::Type t);

}  // namespace xabi::gen
