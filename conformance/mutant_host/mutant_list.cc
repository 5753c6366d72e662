// The run-time selection of a mutant (mutant_list.h), and the injection point
// it stands for, if its fault sits deep in the monitor (monitor/mutants/mutant.h).
#include "mutant_list.h"

#include <cstdlib>

#include "mutant.h"

namespace xabi::mutants {
namespace {

constexpr Info kAll[] = {
#define XABI_MUTANT_DEF(name, group, fault, catch_) {#name, #group, fault, catch_},
#include "mutants.def"
#undef XABI_MUTANT_DEF
};

// Every injection point is a mutant of the list (or this does not compile).
constexpr std::string_view kPoints[] = {
#define XABI_INJECTION_POINT(name) (static_cast<void>(Id::name), #name),
#include "injection_points.def"
#undef XABI_INJECTION_POINT
};

// Index + 1 of the selected mutant; 0: none, -1: an unknown name.
int read_selection() {
  const char* v = std::getenv("XABI_MUTANT");
  if (!v || !*v) return 0;
  for (size_t i = 0; i < std::size(kAll); ++i)
    if (kAll[i].name == v) return static_cast<int>(i) + 1;
  return -1;
}

int point_of(int selection) {
  if (selection <= 0) return -1;
  for (size_t i = 0; i < std::size(kPoints); ++i)
    if (kPoints[i] == kAll[selection - 1].name) return static_cast<int>(i);
  return -1;
}

// Dynamic initialisation at start-up, before main (in this order): the
// launcher reads the point in the cloned child before execve, where nothing
// may allocate or lock. Zero (none) before that.
const int g_selection = read_selection();
const int g_point = point_of(g_selection);

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

int selected_point() { return g_point; }

}  // namespace xabi::mutants
