// mutant.h: deliberately faulty variants ("mutants") of xabi-host, for testing
// that a conformance suite notices a broken host (docs/mutants.md). The list
// is mutants.def; each fault is one `if (XABI_MUTANT(name)) { ... }` at the
// spot it breaks.
//
//   if (XABI_MUTANT(write_drops)) return static_cast<int64_t>(len);
//
// Without -DXABI_MUTANTS (the shipped xabi-host) XABI_MUTANT(name) is the
// constant false: the compiler drops the fault and no mutant name reaches the
// binary. With it (the *_mutant libraries and xabi-host-mutant), it is true
// iff the environment variable XABI_MUTANT, read once at start-up, equals
// "name". Either way a name that is not in mutants.def does not compile.
#pragma once

#if defined(XABI_MUTANTS)

#include <cstddef>
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

#define XABI_MUTANT(name) (::xabi::mutants::selected() == static_cast<int>(::xabi::mutants::Id::name))

#else

// One incomplete type per name, and a compile-time false that needs the name
// to exist. Unlike an enumerator (which drags the whole enum into the debug
// information), a pointer to an incomplete type in sizeof leaves no trace in
// the object file: tests/mutants checks that xabi-host holds no mutant name.
namespace xabi::mutants::names {
#define XABI_MUTANT_DEF(name, group, fault, catch_) struct name;
#include "mutants.def"
#undef XABI_MUTANT_DEF
}  // namespace xabi::mutants::names

#define XABI_MUTANT(name) (sizeof(::xabi::mutants::names::name*) == 0)

#endif
