// Encodes a request for a HOST call chosen by the input with the generated
// encoder, decodes it, and requires the same values back; re-encoding the
// decoded request must give the same bytes. Does the same for the response.
// Encoders refuse (return 0) exactly when a length breaks its bound.
//
// Input (fuzz/reader.h): u8 call selector, u32 seq, then per call its scalars
// as u64 and its strings/buffers as u16 length + bytes, then the result (u64).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "reader.h"
#include "xabi/wire.h"

namespace {

[[noreturn]] void fail(const char* call, const char* what) {
  std::fprintf(stderr, "fuzz_wire_roundtrip: %s: %s\n", call, what);
  std::abort();
}

std::vector<uint8_t> g_a(XABI_WIRE_MAX_REQUEST), g_b(XABI_WIRE_MAX_REQUEST);

bool same(const uint8_t* a, uint32_t an, const std::string& b) {
  return an == b.size() && (an == 0 || std::memcmp(a, b.data(), an) == 0);
}

const uint8_t* u8p(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Request: encode, decode, compare (cmp), re-encode, compare bytes.
// Response: the same with the decoded request.
template <typename Req, typename Resp, typename EncReq, typename DecReq, typename EncResp, typename DecResp,
          typename CmpReq, typename CmpResp>
void roundtrip(const char* name, uint32_t seq, const Req& in, bool valid, const Resp& out, bool resp_valid,
               EncReq enc, DecReq dec, EncResp enc_resp, DecResp dec_resp, CmpReq cmp, CmpResp cmp_resp,
               bool expect_bad_string = false) {
  size_t n = enc(g_a.data(), g_a.size(), seq, &in);
  if (!valid) {
    if (n != 0) fail(name, "encoder accepted a length over its bound");
    return;
  }
  if (n == 0) fail(name, "encoder refused a valid request");
  if (n > XABI_WIRE_MAX_REQUEST || n % 8) fail(name, "request size not a multiple of 8 or over the maximum");
  // Exactly sized copy, so ASan sees any read past the frame.
  std::vector<uint8_t> frame(g_a.begin(), g_a.begin() + static_cast<long>(n));
  Req got{};
  xabi_wire_status s = dec(frame.data(), frame.size(), &got);
  if (expect_bad_string) {
    if (s != XABI_WIRE_BAD_STRING) fail(name, "a string with a NUL not refused as BAD_STRING");
    return;
  }
  if (s != XABI_WIRE_OK) {
    std::fprintf(stderr, "decode: %s\n", xabi_wire_status_name(s));
    fail(name, "encoded request does not decode");
  }
  if (!cmp(in, got)) fail(name, "decoded request differs");
  size_t n2 = enc(g_b.data(), g_b.size(), seq, &got);
  if (n2 != n || std::memcmp(g_a.data(), g_b.data(), n) != 0) fail(name, "re-encoded request differs");
  // A truncated frame must be refused.
  if (n > 0 && dec(frame.data(), n - 1, &got) == XABI_WIRE_OK) fail(name, "truncated request accepted");

  size_t m = enc_resp(g_a.data(), g_a.size(), seq, &in, &out);
  if (!resp_valid) {
    if (m != 0) fail(name, "response encoder accepted an oversized section");
    return;
  }
  if (m == 0) fail(name, "response encoder refused a valid response");
  std::vector<uint8_t> rframe(g_a.begin(), g_a.begin() + static_cast<long>(m));
  Resp rgot{};
  s = dec_resp(rframe.data(), rframe.size(), seq, &in, &rgot);
  if (s != XABI_WIRE_OK) {
    std::fprintf(stderr, "decode: %s\n", xabi_wire_status_name(s));
    fail(name, "encoded response does not decode");
  }
  if (!cmp_resp(out, rgot)) fail(name, "decoded response differs");
  if (dec_resp(rframe.data(), rframe.size(), seq + 1, &in, &rgot) != XABI_WIRE_WRONG_CALL)
    fail(name, "response accepted for another sequence number");
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

template <typename R>
bool same_result(const R& a, const R& b) { return a.result == b.result; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  xabi::fuzz::Reader rd(data, size);
  const uint8_t which = rd.u8() % 10;
  const uint32_t seq = rd.u32();
  auto scalar_cmp = [](const auto& a, const auto& b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  switch (which) {
    case 0: {  // alloc: scalar only
      xabi_wire_alloc_req r{rd.u64()};
      xabi_wire_alloc_resp o{static_cast<int64_t>(rd.u64())};
      roundtrip("alloc", seq, r, true, o, true, xabi_wire_encode_alloc_req, xabi_wire_decode_alloc_req,
                xabi_wire_encode_alloc_resp, xabi_wire_decode_alloc_resp, scalar_cmp, same_result<xabi_wire_alloc_resp>);
      break;
    }
    case 1: {  // free
      xabi_wire_free_req r{};
      r.base = rd.u64();
      r.len = rd.u64();
      xabi_wire_free_resp o{static_cast<int64_t>(rd.u64())};
      roundtrip("free", seq, r, true, o, true, xabi_wire_encode_free_req, xabi_wire_decode_free_req,
                xabi_wire_encode_free_resp, xabi_wire_decode_free_resp,
                [](const auto& a, const auto& b) { return a.base == b.base && a.len == b.len; },
                same_result<xabi_wire_free_resp>);
      break;
    }
    case 2: {  // alarm_set
      xabi_wire_alarm_set_req r{rd.u64()};
      xabi_wire_alarm_set_resp o{static_cast<int64_t>(rd.u64())};
      roundtrip("alarm_set", seq, r, true, o, true, xabi_wire_encode_alarm_set_req, xabi_wire_decode_alarm_set_req,
                xabi_wire_encode_alarm_set_resp, xabi_wire_decode_alarm_set_resp, scalar_cmp,
                same_result<xabi_wire_alarm_set_resp>);
      break;
    }
    case 3: {  // accept: no parameters
      xabi_wire_accept_req r{};
      xabi_wire_accept_resp o{static_cast<int64_t>(rd.u64())};
      roundtrip("accept", seq, r, true, o, true, xabi_wire_encode_accept_req, xabi_wire_decode_accept_req,
                xabi_wire_encode_accept_resp, xabi_wire_decode_accept_resp,
                [](const auto&, const auto&) { return true; }, same_result<xabi_wire_accept_resp>);
      break;
    }
    case 4: {  // open_url: two strings
      std::string method = rd.bytes(), url = rd.bytes();
      xabi_wire_open_url_req r{};
      r.method = u8p(method);
      r.method_len = static_cast<uint32_t>(method.size());
      r.url = u8p(url);
      r.url_len = static_cast<uint32_t>(url.size());
      xabi_wire_open_url_resp o{static_cast<int64_t>(rd.u64())};
      const bool valid = method.size() <= 17 && url.size() <= 2049;
      roundtrip("open_url", seq, r, valid, o, true, xabi_wire_encode_open_url_req, xabi_wire_decode_open_url_req,
                xabi_wire_encode_open_url_resp, xabi_wire_decode_open_url_resp,
                [&](const auto&, const auto& b) { return same(b.method, b.method_len, method) && same(b.url, b.url_len, url); },
                same_result<xabi_wire_open_url_resp>, has_nul(method) || has_nul(url));
      break;
    }
    case 5: {  // read: OUT buffer in the response
      xabi_wire_read_req r{};
      r.channel = static_cast<int32_t>(rd.u32());
      r.len = rd.u64() % 70000;  // around the 65536 bound
      std::string bytes = rd.bytes();
      xabi_wire_read_resp o{};
      o.result = static_cast<int64_t>(rd.u64());
      o.buf = u8p(bytes);
      o.buf_len = static_cast<uint32_t>(bytes.size());
      const bool resp_valid = bytes.size() <= (r.len <= 65536 ? r.len : 0);
      roundtrip("read", seq, r, true, o, resp_valid, xabi_wire_encode_read_req, xabi_wire_decode_read_req,
                xabi_wire_encode_read_resp, xabi_wire_decode_read_resp,
                [](const auto& a, const auto& b) { return a.channel == b.channel && a.len == b.len; },
                [&](const auto& a, const auto& b) { return a.result == b.result && same(b.buf, b.buf_len, bytes); });
      break;
    }
    case 6: {  // write: IN buffer
      xabi_wire_write_req r{};
      r.channel = static_cast<int32_t>(rd.u32());
      const uint8_t mode = rd.u8();
      std::string bytes = rd.bytes();
      // Mostly consistent: len = bytes; else an arbitrary len (over the bound: empty section).
      r.len = (mode & 3) ? bytes.size() : rd.u64();
      r.buf = u8p(bytes);
      r.buf_len = static_cast<uint32_t>(bytes.size());
      xabi_wire_write_resp o{static_cast<int64_t>(rd.u64())};
      const bool valid = r.buf_len == (r.len <= 65536 ? r.len : 0);
      roundtrip("write", seq, r, valid, o, true, xabi_wire_encode_write_req, xabi_wire_decode_write_req,
                xabi_wire_encode_write_resp, xabi_wire_decode_write_resp,
                [&](const auto& a, const auto& b) {
                  return a.channel == b.channel && a.len == b.len && same(b.buf, b.buf_len, bytes);
                },
                same_result<xabi_wire_write_resp>);
      break;
    }
    case 7: {  // poll: IN_OUT array of 16-byte structs
      xabi_wire_poll_req r{};
      const uint8_t mode = rd.u8();
      std::string fds = rd.bytes();
      if (mode & 3) fds.resize(fds.size() / 16 * 16 > 1024 ? 1024 : fds.size() / 16 * 16);
      r.n = (mode & 3) ? static_cast<uint32_t>(fds.size() / 16) : rd.u32();
      r.block = rd.u32();
      r.fds = u8p(fds);
      r.fds_len = static_cast<uint32_t>(fds.size());
      const uint64_t want = r.n <= 64 ? uint64_t{r.n} * 16 : 0;
      const bool valid = r.fds_len == want;
      std::string back = rd.bytes();
      if (mode & 4) back.resize(want);  // mostly the whole array back, else arbitrary
      xabi_wire_poll_resp o{};
      o.result = static_cast<int64_t>(rd.u64());
      o.fds = u8p(back);
      o.fds_len = static_cast<uint32_t>(back.size());
      const bool resp_valid = back.empty() || back.size() == want;
      roundtrip("poll", seq, r, valid, o, resp_valid, xabi_wire_encode_poll_req, xabi_wire_decode_poll_req,
                xabi_wire_encode_poll_resp, xabi_wire_decode_poll_resp,
                [&](const auto& a, const auto& b) {
                  return a.n == b.n && a.block == b.block && same(b.fds, b.fds_len, fds);
                },
                [&](const auto& a, const auto& b) { return a.result == b.result && same(b.fds, b.fds_len, back); });
      break;
    }
    case 8: {  // close
      xabi_wire_close_req r{};
      r.channel = static_cast<int32_t>(rd.u32());
      xabi_wire_close_resp o{static_cast<int64_t>(rd.u64())};
      roundtrip("close", seq, r, true, o, true, xabi_wire_encode_close_req, xabi_wire_decode_close_req,
                xabi_wire_encode_close_resp, xabi_wire_decode_close_resp,
                [](const auto& a, const auto& b) { return a.channel == b.channel; }, same_result<xabi_wire_close_resp>);
      break;
    }
    case 9: {  // console
      xabi_wire_console_req r{};
      xabi_wire_console_resp o{static_cast<int64_t>(rd.u64())};
      roundtrip("console", seq, r, true, o, true, xabi_wire_encode_console_req, xabi_wire_decode_console_req,
                xabi_wire_encode_console_resp, xabi_wire_decode_console_resp,
                [](const auto&, const auto&) { return true; }, same_result<xabi_wire_console_resp>);
      break;
    }
  }
  return 0;
}
