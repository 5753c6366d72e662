// Writes the seed corpora of the wire and model fuzz targets:
//   fuzz_seedgen fuzz/corpus
// wire_dispatch seeds are request frames made by the generated encoders;
// wire_roundtrip and model seeds follow their targets' input formats.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "xabi/wire.h"

namespace {

std::string g_root;

void put(const std::string& target, const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = g_root + "/" + target + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

template <typename Req>
void req(const std::string& name, size_t (*enc)(uint8_t*, size_t, uint32_t, const Req*), const Req& r) {
  std::vector<uint8_t> out(XABI_WIRE_MAX_REQUEST);
  out.resize(enc(out.data(), out.size(), 7, &r));
  if (out.empty()) {
    std::fprintf(stderr, "seedgen: %s did not encode\n", name.c_str());
    std::exit(1);
  }
  put("wire_dispatch", name, out);
}

// Little-endian builder for the reader-format seeds.
struct Bytes {
  std::vector<uint8_t> b;
  Bytes& u8(uint8_t v) { b.push_back(v); return *this; }
  Bytes& u32(uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i))); return *this; }
  Bytes& u64(uint64_t v) { for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i))); return *this; }
  Bytes& str(const std::string& s) {
    b.push_back(uint8_t(s.size()));
    b.push_back(uint8_t(s.size() >> 8));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  // A model value: kind 0 literal, 2 small, 3 pages, 4 negative error.
  Bytes& lit(uint64_t v) { return u8(0).u64(v); }
  Bytes& err(uint8_t e) { return u8(4).u8(e); }
  Bytes& prev(uint8_t i) { return u8(1).u8(i); }
};

const uint8_t* s8(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  g_root = argv[1];

  // ---- wire_dispatch: one valid frame per shape, plus refusals.
  req("alloc", xabi_wire_encode_alloc_req, xabi_wire_alloc_req{8192});
  req("free", xabi_wire_encode_free_req, xabi_wire_free_req{0x10000000, 4096});
  req("alarm_set", xabi_wire_encode_alarm_set_req, xabi_wire_alarm_set_req{1000000});
  req("accept", xabi_wire_encode_accept_req, xabi_wire_accept_req{});
  req("console", xabi_wire_encode_console_req, xabi_wire_console_req{});
  req("close", xabi_wire_encode_close_req, xabi_wire_close_req{3});
  {
    xabi_wire_open_url_req r{s8("GET"), 3, s8("http://app.test/index.html"), 26};
    req("open_url", xabi_wire_encode_open_url_req, r);
  }
  req("read", xabi_wire_encode_read_req, xabi_wire_read_req{3, 64});
  req("read_over_bound", xabi_wire_encode_read_req, xabi_wire_read_req{3, 65537});
  {
    static const char msg[] = "hello, world\n";
    xabi_wire_write_req r{3, 13, s8(msg), 13};
    req("write", xabi_wire_encode_write_req, r);
    xabi_wire_write_req big{3, 1ull << 40, nullptr, 0};  // over the bound: empty section
    req("write_over_bound", xabi_wire_encode_write_req, big);
  }
  {
    uint8_t fds[32] = {};
    fds[0] = 3; fds[4] = 1;   // channel 3, events POLL_IN
    fds[16] = 4; fds[20] = 2; // channel 4, events POLL_OUT
    xabi_wire_poll_req r{2, 1, fds, 32};
    req("poll", xabi_wire_encode_poll_req, r);
  }
  {
    std::vector<uint8_t> bad(XABI_WIRE_MAX_REQUEST);
    xabi_wire_close_req r{3};
    bad.resize(xabi_wire_encode_close_req(bad.data(), bad.size(), 7, &r));
    bad[0] ^= 1;  // bad magic
    put("wire_dispatch", "refused_bad_magic", bad);
    bad[0] ^= 1;
    bad[4] = 3;   // a PAL call's id
    put("wire_dispatch", "refused_pal_call", bad);
  }

  // ---- wire_roundtrip: u8 call, u32 seq, fields (see fuzz_wire_roundtrip.cc).
  put("wire_roundtrip", "alloc", Bytes().u8(0).u32(1).u64(4096).u64(0x10000000).b);
  put("wire_roundtrip", "free", Bytes().u8(1).u32(2).u64(0x10000000).u64(4096).u64(0).b);
  put("wire_roundtrip", "accept", Bytes().u8(3).u32(3).u64(uint64_t(-12)).b);
  put("wire_roundtrip", "open_url", Bytes().u8(4).u32(4).str("GET").str("http://app.test/").u64(5).b);
  put("wire_roundtrip", "read", Bytes().u8(5).u32(5).u32(3).u64(16).str("0123456789").u64(10).b);
  put("wire_roundtrip", "write", Bytes().u8(6).u32(6).u32(3).u8(1).str("hello\n").u64(6).b);
  {
    std::string fds(32, '\0');
    fds[0] = 3; fds[4] = 1; fds[16] = 4; fds[20] = 2;
    std::string back = fds;
    back[6] = 1;
    put("wire_roundtrip", "poll", Bytes().u8(7).u32(7).u8(5).str(fds).u32(1).str(back).u64(1).b);
  }
  put("wire_roundtrip", "close", Bytes().u8(8).u32(8).u32(3).u64(0).b);

  // ---- model: u8 config, then steps (see fuzz_model.cc). Call indexes are
  // positions in meta::kCalls: 0 alloc, 1 free, 13 accept, 14 open_url, 15 read,
  // 16 write, 17 poll, 18 close, 19 console.
  const uint8_t all_caps_mb = 1 | 2 | 4 | (2 << 3) | (1 << 5);  // caps, 1 MiB quota, http://app.test
  put("model", "alloc_free",
      Bytes().u8(all_caps_mb)
          .u8(0).u8(0).lit(8192).lit(0x10000000)                     // alloc(8192) -> placed
          .u8(1).u8(0).lit(0x10000000).lit(4096).lit(0)              // free first page
          .u8(1).u8(0).lit(0x10000000).lit(4096).err(2)              // again: E_NOT_MAPPED
          .u8(0).u8(0).lit(0).lit(0).b);                             // alloc(0) -> 0
  put("model", "console_write_close",
      Bytes().u8(all_caps_mb)
          .u8(19).u8(0).lit(3)                                       // console() -> 3
          .u8(16).u8(0).prev(0).lit(0).lit(5).lit(5)                 // write(3, _, 5) -> 5
          .u8(15).u8(0).prev(0).lit(0).lit(16).err(8)                // read -> E_CLOSED
          .u8(18).u8(0).prev(0).lit(0)                               // close(3) -> 0
          .u8(18).u8(0).prev(0).err(7).b);                           // again: E_BAD_CHANNEL
  put("model", "open_url_poll",
      Bytes().u8(all_caps_mb)
          .u8(14).u8(0).str("GET").str("http://app.test/x").lit(4)   // open_url -> 4
          .u8(14).u8(0).str("GET").str("http://evil.test/").err(11)  // E_ORIGIN
          .u8(17).u8(4).lit(0).lit(1).lit(0).lit(0)                  // poll(fds, 1, 0) -> 0
          .u8(13).u8(0).lit(5).b);                                   // accept -> 5
  put("model", "no_caps", Bytes().u8(0).u8(13).u8(0).err(12).u8(19).u8(0).err(12).u8(14).u8(0).str("GET").str("/").err(12).b);
  std::printf("seeds written under %s\n", g_root.c_str());
  return 0;
}
