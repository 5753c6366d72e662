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

namespace {

struct HostRun {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
};

// Runs `bin args...` with XABI_MUTANT set to *mutant (unset if nullopt).
HostRun run(const char* bin, const std::vector<std::string>& args, std::optional<std::string> mutant,
        int timeout_ms = 20000) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (mutant) setenv("XABI_MUTANT", mutant->c_str(), 1);
    else unsetenv("XABI_MUTANT");
    std::vector<char*> argv{const_cast<char*>(bin)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin, argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  HostRun r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(p, 2, static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      const ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(p[i].fd);
        p[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (const pollfd& q : p)
    if (q.fd >= 0) close(q.fd);
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
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
