// Reads fuzz input front to back (so seeds are easy to write by hand or by
// seedgen.cc); past the end every read yields zeros.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xabi::fuzz {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool empty() const { return i_ >= n_; }
  uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= uint32_t{u8()} << (8 * k);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= uint64_t{u8()} << (8 * k);
    return v;
  }
  // u16 length, then that many bytes (fewer at the end of the input).
  std::string bytes() {
    size_t len = u8();
    len |= size_t{u8()} << 8;
    std::string s;
    while (len-- && i_ < n_) s.push_back(static_cast<char>(p_[i_++]));
    return s;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t i_ = 0;
};

}  // namespace xabi::fuzz
