#include "mutants.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace xabi::ptrace_host {
namespace {

const std::string& active() {
  static const std::string name = [] {
    const char* v = std::getenv("XABI_MUTANT");
    return std::string(v ? v : "");
  }();
  return name;
}

}  // namespace

bool mutant(std::string_view name) { return active() == name; }

int print_mutants() {
  std::printf("[");
  const char* sep = "";
#define XABI_PTRACE_PRINT(name, group, fault, catch_)                                                       \
  std::printf("%s\n {\"name\": \"%s\", \"group\": \"%s\", \"fault\": \"%s\", \"catch\": \"%s\"}", sep, #name, \
              group, fault, catch_);                                                                        \
  sep = ",";
  XABI_PTRACE_MUTANT_LIST(XABI_PTRACE_PRINT)
#undef XABI_PTRACE_PRINT
  std::printf("\n]\n");
  return 0;
}

int check_mutant_env() {
  if (active().empty()) return 0;
#define XABI_PTRACE_KNOWN(name, group, fault, catch_) \
  if (active() == #name) return 0;
  XABI_PTRACE_MUTANT_LIST(XABI_PTRACE_KNOWN)
#undef XABI_PTRACE_KNOWN
  std::fprintf(stderr, "xabi-ptrace-mutant: XABI_MUTANT=%s names no mutant (see: xabi-ptrace-mutant mutants)\n", active().c_str());
  return 2;
}

}  // namespace xabi::ptrace_host
