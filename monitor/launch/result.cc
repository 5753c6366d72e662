// Named errors; see result.h.
#include "result.h"

#include <cerrno>
#include <cstring>

namespace xabi::launch {

std::string explain(const Error& e) {
  std::string_view detail = e.detail;
  if (e.code == ErrorCode::kInvalidImage) {
    // "ELF_IMAGE_INTERP: image asks for ..." -> "image asks for ...".
    const size_t colon = detail.find(": ");
    if (colon != std::string_view::npos && detail.substr(0, colon).find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                                               std::string_view::npos)
      detail.remove_prefix(colon + 2);
  }
  std::string out(error_message(e.code));
  if (!detail.empty()) out.append(": ").append(detail);
  return out;
}

Error system_error(ErrorCode code, std::string_view what) {
  const int err = errno;
  return Error{code, std::string(what) + ": " + std::strerror(err)};
}

}  // namespace xabi::launch
