// The emitters: one function per generated artifact, each reading only the
// checked ABI. Wire layouts are computed once here and shared by the codec,
// the host dispatch and the PAL stubs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "abi.h"

namespace xabi::gen {

// The first line of every generated file.
std::string banner(const Abi& abi, const char* comment_open, const char* comment_close = "");

// -- wire layout (HOST calls only)

constexpr int kHeaderSize = 16;
constexpr int kResultSize = 8;

struct WireScalar {
  int param;    // index into the call's params
  int offset;   // from the start of the frame
  int size;     // 4 or 8
};

// A variable-length section: u32 length, bytes, zero padding to 8.
struct WirePayload {
  int param;
  uint64_t max_bytes;     // the largest length the section may carry
  int bound_param = -1;   // the scalar giving its exact length (len/count), -1 for strings
  uint64_t elem_size = 1; // struct size for arrays
  bool is_string = false;
};

struct WireLayout {
  std::vector<WireScalar> req_scalars;
  int req_fixed = kHeaderSize;  // header + scalars, padded to 8
  std::vector<WirePayload> req_payloads;
  std::vector<WirePayload> resp_payloads;
  uint64_t req_max = 0;   // largest valid request frame
  uint64_t resp_max = 0;  // largest valid response frame
};

WireLayout wire_layout(const Abi& abi, const CallIR& call);
uint64_t struct_size(const spec::Struct& s);
int field_offset(const spec::Struct& s, int field);

// -- the artifacts; each returns the file's text

std::string emit_guest_header(const Abi& abi);    // xabi/xabi.h
std::string emit_wire(const Abi& abi);            // xabi/wire.h
std::string emit_host_dispatch(const Abi& abi);   // xabi/host_dispatch.hpp
std::string emit_pal_stubs_h(const Abi& abi);     // xabi/pal_stubs.h
std::string emit_pal_stubs_c(const Abi& abi);     // xabi/pal_stubs.c
std::string emit_invoke(const Abi& abi);          // xabi/invoke.h
std::string emit_pal_dispatch_c(const Abi& abi);  // xabi/pal_dispatch.c
std::string emit_meta(const Abi& abi);            // xabi/meta.hpp
std::string emit_model_state(const Abi& abi);     // xabi/model_state.hpp
std::string emit_model_rules(const Abi& abi);     // xabi/model_rules.cc
std::string emit_docs(const Abi& abi);            // abi.md
std::string emit_syscalls(const Abi& abi);        // xabi/syscalls.hpp
std::string emit_linux_syscalls_h(const Abi& abi); // xabi/linux_syscalls.h
std::string emit_model_calls(const Abi& abi);      // xabi/model_calls.hpp
std::string emit_host_exits_h(const Abi& abi);     // xabi/host_exits.h
std::string emit_z3_header(const Abi& abi);       // xabi/z3_rules.hpp
std::string emit_z3_rules(const Abi& abi);        // xabi/z3_rules.cc

// Every generated file, by its path under the output directory.
struct Artifact {
  const char* path;
  std::string (*emit)(const Abi&);
};
const std::vector<Artifact>& artifacts();

// A C/C++ string literal of `s`.
std::string quote(const std::string& s);

}  // namespace xabi::gen
