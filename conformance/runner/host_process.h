// One run of a host command: its own process group, stdout and stderr in
// files, a deadline. The suite never waits on a host without a bound, and
// kills the whole group (the host and anything it left behind) when done.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conformance/conform_error.h"

namespace xabi::conform {

// The files a host's output goes to, in its work directory (.txt: a browser
// shows them when report.html links them).
inline constexpr const char* kHostStdout = "host.stdout.txt";
inline constexpr const char* kHostStderr = "host.stderr.txt";
inline constexpr const char* kHostStdin = "host.stdin.txt";  // written by the case (stdin "text")

struct HostExit {
  bool exited = false;  // false: a signal ended it
  int code = 0;         // exit status, or the signal number
  std::string describe() const;  // "exited 0", "killed by signal 9"
};

class HostProcess {
 public:
  HostProcess() = default;
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;
  ~HostProcess();  // kills the group and reaps

  // Starts argv (argv[0] looked up in PATH when it has no slash). Output goes
  // to dir/kHostStdout and dir/kHostStderr; standard input is stdin_path
  // (empty: /dev/null). kHostStart when it cannot.
  Status start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& dir, const std::string& stdin_path = "");

  // Waits until the host ends or the time is up.
  std::optional<HostExit> wait_for(std::chrono::milliseconds limit);
  std::optional<HostExit> poll();  // without waiting
  void kill_group();
  pid_t pid() const { return pid_; }
  const std::optional<HostExit>& exit() const { return exit_; }
  std::string stderr_tail(size_t max_bytes = 4000) const;
  std::string stdout_text(size_t max_bytes = 1 << 20) const;

 private:
  pid_t pid_ = -1;
  std::optional<HostExit> exit_;
  std::string dir_;
};

}  // namespace xabi::conform
