// Runs a program as a child for tests: stdout and stderr captured, an
// environment override, a timeout after which it is killed, the exit status
// (128 + N for a signal). Shared by every test that runs a host binary.
//
//   ChildRun r = run_process(XABI_HOST_BIN, {"run", image}, {{"XABI_MUTANT", "x"}});
//   EXPECT_EQ(r.status, 0) << r.err;
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xabi::test {

struct ChildRun {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  bool timed_out = false;
};

// A started child; finish_process() collects it. One that is never finished
// (a failed ASSERT) is killed and reaped when this goes out of scope.
struct Child {
  int pid = -1, out_fd = -1, err_fd = -1;
  Child() = default;
  Child(int p, int out, int err) : pid(p), out_fd(out), err_fd(err) {}
  Child(Child&& o) noexcept;
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();
};

// env: name -> value to set, or nullopt to unset.
using EnvOverrides = std::map<std::string, std::optional<std::string>>;

Child start_process(const std::string& bin, const std::vector<std::string>& args, const EnvOverrides& env = {});
ChildRun finish_process(Child& c, int timeout_ms = 20000);
ChildRun run_process(const std::string& bin, const std::vector<std::string>& args, const EnvOverrides& env = {},
                     int timeout_ms = 20000);

}  // namespace xabi::test
