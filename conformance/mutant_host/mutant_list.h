// mutant_list.h: the mutants of xabi-host-mutant (docs/mutants.md), from the
// one list mutants.def, and the one selected by the environment variable
// XABI_MUTANT, read once at start-up.
#pragma once

#include <span>
#include <string_view>

namespace xabi::mutants {

enum class Id : int {
#define XABI_MUTANT_DEF(name, group, fault, catch_) name,
#include "mutants.def"
#undef XABI_MUTANT_DEF
};

struct Info {
  std::string_view name, group, fault, catch_it;
};

// Every mutant, in mutants.def order.
std::span<const Info> all();
// The selected mutant's index in all(), or -1 (XABI_MUTANT unset, empty or unknown).
int selected();
// XABI_MUTANT is set to a name that is not in the list (the value is returned
// in *value). xabi-host-mutant refuses to run then.
bool unknown_selected(std::string_view* value);

}  // namespace xabi::mutants
