// Least privilege and host-enforced limits, read from the kernel's side:
// /proc/PID/status of a sealed picoprocess (uid, gid, groups, every
// capability set), its cgroups and their limits, and a guest that bypasses
// the PAL with raw clones (issue 9, findings 1 and 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cgroup.h"
#include "notify_loop.h"
#include "spawn.h"
#include "xabi/xabi.h"

namespace xabi::launch::testing {
namespace {

std::string Field(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      while (!v.empty() && (v[0] == '\t' || v[0] == ' ')) v.erase(0, 1);
      return v;
    }
  return "<missing>";
}

// A sealed picoprocess parked in FUTEX_WAIT (allowed), for looking at.
struct Parked {
  Result<Picoprocess> p;
  explicit Parked(LaunchSpec spec = Spec(GUEST_HOSTILE_PATH, {"syscall", "202", "@word", "0", "0"}, Mode::kKill))
      : p(launch(spec)) {}
};

TEST(Privileges, SealedPicoprocessHasNoUidZeroAndNoCapability) {
  Parked k;
  ASSERT_TRUE(k.p) << describe(k.p.error());
  ASSERT_TRUE(await_sealed(k.p.value(), std::chrono::seconds(5)));
  const std::string status = Slurp("/proc/" + std::to_string(k.p.value().pid()) + "/status");
  for (const char* ids : {"Uid", "Gid"}) {
    std::istringstream in(Field(status, ids));
    int n = 0;
    for (std::string id; in >> id; ++n) EXPECT_NE(id, "0") << ids << ": " << Field(status, ids);
    EXPECT_EQ(n, 4) << ids;
  }
  EXPECT_EQ(Field(status, "Groups"), "");
  for (const char* cap : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(Field(status, cap), "0000000000000000") << cap;
  EXPECT_EQ(Field(status, "NoNewPrivs"), "1");
  EXPECT_EQ(Field(status, "Seccomp"), "2");
  if (geteuid() == 0) {
    // Root monitor: an id of its own, derived from its pid.
    const uint32_t want = kPicoIdBase + static_cast<uint32_t>(k.p.value().pid());
    EXPECT_EQ(k.p.value().uid(), want);
    EXPECT_TRUE(k.p.value().own_uid());
    EXPECT_EQ(Field(status, "Uid").substr(0, Field(status, "Uid").find('\t')), std::to_string(want));
  }
}

TEST(Privileges, TwoPicoprocessesNeverShareAUid) {
  if (geteuid() != 0) GTEST_SKIP() << "per-picoprocess ids need a root monitor";
  Parked a, b;
  ASSERT_TRUE(a.p && b.p);
  EXPECT_NE(a.p.value().uid(), b.p.value().uid());
}

TEST(Cgroups, EachPicoprocessHasItsOwnWithTheLimits) {
  const CgroupTree& tree = cgroups();
  if (!tree.any()) GTEST_SKIP() << "no usable cgroup controller: " << tree.summary();
  Parked k;
  ASSERT_TRUE(k.p) << describe(k.p.error());
  ASSERT_TRUE(await_sealed(k.p.value(), std::chrono::seconds(5)));
  const PicoCgroup& cg = k.p.value().cgroup();
  const std::string own = Slurp("/proc/" + std::to_string(k.p.value().pid()) + "/cgroup");
  const std::string subtree = "/xabi-" + std::to_string(getpid()) + "/pico-";
  std::vector<std::string> dirs;
  for (Controller c : kControllers) {
    if (tree.version(c) == 0) {
      std::cout << "[ SKIPPED  ] " << controller_name(c) << ": " << tree.summary() << "\n";
      continue;
    }
    ASSERT_TRUE(cg.has(c)) << controller_name(c);
    EXPECT_NE(own.find(subtree), std::string::npos) << own;
    EXPECT_TRUE(std::filesystem::is_directory(cg.dir(c))) << cg.dir(c);
    dirs.push_back(cg.dir(c));
  }
  if (cg.has(Controller::kPids)) {
    EXPECT_EQ(Slurp(cg.dir(Controller::kPids) + "/pids.max"), std::to_string(XABI_LIMIT_THREADS) + "\n");
    ASSERT_TRUE(cg.pids_current());
    EXPECT_EQ(cg.pids_current().value(), 1u);  // the parked initial thread
  }
  if (cg.has(Controller::kMemory)) {
    const int v = tree.version(Controller::kMemory);
    const uint64_t limit = std::stoull(Slurp(cg.dir(Controller::kMemory) + (v == 2 ? "/memory.max" : "/memory.limit_in_bytes")));
    EXPECT_GE(limit, k.p.value().arena_size());
    EXPECT_LE(limit, k.p.value().arena_size() + (512ull << 20));
  }
  if (cg.has(Controller::kCpu)) {
    const int v = tree.version(Controller::kCpu);
    EXPECT_EQ(Slurp(cg.dir(Controller::kCpu) + (v == 2 ? "/cpu.weight" : "/cpu.shares")),
              v == 2 ? "100\n" : "1024\n");
  }
  // Gone with the picoprocess.
  k.p = Error{ErrorCode::kWrongState, "destroyed"};
  for (const std::string& d : dirs) EXPECT_FALSE(std::filesystem::exists(d)) << d;
}

// The guest's exit status is the number of raw clones that succeeded.
int CloneStorm(bool use_cgroups, bool use_rlimit, uint64_t* pids_max_events = nullptr) {
  LaunchSpec spec = Spec(GUEST_CLONE_STORM_PATH, {"clone_storm", "200"}, Mode::kKill);
  spec.use_cgroups = use_cgroups;
  spec.use_rlimit_threads = use_rlimit;
  Result<Picoprocess> p = launch(spec);
  EXPECT_TRUE(p) << describe(p.error());
  if (!p) return -1;
  Status sealed = await_sealed(p.value(), std::chrono::seconds(5));
  EXPECT_TRUE(sealed) << describe(sealed.error());
  if (!sealed) return -1;
  const GuestRun r = Serve(p.value(), std::chrono::seconds(30));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.reports.empty()) << "a thread clone is allowed; the limit is not a violation";
  if (pids_max_events && p.value().cgroup().has(Controller::kPids)) {
    auto e = p.value().cgroup().pids_max_events();
    *pids_max_events = e ? e.value() : 0;
  }
  EXPECT_TRUE(r.exit.exited) << r.exit.describe();
  return r.exit.exited ? r.exit.code : -1;
}

TEST(Limits, RawCloneStormStopsAtLimitThreadsInItsCgroup) {
  if (cgroups().version(Controller::kPids) == 0) GTEST_SKIP() << "no pids controller: " << cgroups().summary();
  uint64_t refused = 0;
  // The initial thread plus 63 clones: LIMIT_THREADS; then the host says no,
  // and xabi_thread_create is refused too (the guest checks: 253 otherwise).
  EXPECT_EQ(CloneStorm(true, false, &refused), static_cast<int>(XABI_LIMIT_THREADS) - 1);
  EXPECT_GE(refused, 1u) << "the pids cgroup, not something else, refused the clone";
}

TEST(Limits, RawCloneStormStopsAtLimitThreadsWithEverythingOn) {
  EXPECT_EQ(CloneStorm(true, true), static_cast<int>(XABI_LIMIT_THREADS) - 1);
}

TEST(Limits, WithoutTheHostsLimitsTheStormPassesLimitThreads) {
  // The control: the PAL's own count is no wall (this is what b83f27c did).
  EXPECT_GT(CloneStorm(false, false), static_cast<int>(XABI_LIMIT_THREADS));
}

TEST(Limits, RawCloneStormStopsAtLimitThreadsByRlimitAlone) {
  if (geteuid() != 0) GTEST_SKIP() << "RLIMIT_NPROC is only the picoprocess's own with a uid of its own (root monitor)";
  EXPECT_EQ(CloneStorm(false, true), static_cast<int>(XABI_LIMIT_THREADS) - 1);
}

TEST(Cgroups, PlanFindsV1ControllersBelowOurOwnCgroup) {
  const std::string mountinfo =
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
      "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  const std::string self = "8:pids:/\n4:memory:/jobs/42\n1:cpu,cpuacct:/\n0::/\n";
  const CgroupPlan plan = plan_cgroups(mountinfo, self, "");
  EXPECT_EQ(plan.place[0].version, 1);
  EXPECT_EQ(plan.place[0].base, "/sys/fs/cgroup/pids");
  EXPECT_EQ(plan.place[1].base, "/sys/fs/cgroup/memory/jobs/42");
  EXPECT_EQ(plan.place[2].base, "/sys/fs/cgroup/cpu,cpuacct");  // not cpuset
  EXPECT_EQ(plan.v2_mount, "/sys/fs/cgroup/unified");
}

TEST(Cgroups, PlanUsesTheUnifiedHierarchyWhereItHasTheControllers) {
  const std::string mountinfo = "30 24 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
  // A systemd session: controllers cannot be enabled below a cgroup that holds
  // the monitor, so the subtree goes to /xabi at the root.
  CgroupPlan plan = plan_cgroups(mountinfo, "0::/user.slice/user-0.slice/session-3.scope\n", "cpuset cpu io memory pids\n");
  for (const auto& p : plan.place) {
    EXPECT_EQ(p.version, 2);
    EXPECT_EQ(p.base, "/sys/fs/cgroup/xabi");
  }
  // A container whose cgroup namespace root is ours.
  plan = plan_cgroups(mountinfo, "0::/\n", "memory pids\n");
  EXPECT_EQ(plan.place[0].base, "/sys/fs/cgroup");
  EXPECT_EQ(plan.place[2].version, 0);
  EXPECT_NE(plan.place[2].reason.find("does not offer it"), std::string::npos) << plan.place[2].reason;
  // Nothing mounted at all.
  plan = plan_cgroups("22 1 0:21 / /proc rw - proc proc rw\n", "", "");
  EXPECT_EQ(plan.place[1].version, 0);
  EXPECT_EQ(plan.place[1].reason, "no cgroup file system is mounted");
}

}  // namespace
}  // namespace xabi::launch::testing
