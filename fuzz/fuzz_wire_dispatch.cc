// Feeds the input as a request frame to the generated xabi::dispatch::dispatch()
// with a handler that checks every argument against the spec (xabi/meta.hpp)
// and answers with values derived from the input. Then checks the response:
// never empty, never over XABI_WIRE_MAX_RESPONSE, decodable by the call's
// generated response decoder with the handler's result when the request
// decoded, an XABI_E_BAD_FRAME answer (and no handler call) when it did not.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "xabi/host_dispatch.hpp"
#include "xabi/meta.hpp"

namespace {

using xabi::meta::Dir;
using xabi::meta::Type;

[[noreturn]] void fail(const char* what, uint32_t id) {
  std::fprintf(stderr, "fuzz_wire_dispatch: call %u: %s\n", id, what);
  std::abort();
}

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

class CheckingHandler : public xabi::dispatch::GenericHandler {
 public:
  explicit CheckingHandler(uint64_t seed) : seed_(seed) {}
  int calls = 0;
  int64_t last_result = 0;
  uint32_t last_id = 0;

  int64_t on_call(uint32_t id, std::span<xabi::dispatch::GenericArg> args) override {
    ++calls;
    last_id = id;
    const xabi::meta::CallInfo* call = xabi::meta::find_call(id);
    if (!call) fail("handler called for an unknown call", id);
    if (call->side != xabi::meta::Side::kHost) fail("handler called for a PAL call", id);
    if (args.size() != call->params.size()) fail("wrong number of arguments", id);
    uint64_t h = seed_;
    for (size_t i = 0; i < args.size(); ++i) {
      const auto& p = call->params[i];
      auto& a = args[i];
      h = mix(h, a.num);
      if (p.type == Type::kCstr) {
        if (a.bytes.size() > p.max_len + 1) fail("string longer than max_len + 1", id);
        if (a.bytes.find('\0') != std::string_view::npos) fail("string holds a NUL", id);
        for (char c : a.bytes) h = mix(h, static_cast<uint8_t>(c));
      } else if (p.type == Type::kPtr && p.len_param >= 0) {
        // A buffer: its bytes travel only when the length is within max_len.
        const uint64_t len = args[p.len_param].num;
        const uint64_t want = len <= p.max_len ? len : 0;
        if (p.dir == Dir::kIn) {
          if (a.bytes.size() != want) fail("IN buffer size != its length parameter", id);
          for (char c : a.bytes) h = mix(h, static_cast<uint8_t>(c));
        } else if (p.dir == Dir::kOut) {
          if (!a.out) fail("OUT buffer missing", id);
          if (a.out->capacity > p.max_len) fail("OUT capacity over max_len", id);
          if (a.out->capacity != want) fail("OUT capacity != its length parameter", id);
          const size_t n = a.out->capacity ? static_cast<size_t>(h % (a.out->capacity + 1)) : 0;
          for (size_t k = 0; k < n; ++k) a.out->data[k] = static_cast<uint8_t>(h >> (8 * (k % 8)));
          a.out->size = n;
        }
      } else if (p.type == Type::kPtr && p.count_param >= 0) {
        // An array of whole structs: count entries when count is within its range.
        if (p.elem_size == 0) fail("array with zero element size", id);
        const uint64_t count = args[p.count_param].num;
        const auto& cp = call->params[p.count_param];
        const uint64_t max = cp.has_range ? cp.range_max : 0;
        const uint64_t want = count <= max ? count * p.elem_size : 0;
        const size_t got = p.dir == Dir::kInOut ? a.inout.size() : a.bytes.size();
        if (got % p.elem_size != 0) fail("array of partial structs", id);
        if (got != want) fail("array size != count * elem_size", id);
        if (p.dir == Dir::kInOut)
          for (size_t k = 0; k < a.inout.size(); ++k) {
            h = mix(h, a.inout[k]);
            a.inout[k] = static_cast<uint8_t>(a.inout[k] ^ h);
          }
      }
    }
    last_result = static_cast<int64_t>(h);
    return last_result;
  }

 private:
  uint64_t seed_;
};

// Decodes the response with the call's own decoder and checks its result.
template <typename Req, typename Resp>
void check_resp(uint32_t id, std::span<const uint8_t> req_frame, std::span<const uint8_t> resp, uint32_t seq,
                xabi_wire_status (*dec_req)(const uint8_t*, size_t, Req*),
                xabi_wire_status (*dec_resp)(const uint8_t*, size_t, uint32_t, const Req*, Resp*), int64_t want) {
  Req rq{};
  if (dec_req(req_frame.data(), req_frame.size(), &rq) != XABI_WIRE_OK) fail("request no longer decodes", id);
  Resp rs{};
  xabi_wire_status s = dec_resp(resp.data(), resp.size(), seq, &rq, &rs);
  if (s != XABI_WIRE_OK) {
    std::fprintf(stderr, "response decode: %s\n", xabi_wire_status_name(s));
    fail("response of a dispatched call does not decode", id);
  }
  if (rs.result != want) fail("response result != handler result", id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A private, exactly sized copy (the host copies out of shared memory once).
  std::vector<uint8_t> frame(data, data + size);
  uint64_t seed = 0;
  for (size_t i = 0; i < size; ++i) seed = mix(seed, data[i]);
  CheckingHandler h(seed);
  static std::vector<uint8_t> out(XABI_WIRE_MAX_RESPONSE);
  std::span<const uint8_t> req(frame.data(), frame.size());
  xabi::dispatch::Dispatched d = xabi::dispatch::dispatch(req, h, out);

  if (d.response_size == 0) fail("empty response", d.call);
  if (d.response_size > XABI_WIRE_MAX_RESPONSE) fail("response over XABI_WIRE_MAX_RESPONSE", d.call);
  std::span<const uint8_t> resp(out.data(), d.response_size);
  xabi_wire_header rh{};
  if (xabi_wire_read_header(resp.data(), resp.size(), XABI_WIRE_RESPONSE_MAGIC, &rh) != XABI_WIRE_OK)
    fail("response header does not read", d.call);
  if (rh.call != d.call) fail("response names another call", d.call);

  if (d.status != XABI_WIRE_OK) {
    if (h.calls != 0) fail("a refused frame ran the handler", d.call);
    if (resp.size() < 24 || static_cast<int64_t>(xabi_wire_get64(resp.data() + 16)) != XABI_E_BAD_FRAME)
      fail("a refused frame not answered with XABI_E_BAD_FRAME", d.call);
    return 0;
  }
  if (h.calls != 1) fail("a dispatched frame ran the handler other than once", d.call);
  if (h.last_id != d.call) fail("handler ran for another call", d.call);
  const uint32_t seq = xabi_wire_get32(frame.data() + 8);
  if (rh.seq != seq) fail("response sequence != request sequence", d.call);
  const int64_t want = h.last_result;

#define XABI_FUZZ_CASE(ID, NAME)                                                                          \
  case ID:                                                                                                \
    check_resp<xabi_wire_##NAME##_req, xabi_wire_##NAME##_resp>(ID, req, resp, seq, xabi_wire_decode_##NAME##_req, \
                                                                xabi_wire_decode_##NAME##_resp, want);    \
    break;
  switch (d.call) {
    XABI_FUZZ_CASE(1, alloc)
    XABI_FUZZ_CASE(2, free)
    XABI_FUZZ_CASE(11, alarm_set)
    XABI_FUZZ_CASE(14, accept)
    XABI_FUZZ_CASE(15, open_url)
    XABI_FUZZ_CASE(16, read)
    XABI_FUZZ_CASE(17, write)
    XABI_FUZZ_CASE(18, poll)
    XABI_FUZZ_CASE(19, close)
    XABI_FUZZ_CASE(20, console)
    default:
      fail("dispatched a call this fuzzer does not know (regenerate the case list)", d.call);
  }
#undef XABI_FUZZ_CASE
  return 0;
}
