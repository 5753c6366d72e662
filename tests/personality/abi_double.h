// An in-process test double of the xabi ABI for the personality's unit
// tests: real memory (mmap), real time, real futexes, fake channels whose
// bytes the test reads and writes. It installs itself as xabi_dispatch_table.
#pragma once

#include <cstdint>
#include <string>

namespace xabi::test {

void abi_double_install();
// A fake channel: input the guest reads (then end of stream), output it wrote.
int32_t double_channel(const std::string& input);
std::string double_channel_output(int32_t ch);
bool double_channel_open(int32_t ch);
// Bytes currently allocated through alloc (pages).
uint64_t double_allocated_bytes();
// The TLS base the calling thread last set.
uint64_t double_tls();

// A ustar/pax writer independent of the personality's parser.
struct TarWriter {
  std::string out;
  void file(const std::string& name, const std::string& data, unsigned mode = 0644);
  void dir(const std::string& name);
  void symlink(const std::string& name, const std::string& target);
  void raw_header(const std::string& name, char type, uint64_t size, const std::string& link = "");
  void pax_file(const std::string& path, const std::string& data);
  void gnu_long_file(const std::string& path, const std::string& data);
  std::string finish() const { return out + std::string(1024, '\0'); }
};

}  // namespace xabi::test
