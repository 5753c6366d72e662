// The run-time selection of a mutant; see mutant.h. Only compiled into the
// *_mutant libraries (xabi-host-mutant).
#include "mutant.h"

#include <cstdlib>

namespace xabi::mutants {
namespace {

constexpr Info kAll[] = {
#define XABI_MUTANT_DEF(name, group, fault, catch_) {#name, #group, fault, catch_},
#include "mutants.def"
#undef XABI_MUTANT_DEF
};

// Index + 1 of the selected mutant; 0: none, -1: an unknown name. Dynamic
// initialisation at start-up, before main: the launcher reads it in the
// cloned child before execve, where nothing may allocate or lock. Zero (none)
// before that.
int read_selection() {
  const char* v = std::getenv("XABI_MUTANT");
  if (!v || !*v) return 0;
  for (size_t i = 0; i < std::size(kAll); ++i)
    if (kAll[i].name == v) return static_cast<int>(i) + 1;
  return -1;
}

const int g_selection = read_selection();

}  // namespace

std::span<const Info> all() { return kAll; }

int selected() { return g_selection > 0 ? g_selection - 1 : -1; }

bool unknown_selected(std::string_view* value) {
  if (g_selection >= 0) return false;
  if (value) {
    const char* v = std::getenv("XABI_MUTANT");
    *value = v ? v : "";
  }
  return true;
}

}  // namespace xabi::mutants
