// What the reference model is given for a call, from a step's values: shared
// by host cases (interp_values.cc, next to what the agent is sent) and model
// cases (judge steps, which give the model a call and a result with no host).
#pragma once

#include <cstdint>
#include <string>

#include "case.h"
#include "conformance/conform_error.h"
#include "reference/model.h"

namespace xabi::conform {

// A number for a string parameter is a string at that address. The model can
// judge one only where the spec says no guest memory is: below PAGE, or from
// ADDR_LIMIT up (readable() is false there).
bool outside_guest_memory(uint64_t address);
inline constexpr const char* kStringAddressRule =
    "a string argument given as an address must be outside guest memory (below PAGE or from ADDR_LIMIT up)";

// A number argument as the parameter's type reads the 64 bits.
ref::Arg model_number(const meta::ParamInfo& p, uint64_t value);
// A C string as the callee copies it: up to its NUL or max_len + 1 bytes.
ref::Arg model_string(const meta::ParamInfo& p, const std::string& text);

// A model case's configuration: `memory` is the quota, `needs` the
// capabilities, `origin-url` the origin.
ref::ModelConfig model_config(const Case& c);

// A judge step's arguments and result, as the model reads them. A step that
// expects bad_call takes its values as written: numbers as numbers, strings as
// strings, whatever the call's parameters (that is the malformation it shows).
struct JudgeInputs {
  ref::Args args;
  uint64_t result = 0;
};
// kModelInput when a string argument given as an address points into guest
// memory (the detail names the parameter and kStringAddressRule).
Result<JudgeInputs> judge_inputs(const Step& s);

}  // namespace xabi::conform
