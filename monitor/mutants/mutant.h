// mutant.h: the few spots deep inside the host where xabi-host-mutant injects
// a fault (docs/mutants.md). Every fault that can be produced at the handler
// boundary is a decorator with the mutant host (conformance/mutant_host/);
// what remains here breaks a component from inside: the seccomp filter, the
// child before execve, the event loop, the alarm words, the host budget. The
// points are injection_points.def; each is one `if (XABI_MUTANT(name))`.
//
//   if (XABI_MUTANT(serve_slot0_only)) todo &= 1;
//
// Without -DXABI_MUTANTS (the shipped xabi-host) XABI_MUTANT(name) is the
// constant false: the compiler drops the fault and no name reaches the
// binary. With it (the *_mutant copies of the monitor libraries that
// conformance/mutant_host/ builds), it is true iff the mutant selected by the
// environment variable XABI_MUTANT at start-up is the one of that name. Either
// way a name that is not an injection point does not compile.
#pragma once

#if defined(XABI_MUTANTS)

namespace xabi::mutants {

enum class Point : int {
#define XABI_INJECTION_POINT(name) name,
#include "injection_points.def"
#undef XABI_INJECTION_POINT
};

// The selected mutant's Point, or -1 (none selected, or one of the mutant
// host's own decorator). Defined by the mutant host (mutant_list.cc); safe to
// call in the launcher's cloned child (it only reads a number).
int selected_point();

}  // namespace xabi::mutants

#define XABI_MUTANT(name) (::xabi::mutants::selected_point() == static_cast<int>(::xabi::mutants::Point::name))

#else

// One incomplete type per name, and a compile-time false that needs the name
// to exist. Unlike an enumerator (which drags the whole enum into the debug
// information), a pointer to an incomplete type in sizeof leaves no trace in
// the object file: tests/mutants checks that xabi-host holds no mutant name.
namespace xabi::mutants::points {
#define XABI_INJECTION_POINT(name) struct name;
#include "injection_points.def"
#undef XABI_INJECTION_POINT
}  // namespace xabi::mutants::points

#define XABI_MUTANT(name) (sizeof(::xabi::mutants::points::name*) == 0)

#endif
