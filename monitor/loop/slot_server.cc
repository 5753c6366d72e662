#include "slot_server.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstring>

namespace xabi::monitor {

uint64_t SlotStats::refused_total() const {
  uint64_t t = 0;
  for (uint64_t r : refused) t += r;
  return t;
}

bool serve_slot(xabi_link_slot* slot, xabi::dispatch::Handler& h, SlotBuffers& buf, SlotStats& st) {
  if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != XABI_LINK_REQUEST) return false;
  // One read of req_len, one copy of the bytes: the guest may rewrite both
  // at any time; nothing below looks at the slot's request again.
  const uint32_t req_len = __atomic_load_n(&slot->req_len, __ATOMIC_RELAXED);
  const size_t n = req_len <= XABI_WIRE_MAX_REQUEST ? req_len : 0;
  std::memcpy(buf.req.data(), slot->req, n);
  __atomic_store_n(&slot->state, XABI_LINK_SERVING, __ATOMIC_SEQ_CST);

  const auto d = xabi::dispatch::dispatch(std::span<const uint8_t>(buf.req.data(), n), h,
                                      std::span<uint8_t>(buf.resp.data(), buf.resp.size()));
  const enum xabi_wire_status status = req_len > XABI_WIRE_MAX_REQUEST ? XABI_WIRE_OVERSIZED : d.status;
  if (status != XABI_WIRE_OK) ++st.refused[static_cast<unsigned>(status) & 15u];
  ++st.served;

  std::memcpy(slot->resp, buf.resp.data(), d.response_size);
  __atomic_store_n(&slot->resp_len, static_cast<uint32_t>(d.response_size), __ATOMIC_RELAXED);
  // seq_cst store then seq_cst load of waiter: pairs with the PAL's
  // "waiter = 1, re-check state" so a sleeping caller is always woken.
  __atomic_store_n(&slot->state, XABI_LINK_RESPONSE, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&slot->waiter, __ATOMIC_SEQ_CST) != 0)
    ::syscall(SYS_futex, &slot->state, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
  return true;
}

}  // namespace xabi::monitor
