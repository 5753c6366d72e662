// A cgroup per picoprocess: pids (threads), memory and CPU weight, on cgroup
// v2, v1, or a mix, found once at start-up.
//
// Usage:
//   const CgroupTree& tree = cgroups();            // detected on first use
//   if (!tree.complete()) note(tree.summary());    // "pids: v1 at ..., memory: none (...)"
//   Result<PicoCgroup> cg = tree.create({.pids_max = 64, .memory_max = 96 << 20, .cpu_weight = 100});
//   ... the child writes "0" to each of cg.value().procs_fds() before execve ...
//   cg.value().pids_current(); cg.value().memory_peak();
//   // ~PicoCgroup removes the cgroup (after the picoprocess is reaped)
//
// Layout: for each controller, the hierarchy that has it (a v1 mount with that
// controller, or the v2 mount when its root lists it), then
//   v1: <mount>/<this process's cgroup>/xabi-<monitor pid>/pico-<n>
//       (v1 allows tasks beside child cgroups, so the subtree nests under the
//       monitor and stays inside any limit on it);
//   v2: <mount>/<this process's cgroup>/xabi-<monitor pid>/pico-<n> when this
//       process's cgroup is the root, else <mount>/xabi/xabi-<monitor pid>/pico-<n>
//       (v2's no-internal-processes rule forbids controllers below a cgroup
//       that holds the monitor itself).
// The monitor stays where it is; the whole xabi-<pid> subtree has the default
// CPU weight, so the monitor (one entity beside the subtree) is weighted above
// each single picoprocess. Subtrees of monitors that died are removed at
// start-up. Where a controller cannot be used, summary() says why; the launcher
// then relies on rlimits alone for it (docs/security-model.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "result.h"
#include "xabi/unique_fd.h"

namespace xabi::launch {


enum class Controller { kPids, kMemory, kCpu };
inline constexpr Controller kControllers[] = {Controller::kPids, Controller::kMemory, Controller::kCpu};
const char* controller_name(Controller c);  // "pids", "memory", "cpu"

struct CgroupLimits {
  uint64_t pids_max = 0;    // tasks (threads) alive at once
  uint64_t memory_max = 0;  // bytes of the picoprocess's own memory
  uint64_t cpu_weight = 100;  // v2 scale 1..10000 (v1 cpu.shares = weight * 1024 / 100)
};

// Where one controller lives, as detection found it.
struct ControllerPlace {
  int version = 0;        // 0 (unavailable), 1 or 2
  std::string base;       // the directory under which xabi-<pid> is made
  std::string reason;     // why unavailable
};

// What /proc/self/mountinfo and /proc/self/cgroup say, before touching the
// file system. Pure, so it is tested with other machines' texts.
struct CgroupPlan {
  ControllerPlace place[3];  // indexed by Controller
  std::string v2_mount;      // the cgroup2 mount, if any
};
CgroupPlan plan_cgroups(const std::string& mountinfo, const std::string& self_cgroup,
                        const std::string& v2_root_controllers);

class PicoCgroup {
 public:
  PicoCgroup() = default;
  PicoCgroup(PicoCgroup&&) noexcept = default;
  PicoCgroup& operator=(PicoCgroup&&) noexcept;
  PicoCgroup(const PicoCgroup&) = delete;
  PicoCgroup& operator=(const PicoCgroup&) = delete;
  ~PicoCgroup();

  bool empty() const { return dirs_.empty(); }
  // One open cgroup.procs per distinct hierarchy directory: the child joins
  // by writing "0" to each (before it drops privileges).
  std::vector<int> procs_fds() const;
  // The cgroup directory holding a controller ("" when that one is not used).
  std::string dir(Controller c) const;
  bool has(Controller c) const { return !dir(c).empty(); }

  // Readings; an error when the controller is not used or the file is gone.
  Result<uint64_t> pids_current() const;
  Result<uint64_t> pids_max_events() const;  // clones refused at the limit
  Result<uint64_t> memory_current() const;
  Result<uint64_t> memory_peak() const;

  // Removes the directories (retrying briefly while exiting tasks leave).
  void remove();

 private:
  friend class CgroupTree;
  struct Dir {
    std::string path;
    int version = 0;
    bool controllers[3] = {false, false, false};
    UniqueFd procs;
  };
  const Dir* find(Controller c) const;
  std::vector<Dir> dirs_;
};

class CgroupTree {
 public:
  // Finds the hierarchies and makes this process's xabi-<pid> subtrees.
  static CgroupTree detect();

  int version(Controller c) const { return place_[static_cast<int>(c)].version; }
  bool complete() const;  // every controller usable
  bool any() const;
  // One line per controller: where it is, or why not.
  std::string summary() const;

  // A new picoprocess cgroup with these limits in every usable hierarchy.
  Result<PicoCgroup> create(const CgroupLimits& limits) const;

  CgroupTree(CgroupTree&&) noexcept = default;
  ~CgroupTree();

 private:
  CgroupTree() = default;
  ControllerPlace place_[3];
  std::vector<std::string> subtrees_;  // the xabi-<pid> directories made
};

// The process's tree, detected on first use (thread-safe).
const CgroupTree& cgroups();

}  // namespace xabi::launch
