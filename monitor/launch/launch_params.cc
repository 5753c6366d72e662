// Mode names; see launch_params.h.
#include "launch_params.h"

namespace xabi::launch {

std::string_view mode_name(Mode m) { return m == Mode::kKill ? "kill" : "errno"; }

}  // namespace xabi::launch
