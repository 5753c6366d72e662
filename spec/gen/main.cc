// xabi-gen: reads the ABI spec, checks it, and writes the generated artifacts.
//
//   xabi-gen --check SPEC          check only; exit 1 with file:line: messages
//   xabi-gen SPEC --out DIR        check, then write DIR/xabi/*.h... and DIR/abi.md
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "emit.h"

namespace fs = std::filesystem;

namespace {

// Writes only when the text changed, so unchanged outputs rebuild nothing.
bool write_if_changed(const fs::path& path, const std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream old;
    old << in.rdbuf();
    if (old.str() == text) return true;
  }
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xabi-gen: check the xabi ABI spec and generate code and docs from it"};
  std::string spec_path, out_dir;
  bool check_only = false;
  app.add_option("spec", spec_path, "the spec (protobuf text format)")->required();
  app.add_flag("--check", check_only, "validate only");
  app.add_option("--out", out_dir, "where to write the generated files");
  CLI11_PARSE(app, argc, argv);
  if (!check_only && out_dir.empty()) {
    std::cerr << "xabi-gen: give --out DIR, or --check\n";
    return 2;
  }

  xabi::gen::Diagnostics diags(spec_path);
  auto abi = xabi::gen::load_abi(spec_path, diags);
  if (!diags.ok()) {
    for (const auto& e : diags.errors()) std::cerr << e << "\n";
    std::cerr << "xabi-gen: " << diags.errors().size() << " error" << (diags.errors().size() == 1 ? "" : "s") << "\n";
    return 1;
  }
  if (check_only) return 0;

  using namespace xabi::gen;
  const fs::path out(out_dir);
  for (const Artifact& a : artifacts()) {
    if (!write_if_changed(out / a.path, a.emit(*abi))) {
      std::cerr << "xabi-gen: cannot write " << (out / a.path).string() << "\n";
      return 1;
    }
  }
  return 0;
}
