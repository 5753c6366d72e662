// xabi-host-mutant: its list of mutants, the refusal of an unknown one, that
// it is xabi-host when none is selected, a few mutants that visibly change
// what hello sees, and that the shipped xabi-host carries none of them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "child_process.h"

namespace {

using HostRun = xabi::test::ChildRun;

// Runs `bin args...` with XABI_MUTANT set to *mutant (unset if nullopt).
HostRun run(const char* bin, const std::vector<std::string>& args, std::optional<std::string> mutant,
            int timeout_ms = 20000) {
  return xabi::test::run_process(bin, args, {{"XABI_MUTANT", mutant}}, timeout_ms);
}

nlohmann::json mutant_list() {
  const HostRun r = run(XABI_HOST_MUTANT_BIN, {"mutants"}, std::nullopt);
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

const std::vector<std::string> kHello = {"run", XABI_HELLO_GUEST};
const std::string kGreeting = "hello from a picoprocess\n";

TEST(Mutants, ListHasAtLeast28WithUniqueNamesAndKnownGroups) {
  const nlohmann::json list = mutant_list();
  ASSERT_TRUE(list.is_array()) << list;
  EXPECT_GE(list.size(), 28u);
  const std::set<std::string> groups = {"memory", "process", "threads", "sync",
                                        "time",   "random",  "channels", "isolation"};
  std::set<std::string> names;
  for (const auto& m : list) {
    ASSERT_TRUE(m.is_object()) << m;
    for (const char* key : {"name", "group", "fault", "catch"}) {
      ASSERT_TRUE(m.contains(key) && m[key].is_string()) << m;
      EXPECT_FALSE(m[key].get<std::string>().empty()) << key << " of " << m;
    }
    const std::string name = m["name"];
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    EXPECT_TRUE(groups.count(m["group"].get<std::string>())) << m;
  }
}

TEST(Mutants, UnknownMutantExits2) {
  const HostRun r = run(XABI_HOST_MUTANT_BIN, kHello, "no_such_mutant");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("no_such_mutant"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Mutants, NoMutantSelectedRunsHelloLikeXabiHost) {
  const HostRun host = run(XABI_HOST_BIN, kHello, std::nullopt);
  EXPECT_EQ(host.status, 0) << host.err;
  EXPECT_EQ(host.out, kGreeting);
  for (std::optional<std::string> unset : {std::optional<std::string>(), std::optional<std::string>("")}) {
    const HostRun m = run(XABI_HOST_MUTANT_BIN, kHello, unset);
    EXPECT_EQ(m.status, host.status) << m.err;
    EXPECT_EQ(m.out, host.out);
    EXPECT_EQ(m.err, host.err);
  }
}

TEST(Mutants, TheShippedHostIgnoresXabiMutant) {
  const HostRun r = run(XABI_HOST_BIN, kHello, "write_drops");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kGreeting);
}

// A few mutants hello itself exposes (hello: console(), print, exit 0; 2 if
// console() failed).
TEST(Mutants, SomeMutantsVisiblyBreakHello) {
  struct Case {
    const char* mutant;
    int status;
    std::string out;
  };
  const Case cases[] = {
      {"exit_status_off", 1, kGreeting},
      {"console_unsupported", 2, ""},
      {"write_drops", 0, ""},
      {"args_drop_last", 0, kGreeting},  // hello ignores its arguments: not visible here
      {"filter_allow_getpid", 0, kGreeting},  // hello makes no forbidden call
  };
  for (const Case& c : cases) {
    const HostRun r = run(XABI_HOST_MUTANT_BIN, kHello, c.mutant);
    EXPECT_EQ(r.status, c.status) << c.mutant << ": " << r.err;
    EXPECT_EQ(r.out, c.out) << c.mutant;
  }
}

TEST(Mutants, ShippedHostContainsNoMutantName) {
  std::ifstream in(XABI_HOST_BIN, std::ios::binary);
  ASSERT_TRUE(in) << XABI_HOST_BIN;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100000u);
  const nlohmann::json list = mutant_list();
  ASSERT_TRUE(list.is_array());
  for (const auto& m : list) {
    const std::string name = m["name"];
    EXPECT_EQ(bytes.find(name), std::string::npos) << name << " is in " << XABI_HOST_BIN;
  }
  for (const char* marker : {"XABI_MUTANT", "xabi-host-mutant", "mutants.def"})
    EXPECT_EQ(bytes.find(marker), std::string::npos) << marker << " is in " << XABI_HOST_BIN;
  // The mutant binary does hold them: the scan above can see names.
  std::ifstream min(XABI_HOST_MUTANT_BIN, std::ios::binary);
  const std::string mbytes((std::istreambuf_iterator<char>(min)), std::istreambuf_iterator<char>());
  EXPECT_NE(mbytes.find("free_no_punch"), std::string::npos);
}

}  // namespace
