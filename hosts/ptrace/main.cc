// xabi-ptrace: the ptrace host (Xax's Linux mechanism). Usage as xabi-host's run:
//   xabi-ptrace run [--memory SIZE] [--listen unix:PATH] [--no-console] [--origin URL] IMAGE [-- ARGS...]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "monitor.h"
#include "mutants.h"
#include "xabi/host_exits.h"

namespace {

int usage(const std::string& why) {
  std::fprintf(stderr,
               "xabi-ptrace: %s\n"
               "usage: xabi-ptrace run [--memory SIZE] [--listen unix:PATH] [--no-console] [--origin URL] IMAGE [-- ARGS...]\n",
               why.c_str());
  return XABI_HOST_EXIT_USAGE;
}

// "64M", "1G", "4096": bytes, or 0 when unreadable.
uint64_t parse_size(const std::string& s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (end == s.c_str()) return 0;
  const std::string unit(end);
  const uint64_t mul = unit.empty() ? 1 : unit == "K" ? 1ull << 10 : unit == "M" ? 1ull << 20 : unit == "G" ? 1ull << 30 : 0;
  if (mul == 0 || v > (1ull << 40) / mul) return 0;
  return v * mul;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef XABI_PTRACE_MUTANTS
  if (argc == 2 && std::string(argv[1]) == "mutants") return xabi::ptrace_host::print_mutants();
  if (const int rc = xabi::ptrace_host::check_mutant_env(); rc != 0) return rc;
#endif
  if (argc < 2 || std::string(argv[1]) != "run") return usage("the only command is run");
  xabi::ptrace_host::Options o;
  int i = 2;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string(); };
    if (a == "--memory") {
      o.memory = parse_size(value());
      if (o.memory == 0) return usage("--memory wants a size such as 64M");
    } else if (a == "--listen") {
      const std::string v = value();
      if (v.rfind("unix:", 0) != 0 || v.size() == 5) return usage("--listen wants unix:PATH");
      o.listen = v.substr(5);
    } else if (a == "--origin") {
      o.origin = value();
      if (o.origin.rfind("http://", 0) != 0) return usage("--origin wants http://HOST[:PORT]");
    } else if (a == "--no-console") {
      o.console = false;
    } else if (a == "--") {
      return usage("the image comes before --");
    } else if (!a.empty() && a[0] == '-') {
      return usage("unknown option " + a);
    } else {
      o.image = a;
      ++i;
      break;
    }
  }
  if (o.image.empty()) return usage("no image");
  if (i < argc && std::string(argv[i]) == "--") ++i;
  for (; i < argc; ++i) o.args.emplace_back(argv[i]);
  return xabi::ptrace_host::run(o);
}
