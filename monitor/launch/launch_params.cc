// Mode names; see launch_params.h.
#include "launch_params.h"

namespace xabi::launch {

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kKill: return "kill";
    case Mode::kErrno: return "errno";
    case Mode::kLinux: return "linux";
  }
  return "?";
}

}  // namespace xabi::launch
