// Runs xabi-gen's front end (protobuf text parser + every checking pass) on
// arbitrary bytes. It must never crash, and must either accept the spec or
// say why not in at least one diagnostic.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "abi.h"
#include "diag.h"

namespace {
std::string g_path;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every parse error to stderr; the diagnostics carry them anyway.
  google::protobuf::SetLogHandler(nullptr);
  const char* tmp = std::getenv("TMPDIR");
  g_path = std::string(tmp && *tmp ? tmp : "/tmp") + "/fuzz_spec_parser." + std::to_string(getpid()) + ".textproto";
  std::atexit([] { std::remove(g_path.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FILE* f = std::fopen(g_path.c_str(), "wb");
  if (!f) {
    std::perror(g_path.c_str());
    std::abort();
  }
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);

  xabi::gen::Diagnostics diags(g_path);
  std::unique_ptr<xabi::gen::Abi> abi = xabi::gen::load_abi(g_path, diags);
  if (!diags.ok()) return 0;  // refused, with at least one diagnostic
  if (!abi) {
    std::fprintf(stderr, "fuzz_spec_parser: load_abi returned nothing and reported no diagnostic\n");
    std::abort();
  }
  return 0;
}
