// xabi-mutate: machine-made mutants of C and C++ sources (docs/machine-mutants.md).
//
//   xabi-mutate list FILE                 one line per site, tab-separated:
//                                         id line column op original replacement
//   xabi-mutate apply FILE ID OUT         FILE with site ID mutated, written to OUT
//   xabi-mutate sample [--seed N] FILE... every site of every FILE as
//                                         file<TAB>the list columns, in the
//                                         deterministic sample order
//
// Tabs and newlines inside a site's text are shown as spaces.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "mutator.h"

namespace {

namespace m = xabi::mutation;

int usage() {
  std::cerr << "usage: xabi-mutate list FILE | apply FILE ID OUT | sample [--seed N] FILE...\n";
  return 2;
}

bool read(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "xabi-mutate: cannot read " << path << "\n";
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool blank = c == '\n' || c == '\t' || c == '\r';
    if (blank && !out.empty() && out.back() == ' ') continue;
    out += blank ? ' ' : c;
  }
  return out;
}

void print(const m::Site& s) {
  std::cout << s.id << '\t' << s.line << '\t' << s.column << '\t' << m::op_name(s.op) << '\t' << one_line(s.original)
            << '\t' << one_line(s.replacement) << '\n';
}

std::vector<m::Site> sites_of(const std::string& path, const std::string& text) {
  return m::find_sites(text, m::guess_language(path, text));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  const std::string cmd = args[0];
  if (cmd == "list" && args.size() == 2) {
    std::string text;
    if (!read(args[1], text)) return 1;
    for (const m::Site& s : sites_of(args[1], text)) print(s);
    return 0;
  }
  if (cmd == "apply" && args.size() == 4) {
    std::string text;
    if (!read(args[1], text)) return 1;
    int id = -1;
    const auto r = std::from_chars(args[2].data(), args[2].data() + args[2].size(), id);
    const std::vector<m::Site> sites = sites_of(args[1], text);
    if (r.ec != std::errc{} || r.ptr != args[2].data() + args[2].size() || id < 0 ||
        id >= static_cast<int>(sites.size())) {
      std::cerr << "xabi-mutate: " << args[1] << " has no site " << args[2] << " (" << sites.size() << " sites)\n";
      return 1;
    }
    const std::string mutant = m::apply(text, sites[id]);
    std::ofstream out(args[3], std::ios::binary | std::ios::trunc);
    out << mutant;
    if (!out.flush()) {
      std::cerr << "xabi-mutate: cannot write " << args[3] << "\n";
      return 1;
    }
    return 0;
  }
  if (cmd == "sample") {
    std::uint64_t seed = 1;
    std::vector<std::string> files;
    for (std::size_t k = 1; k < args.size(); ++k) {
      if (args[k] == "--seed" && k + 1 < args.size()) {
        const std::string& v = args[++k];
        if (std::from_chars(v.data(), v.data() + v.size(), seed).ec != std::errc{}) return usage();
      } else {
        files.push_back(args[k]);
      }
    }
    if (files.empty()) return usage();
    struct Entry {
      std::uint64_t key;
      std::size_t file;
      m::Site site;
    };
    std::vector<Entry> all;
    for (std::size_t f = 0; f < files.size(); ++f) {
      std::string text;
      if (!read(files[f], text)) return 1;
      for (m::Site& s : sites_of(files[f], text)) all.push_back({m::sample_key(seed, files[f], s.id), f, std::move(s)});
    }
    std::sort(all.begin(), all.end(), [&](const Entry& a, const Entry& b) {
      return std::tie(a.key, files[a.file], a.site.id) < std::tie(b.key, files[b.file], b.site.id);
    });
    for (const Entry& e : all) {
      std::cout << files[e.file] << '\t';
      print(e.site);
    }
    return 0;
  }
  return usage();
}
