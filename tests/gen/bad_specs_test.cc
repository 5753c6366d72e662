// Every bad spec in tests/gen/bad/ carries the diagnostics xabi-gen must give,
// as `# ERROR: text` on the line they are about (syzkaller's testdata style).
// xabi-gen must report exactly those: each marked one, nothing else.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "abi.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> bad_specs() {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(fs::path(XABI_GEN_TESTDATA) / "bad"))
    if (e.path().extension() == ".textproto") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

class BadSpec : public ::testing::TestWithParam<fs::path> {};

TEST_P(BadSpec, ReportsExactlyTheMarkedDiagnostics) {
  const fs::path path = GetParam();
  std::multimap<int, std::string> expected;
  {
    std::ifstream in(path);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      // One or more markers: `# ERROR: text  # ERROR: text`.
      for (size_t at = line.find("# ERROR: "); at != std::string::npos;) {
        size_t next = line.find("# ERROR: ", at + 9);
        std::string text = line.substr(at + 9, next == std::string::npos ? std::string::npos : next - at - 9);
        while (!text.empty() && text.back() == ' ') text.pop_back();
        expected.emplace(n, text);
        at = next;
      }
    }
  }
  ASSERT_FALSE(expected.empty()) << path << " marks no diagnostic";

  // A host profile (*.profile.textproto) is checked against the tiny spec,
  // which loads cleanly; its diagnostics name the profile.
  const bool profile = path.stem().extension() == ".profile";
  xabi::gen::Diagnostics diags(path.string());
  if (profile) {
    xabi::gen::Diagnostics spec_diags("tiny.textproto");
    auto abi = xabi::gen::load_abi((fs::path(XABI_GEN_TESTDATA) / "tiny.textproto").string(), spec_diags);
    ASSERT_TRUE(spec_diags.ok()) << spec_diags.errors().front();
    xabi::gen::load_profile(*abi, path.string(), diags);
  } else {
    xabi::gen::load_abi(path.string(), diags);
  }
  ASSERT_FALSE(diags.ok()) << path << " was accepted";

  const std::regex where(R"(^[^:]+:(\d+):(\d+:)? (.*)$)");
  std::vector<bool> matched(expected.size(), false);
  for (const auto& d : diags.errors()) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(d, m, where)) << "diagnostic without file:line: " << d;
    int line = std::stoi(m[1]);
    bool ok = false;
    size_t i = 0;
    for (const auto& [l, text] : expected) {
      if (l == line && d.find(text) != std::string::npos) {
        matched[i] = true;
        ok = true;
      }
      ++i;
    }
    EXPECT_TRUE(ok) << "unexpected diagnostic: " << d;
  }
  size_t i = 0;
  for (const auto& [l, text] : expected) {
    EXPECT_TRUE(matched[i]) << path.filename() << ":" << l << ": expected a diagnostic containing \"" << text << "\"";
    ++i;
  }
}

INSTANTIATE_TEST_SUITE_P(Generator, BadSpec, ::testing::ValuesIn(bad_specs()),
                         [](const auto& info) {
                           std::string n = info.param.stem().string();
                           for (char& c : n) c = c == '.' ? '_' : c;  // gtest names: no dots
                           return n;
                         });

// The whole ABI spec with one call id duplicated: the binary refuses it and
// names both places.
TEST(GeneratorBinary, DuplicatedCallIdInTheRealSpecNamesBothPlaces) {
  std::ifstream in(fs::path(XABI_SOURCE_DIR) / "spec/xabi.textproto");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string spec = ss.str();
  const std::string from = "id: 2 name: \"free\"";
  auto at = spec.find(from);
  ASSERT_NE(at, std::string::npos);
  spec.replace(at, from.size(), "id: 1 name: \"free\"");
  const fs::path copy = fs::temp_directory_path() / ("xabi-dup-" + std::to_string(::getpid()) + ".textproto");
  std::ofstream(copy) << spec;

  std::string cmd = std::string(XABI_GEN_BIN) + " --check " + copy.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 512> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  fs::remove(copy);
  EXPECT_NE(status, 0);
  // The first call (alloc) and the changed one (free), both with their lines.
  const int alloc_line = [&] {
    int n = 1;
    for (size_t i = 0; i < spec.find("id: 1 name: \"alloc\""); ++i) n += spec[i] == '\n';
    return n;
  }();
  const int free_line = [&] {
    int n = 1;
    for (size_t i = 0; i < spec.find("id: 1 name: \"free\""); ++i) n += spec[i] == '\n';
    return n;
  }();
  EXPECT_NE(out.find(copy.string() + ":" + std::to_string(free_line) + ":"), std::string::npos) << out;
  EXPECT_NE(out.find("duplicate call id 1"), std::string::npos) << out;
  EXPECT_NE(out.find(":" + std::to_string(alloc_line) + ":"), std::string::npos) << "first place not named: " << out;
}

}  // namespace
