// Golden output: every artifact generated from tests/gen/tiny.textproto must
// equal the file under tests/gen/golden/. After a deliberate change to an
// emitter, regenerate with XABI_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emit.h"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Golden, TinySpecGeneratesTheCommittedFiles) {
  const fs::path dir(XABI_GEN_TESTDATA);
  xabi::gen::Diagnostics d("tests/gen/tiny.textproto");
  auto abi = xabi::gen::load_abi((dir / "tiny.textproto").string(), d);
  ASSERT_TRUE(d.ok()) << d.errors().front();
  xabi::gen::Diagnostics pd("tests/gen/tiny_profile.textproto");
  xabi::gen::load_profile(*abi, (dir / "tiny_profile.textproto").string(), pd);
  ASSERT_TRUE(pd.ok()) << pd.errors().front();
  abi->spec_path = "tests/gen/tiny.textproto";  // as the build names it: independent of the checkout's place
  abi->profile_path = "tests/gen/tiny_profile.textproto";
  const bool update = std::getenv("XABI_UPDATE_GOLDEN") != nullptr;
  for (const auto& a : xabi::gen::artifacts()) {
    const fs::path golden = dir / "golden" / a.path;
    const std::string text = a.emit(*abi);
    if (update) {
      fs::create_directories(golden.parent_path());
      std::ofstream(golden, std::ios::binary) << text;
      continue;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing (XABI_UPDATE_GOLDEN=1 creates it)";
    EXPECT_EQ(read(golden), text) << a.path << " differs from its golden file";
  }
}

}  // namespace
