// The conformance suite's adapter parser (conformance/runner/adapter.h) on
// arbitrary text. It must never crash; a refusal must say why (a non-empty
// error naming the file); an accepted adapter must expand for any launch
// variables, and what it promised must show in the command line it gives.
//
// Input: the adapter text up to the first NUL byte; after it, the launch
// variables (reader.h: image, listen as u16-length strings, u64 memory, origin,
// u8 count of args (% 5) and each arg, mutant). Without a NUL every variable is
// empty. Each accepted adapter is also expanded once with every variable set.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.h"
#include "reader.h"

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& text) {
  std::fprintf(stderr, "fuzz_adapter: %s\n--- adapter text:\n%s\n---\n", what.c_str(), text.c_str());
  std::abort();
}

bool contains(const std::vector<std::string>& argv, const std::string& s) {
  return std::any_of(argv.begin(), argv.end(), [&](const std::string& a) { return a.find(s) != std::string::npos; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t text_len = nul ? static_cast<size_t>(nul - data) : size;
  const std::string text(reinterpret_cast<const char*>(data), text_len);
  xabi::fuzz::Reader in(data + std::min(size, text_len + 1), size - std::min(size, text_len + 1));
  xabi::conform::LaunchVars vars;
  vars.image = in.bytes();
  vars.listen = in.bytes();
  vars.memory = in.u64();
  vars.origin = in.bytes();
  for (int n = in.u8() % 5; n > 0; --n) vars.args.push_back(in.bytes());
  vars.mutant = in.bytes();

  const auto load = xabi::conform::parse_adapter(text, "fuzz.json");
  if (!load) {
    const std::string& error = load.error().detail;
    if (load.error().code != xabi::conform::ConformError::kAdapter) fail("refused with another code than kAdapter", text);
    if (error.empty()) fail("refused without an error message", text);
    if (error.rfind("fuzz.json: ", 0) != 0) fail("error does not start with the file name: " + error, text);
    return 0;
  }
  const xabi::conform::Adapter& a = load.value();
  if (a.name.empty()) fail("accepted an adapter without a name", text);
  if (a.path != "fuzz.json") fail("the adapter forgot its path", text);
  if (!a.has("listen")) fail("accepted an adapter without the listen capability", text);
  if (a.command.empty()) fail("accepted an empty command", text);
  for (const auto& cap : a.capabilities)
    if (!xabi::conform::known_capabilities().count(cap)) fail("accepted unknown capability " + cap, text);
  if (a.has("isolation") && (a.violation_exit_status < 1 || a.violation_exit_status > 255))
    fail("isolation without a violation exit status in 1..255", text);

  (void)a.expand(vars);
  (void)a.expand_env(vars);

  // With every variable set to a marker, {image} and {listen} must land in the
  // command (the parser requires both), and every conditional group is used.
  xabi::conform::LaunchVars full;
  full.image = "@IMAGE@";
  full.listen = "@LISTEN@";
  full.memory = 12345;
  full.origin = "@ORIGIN@";
  full.args = {"@ARG1@", "@ARG2@"};
  full.mutant = "@MUTANT@";
  const std::vector<std::string> argv = a.expand(full);
  if (argv.empty()) fail("expanded to an empty command", text);
  if (!contains(argv, "@IMAGE@")) fail("the expanded command has no {image}", text);
  if (!contains(argv, "@LISTEN@")) fail("the expanded command has no {listen}", text);
  (void)a.expand_env(full);
  return 0;
}
