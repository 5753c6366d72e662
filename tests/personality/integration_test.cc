// The personality inside a real picoprocess: lx_guest runs under xabi-host
// and prints what it read from its embedded tar image (made by GNU tar from
// fixture/), which this test reads from the fixture files itself.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "child_process.h"

namespace {

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(PersonalityGuest, RunsUnderTheSeccompHost) {
  auto r = xabi::test::run_process(XABI_HOST_BIN, {"run", LX_GUEST});
  std::string greeting = slurp(FIXTURE_DIR "/data/greeting.txt"), lines = slurp(FIXTURE_DIR "/data/lines.txt");
  ASSERT_FALSE(greeting.empty());
  std::ostringstream want;
  want << greeting << lines << "size " << lines.size() << " mode 81a4\n";  // S_IFREG | 0644 in hex
  // GNU tar stores members in directory order; the personality lists the
  // newest first, so compare the set of entries, not their order.
  std::string out = r.out;
  for (const char* e : {"entry greeting.txt type 8\n", "entry lines.txt type 8\n"}) {
    size_t at = out.find(e);
    ASSERT_NE(at, std::string::npos) << e << " in\n" << r.out;
    out.erase(at, strlen(e));
  }
  want << "entries 4\n"
       << "realtime 1700000000 slept_enough 1\n"
       << "mmap zero 1 munmap 0\n"
       << "file map " << greeting.substr(0, 8) << "\n"
       << "ram disk\n"
       << "write to tar -30 unknown -38\n";
  EXPECT_EQ(out, want.str()) << r.err;
  EXPECT_EQ(r.status, 7) << "exit_group's status";
}

}  // namespace
