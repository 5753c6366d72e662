// Per-picoprocess cgroups; see cgroup.h.
#include "cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace xabi::launch {
namespace {

int index(Controller c) { return static_cast<int>(c); }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// Is `token` one of the `sep`-separated items of `list` (surrounding
// whitespace and newlines ignored)?
bool contains_token(const std::string& list, char sep, const std::string& token) {
  for (std::string t : split(list, sep)) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
    if (t == token) return true;
  }
  return false;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "a" + "/b" with one slash, and "/" as the empty relative path.
std::string join(const std::string& dir, const std::string& rel) {
  if (rel.empty() || rel == "/") return dir;
  if (rel[0] == '/') return dir + rel;
  return dir + "/" + rel;
}

// The part of `path` below the mount's root (cgroup paths in /proc/self/cgroup
// are relative to the hierarchy's root, mount roots may be a subtree).
std::string below_root(const std::string& path, const std::string& root) {
  if (root == "/" || root.empty()) return path;
  if (path.rfind(root, 0) == 0) return path.substr(root.size());
  return "/";  // we are outside what is mounted: use the mount itself
}

int write_file(const std::string& path, const std::string& value) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return -errno;
  if (write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) return -errno;
  return 0;
}

Result<uint64_t> read_number(const std::string& path, const std::string& key = "") {
  std::ifstream in(path);
  if (!in) return Error{ErrorCode::kSystem, path + ": cannot be read"};
  std::string line;
  while (std::getline(in, line)) {
    std::string value = line;
    if (!key.empty()) {
      if (line.rfind(key + " ", 0) != 0) continue;
      value = line.substr(key.size() + 1);
    }
    if (value == "max") return UINT64_MAX;
    try {
      return static_cast<uint64_t>(std::stoull(value));
    } catch (...) {
      return Error{ErrorCode::kSystem, path + ": not a number: " + value};
    }
  }
  return Error{ErrorCode::kSystem, path + ": no " + (key.empty() ? "value" : key)};
}

// rmdir, waiting a little while tasks that were just killed leave the cgroup.
void remove_dir(const std::string& path) {
  for (int i = 0; i < 200; ++i) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Ends every task still in a cgroup (a picoprocess that outlived its
// monitor): they are members now, so no pid can have been reused.
void kill_members(const std::string& path) {
  std::ifstream procs(path + "/cgroup.procs");
  for (long pid; procs >> pid;)
    if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
}

// Removes a subtree: its pico-* children first, their tasks killed.
void remove_subtree(const std::string& path) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path, ec))
    if (e.is_directory(ec) && e.path().filename().string().rfind("pico-", 0) == 0) {
      kill_members(e.path().string());
      remove_dir(e.path().string());
    }
  remove_dir(path);
}

// Subtrees of monitors that are gone (killed before they could clean up).
void sweep_stale(const std::string& base) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(base, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("xabi-", 0) != 0 || !e.is_directory(ec)) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + 5, &end, 10);
    if (end == name.c_str() + 5 || *end != '\0' || pid <= 0 || pid == getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    remove_subtree(e.path().string());
  }
}

std::atomic<uint64_t> g_next_pico{0};

}  // namespace

const char* controller_name(Controller c) {
  switch (c) {
    case Controller::kPids: return "pids";
    case Controller::kMemory: return "memory";
    case Controller::kCpu: return "cpu";
  }
  return "?";
}

CgroupPlan plan_cgroups(const std::string& mountinfo, const std::string& self_cgroup,
                        const std::string& v2_root_controllers) {
  CgroupPlan plan;
  struct Mount {
    std::string point, root;
  };
  std::map<std::string, Mount> v1;  // controller -> mount
  Mount v2;
  for (const std::string& line : split(mountinfo, '\n')) {
    // id parent maj:min root point options [optional...] - fstype source superoptions
    const std::vector<std::string> f = split(line, ' ');
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 5 || dash + 1 >= f.size()) continue;
    const std::string& fstype = f[dash + 1];
    const std::string super = dash + 3 < f.size() ? f[dash + 3] : "";
    if (fstype == "cgroup2") {
      if (v2.point.empty()) v2 = {f[4], f[3]};
    } else if (fstype == "cgroup") {
      for (Controller c : kControllers)
        if (contains_token(super, ',', controller_name(c)) && !v1.count(controller_name(c)))
          v1[controller_name(c)] = {f[4], f[3]};
    }
  }
  plan.v2_mount = v2.point;
  // Our place in each hierarchy.
  std::map<std::string, std::string> own_v1;  // controller -> path
  std::string own_v2;
  for (const std::string& line : split(self_cgroup, '\n')) {
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && controllers.empty()) {
      own_v2 = path;
      continue;
    }
    for (Controller c : kControllers)
      if (contains_token(controllers, ',', controller_name(c))) own_v1[controller_name(c)] = path;
  }
  for (Controller c : kControllers) {
    ControllerPlace& p = plan.place[index(c)];
    const std::string name = controller_name(c);
    if (auto m = v1.find(name); m != v1.end()) {
      p.version = 1;
      p.base = join(m->second.point, below_root(own_v1.count(name) ? own_v1[name] : "/", m->second.root));
    } else if (!v2.point.empty() && contains_token(v2_root_controllers, ' ', name)) {
      p.version = 2;
      const std::string rel = below_root(own_v2.empty() ? "/" : own_v2, v2.root);
      p.base = rel == "/" ? v2.point : join(v2.point, "/xabi");
    } else {
      p.reason = v2.point.empty() && v1.empty()
                     ? "no cgroup file system is mounted"
                     : "no cgroup v1 hierarchy has it and the cgroup2 mount" +
                           (v2.point.empty() ? std::string() : " at " + v2.point) +
                           " does not offer it";
    }
  }
  return plan;
}

// ---------------------------------------------------------------- PicoCgroup

PicoCgroup& PicoCgroup::operator=(PicoCgroup&& o) noexcept {
  if (this != &o) {
    remove();
    dirs_ = std::move(o.dirs_);
    o.dirs_.clear();
  }
  return *this;
}

PicoCgroup::~PicoCgroup() { remove(); }

std::vector<int> PicoCgroup::procs_fds() const {
  std::vector<int> fds;
  for (const Dir& d : dirs_) fds.push_back(d.procs.get());
  return fds;
}

const PicoCgroup::Dir* PicoCgroup::find(Controller c) const {
  for (const Dir& d : dirs_)
    if (d.controllers[index(c)]) return &d;
  return nullptr;
}

std::string PicoCgroup::dir(Controller c) const {
  const Dir* d = find(c);
  return d ? d->path : std::string();
}

Result<uint64_t> PicoCgroup::pids_current() const {
  const Dir* d = find(Controller::kPids);
  if (!d) return Error{ErrorCode::kWrongState, "no pids cgroup"};
  return read_number(d->path + "/pids.current");
}

Result<uint64_t> PicoCgroup::pids_max_events() const {
  const Dir* d = find(Controller::kPids);
  if (!d) return Error{ErrorCode::kWrongState, "no pids cgroup"};
  return read_number(d->path + "/pids.events", "max");
}

Result<uint64_t> PicoCgroup::memory_current() const {
  const Dir* d = find(Controller::kMemory);
  if (!d) return Error{ErrorCode::kWrongState, "no memory cgroup"};
  return read_number(d->path + (d->version == 2 ? "/memory.current" : "/memory.usage_in_bytes"));
}

Result<uint64_t> PicoCgroup::memory_peak() const {
  const Dir* d = find(Controller::kMemory);
  if (!d) return Error{ErrorCode::kWrongState, "no memory cgroup"};
  return read_number(d->path + (d->version == 2 ? "/memory.peak" : "/memory.max_usage_in_bytes"));
}

void PicoCgroup::remove() {
  for (Dir& d : dirs_) {
    d.procs.reset();
    remove_dir(d.path);
  }
  dirs_.clear();
}

// ---------------------------------------------------------------- CgroupTree

CgroupTree CgroupTree::detect() {
  CgroupTree t;
  std::string v2_controllers;
  const std::string mountinfo = slurp("/proc/self/mountinfo");
  CgroupPlan first = plan_cgroups(mountinfo, slurp("/proc/self/cgroup"), "");
  if (!first.v2_mount.empty()) v2_controllers = slurp(first.v2_mount + "/cgroup.controllers");
  CgroupPlan plan = plan_cgroups(mountinfo, slurp("/proc/self/cgroup"), v2_controllers);
  const std::string me = "xabi-" + std::to_string(getpid());

  // v2: the controllers must be enabled on the way down to our subtree.
  std::string v2_enable;
  for (Controller c : kControllers)
    if (plan.place[index(c)].version == 2) v2_enable += std::string(v2_enable.empty() ? "+" : " +") + controller_name(c);

  std::map<std::string, std::string> made;  // base -> error ("" = made)
  for (Controller c : kControllers) {
    ControllerPlace& p = plan.place[index(c)];
    if (p.version == 0) continue;
    if (!made.count(p.base)) {
      std::string error;
      if (p.version == 2 && p.base != plan.v2_mount) {
        if (mkdir(p.base.c_str(), 0755) != 0 && errno != EEXIST)
          error = "cannot create " + p.base + ": " + std::strerror(errno);
        else if (int e = write_file(plan.v2_mount + "/cgroup.subtree_control", v2_enable); e < 0)
          error = "cannot enable " + v2_enable + " in " + plan.v2_mount + ": " + std::strerror(-e);
      }
      const std::string subtree = p.base + "/" + me;
      if (error.empty()) {
        sweep_stale(p.base);
        if (std::filesystem::exists(subtree)) remove_subtree(subtree);  // a dead monitor with our pid
        if (mkdir(subtree.c_str(), 0755) != 0)
          error = "cannot create " + subtree + ": " + std::strerror(errno);
      }
      if (error.empty() && p.version == 2) {
        if (int e = write_file(p.base + "/cgroup.subtree_control", v2_enable); e < 0 && p.base != plan.v2_mount)
          error = "cannot enable " + v2_enable + " in " + p.base + ": " + std::strerror(-e);
        else if (int e2 = write_file(subtree + "/cgroup.subtree_control", v2_enable); e2 < 0)
          error = "cannot enable " + v2_enable + " in " + subtree + ": " + std::strerror(-e2);
      }
      if (error.empty()) t.subtrees_.push_back(subtree);
      made[p.base] = error;
    }
    if (!made[p.base].empty()) {
      p.version = 0;
      p.reason = made[p.base];
    }
  }
  for (Controller c : kControllers) t.place_[index(c)] = plan.place[index(c)];
  return t;
}

CgroupTree::~CgroupTree() {
  for (const std::string& s : subtrees_) remove_subtree(s);
}

bool CgroupTree::complete() const {
  for (Controller c : kControllers)
    if (version(c) == 0) return false;
  return true;
}

bool CgroupTree::any() const {
  for (Controller c : kControllers)
    if (version(c) != 0) return true;
  return false;
}

std::string CgroupTree::summary() const {
  std::string out;
  for (Controller c : kControllers) {
    const ControllerPlace& p = place_[index(c)];
    if (!out.empty()) out += "; ";
    out += std::string(controller_name(c)) + ": ";
    out += p.version ? "cgroup v" + std::to_string(p.version) + " at " + p.base + "/xabi-" +
                           std::to_string(getpid())
                     : "not available (" + p.reason + ")";
  }
  return out;
}

Result<PicoCgroup> CgroupTree::create(const CgroupLimits& limits) const {
  PicoCgroup cg;
  const std::string name = "pico-" + std::to_string(g_next_pico.fetch_add(1));
  const std::string me = "xabi-" + std::to_string(getpid());
  for (Controller c : kControllers) {
    const ControllerPlace& p = place_[index(c)];
    if (p.version == 0) continue;
    const std::string path = p.base + "/" + me + "/" + name;
    PicoCgroup::Dir* d = nullptr;
    for (auto& e : cg.dirs_)
      if (e.path == path) d = &e;
    if (!d) {
      if (mkdir(path.c_str(), 0755) != 0)
        return Error{ErrorCode::kSystem, "cgroup: cannot create " + path + ": " + std::strerror(errno)};
      cg.dirs_.push_back({path, p.version, {false, false, false}, UniqueFd()});
      d = &cg.dirs_.back();
      d->procs = UniqueFd(open((path + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
      if (!d->procs)
        return Error{ErrorCode::kSystem, "cgroup: cannot open " + path + "/cgroup.procs: " + std::strerror(errno)};
    }
    d->controllers[index(c)] = true;
    // The limit files of this controller; optional ones may be absent.
    struct Setting {
      std::string file, value;
      bool optional;
    };
    std::vector<Setting> settings;
    switch (c) {
      case Controller::kPids:
        settings = {{"pids.max", std::to_string(limits.pids_max), false}};
        break;
      case Controller::kMemory:
        if (p.version == 2)
          settings = {{"memory.max", std::to_string(limits.memory_max), false},
                      {"memory.swap.max", "0", true},
                      {"memory.oom.group", "1", true}};
        else
          settings = {{"memory.limit_in_bytes", std::to_string(limits.memory_max), false},
                      {"memory.memsw.limit_in_bytes", std::to_string(limits.memory_max), true}};
        break;
      case Controller::kCpu:
        settings = {p.version == 2
                        ? Setting{"cpu.weight", std::to_string(limits.cpu_weight), false}
                        : Setting{"cpu.shares", std::to_string(std::max<uint64_t>(2, limits.cpu_weight * 1024 / 100)), false}};
        break;
    }
    for (const Setting& s : settings)
      if (int e = write_file(path + "/" + s.file, s.value); e < 0 && !(s.optional && (e == -ENOENT || e == -EACCES)))
        return Error{ErrorCode::kSystem, "cgroup: cannot write " + s.value + " to " + path + "/" + s.file +
                                             ": " + std::strerror(-e)};
  }
  return cg;
}

const CgroupTree& cgroups() {
  static const CgroupTree tree = CgroupTree::detect();
  return tree;
}

}  // namespace xabi::launch
