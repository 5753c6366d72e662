// slot_server.h: serves one call slot of the host-link protocol
// (pal/linux/host_link.h). The request is copied out of shared memory ONCE
// (req_len read once, then req_len bytes) into a private buffer; only the
// copy is decoded. A req_len over XABI_WIRE_MAX_REQUEST, like any frame the
// generated decoder refuses, is answered with XABI_E_BAD_FRAME and counted
// under its named wire status.
//
//   SlotBuffers buf;                  // per thread; 128 KiB
//   SlotStats st;
//   if (serve_slot(slot, handler, buf, st)) ...   // true: a request was answered
#pragma once

#include <array>
#include <cstdint>

#include "host_link.h"
#include "xabi/host_dispatch.hpp"

namespace xabi::monitor {

struct SlotBuffers {
  std::array<uint8_t, XABI_WIRE_MAX_REQUEST> req;
  std::array<uint8_t, XABI_WIRE_MAX_RESPONSE> resp;
};

struct SlotStats {
  uint64_t served = 0;              // requests answered (refused ones included)
  uint64_t refused[16] = {};        // by xabi_wire_status
  uint64_t refused_total() const;
};

bool serve_slot(xabi_link_slot* slot, xabi::dispatch::Handler& h, SlotBuffers& buf, SlotStats& st);

}  // namespace xabi::monitor
