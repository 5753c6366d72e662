// A PAL transport for tests: the frames the generated PAL stubs send go
// straight to the generated host dispatch, in process. Hooks let a test see
// the request frame and tamper with the response.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "xabi/host_dispatch.hpp"

namespace xabi::test {

struct Loopback {
  dispatch::Handler* handler = nullptr;
  std::vector<uint8_t> last_request;   // the frame as the host received it
  dispatch::Dispatched last{};             // what dispatch said about it
  // Called with the response frame before the PAL decodes it.
  std::function<void(std::vector<uint8_t>&)> tamper;
};

Loopback& loopback();

}  // namespace xabi::test
