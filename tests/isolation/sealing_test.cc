// (c) The sealing handshake, checked from the monitor's side while the guest
// is parked (the hostile guest blocks in FUTEX_WAIT on its own word, which is
// allowed): listener taken, Seccomp 2, NoNewPrivs 1, only the doorbell and the
// listener open, empty environment, own namespaces; and a bootstrap that
// cannot seal is reported by name.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "host_link.h"
#include "notify_loop.h"

namespace xabi::launch::testing {
namespace {

std::string NsLink(const std::string& pid, const char* ns) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + pid + "/ns/" + ns, ec).string();
}

TEST(Sealing, SealedPicoprocessHasOnlyItsChannels) {
  // FUTEX_WAIT(@word, 0, 0): sleeps until killed; allowed by the filter.
  Result<Picoprocess> p = launch(Spec(GUEST_HOSTILE_PATH, {"syscall", "202", "@word", "0", "0"},
                                      Mode::kKill));
  ASSERT_TRUE(p) << describe(p.error());
  Status s = await_sealed(p.value(), std::chrono::seconds(5));
  ASSERT_TRUE(s) << describe(s.error());
  Picoprocess& pp = p.value();
  EXPECT_EQ(pp.state(), Picoprocess::State::kSealed);
  EXPECT_GE(pp.listener_fd(), 0);
  const std::string pid = std::to_string(pp.pid());
  const std::string status = Slurp("/proc/" + pid + "/status");
  EXPECT_NE(status.find("Seccomp:\t2\n"), std::string::npos);
  EXPECT_NE(status.find("NoNewPrivs:\t1\n"), std::string::npos);

  std::vector<int> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + pid + "/fd"))
    fds.push_back(std::stoi(e.path().filename().string()));
  std::sort(fds.begin(), fds.end());
  const int32_t listener = pp.call_area().header()->listener_fd;
  ASSERT_EQ(fds.size(), 2u);
  EXPECT_EQ(fds[0], listener);
  EXPECT_EQ(fds[1], XABI_LINK_FD_DOORBELL);
  EXPECT_EQ(std::filesystem::read_symlink("/proc/" + pid + "/fd/6").string(), "anon_inode:[eventfd]");

  EXPECT_EQ(Slurp("/proc/" + pid + "/environ"), "");
  for (const char* ns : {"pid_for_children", "net", "ipc", "mnt", "uts"}) {
    if ((std::string(ns) == "net" && !(pp.namespaces() & CLONE_NEWNET))) continue;
    EXPECT_NE(NsLink(pid, ns), NsLink("self", ns)) << ns;
  }
  EXPECT_TRUE(pp.namespaces() & CLONE_NEWPID);
  // The guest is running and blocked, not dead.
  EXPECT_EQ(pp.state(), Picoprocess::State::kSealed);
  ASSERT_TRUE(pp.kill());
  Result<ExitStatus> e = pp.wait();
  ASSERT_TRUE(e);
  EXPECT_TRUE(e.value().killed_by(SIGKILL)) << e.value().describe();
}

TEST(Sealing, InvalidImageIsRefusedByName) {
  // The bootstrap itself is a static PIE with PT_TLS: not a guest image.
  Result<Picoprocess> p = launch(Spec(XABI_BOOTSTRAP_PATH, {}, Mode::kKill));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidImage);
  EXPECT_NE(p.error().detail.find("ELF_IMAGE_"), std::string::npos) << p.error().detail;
}

TEST(Sealing, BootstrapThatCannotStartIsReported) {
  LaunchSpec spec = Spec(GUEST_HOSTILE_PATH, {}, Mode::kKill);
  spec.bootstrap_path = "/nonexistent/xabi-bootstrap";
  Result<Picoprocess> p = launch(spec);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kSpawnFailed);
  EXPECT_NE(p.error().detail.find("/nonexistent/xabi-bootstrap"), std::string::npos) << p.error().detail;
  // A file that exists but cannot be executed: the child's execveat fails and
  // the launcher names that step.
  spec.bootstrap_path = "/proc/self/status";
  p = launch(spec);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kSpawnFailed);
  EXPECT_NE(p.error().detail.find("execveat"), std::string::npos) << p.error().detail;
}

TEST(Sealing, NeverSealingIsATimeoutAndTheChildIsKilled) {
  // A "bootstrap" that starts and never rings the doorbell.
  LaunchSpec spec = Spec(GUEST_HOSTILE_PATH, {}, Mode::kKill);
  spec.bootstrap_path = NEVER_SEALS_PATH;
  Result<Picoprocess> p = launch(spec);
  ASSERT_TRUE(p) << describe(p.error());
  Status s = await_sealed(p.value(), std::chrono::milliseconds(300));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kSealTimeout);
  ASSERT_TRUE(p.value().exit_status().has_value());
  EXPECT_TRUE(p.value().exit_status()->killed_by(SIGKILL)) << p.value().exit_status()->describe();
}

TEST(Sealing, ImageUnreadableIsNamed) {
  Result<Picoprocess> p = launch(Spec("/nonexistent/guest", {}, Mode::kKill));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kImageUnreadable);
}

}  // namespace
}  // namespace xabi::launch::testing
