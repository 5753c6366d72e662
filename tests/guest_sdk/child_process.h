// Running a program in a child process and collecting what it did.
//
// Usage:
//   ChildResult r = RunChild({XABI_BOOTSTRAP_PATH, GUEST_HELLO_PATH});
//   EXPECT_TRUE(r.Exited(0)) << r.Describe();
//   EXPECT_EQ(r.out, "hello\n");
//
// stdout and stderr are captured separately. A child still running after
// `timeout` is killed (SIGKILL) and reported as timed out. Core dumps are
// disabled in the child, since crashing is an expected outcome here. File
// descriptors the caller opened without O_CLOEXEC (e.g. a memfd) are
// inherited, so their numbers can be passed on the command line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

struct ChildResult {
  bool exited = false;    // ended through exit; see exit_code
  int exit_code = -1;
  int signal = 0;         // nonzero if killed by a signal
  bool timed_out = false;
  std::string out, err;

  bool Exited(int code) const { return exited && exit_code == code; }
  bool KilledBy(int sig) const { return !exited && signal == sig; }
  // "exited with status 0" / "killed by signal 11 (Segmentation fault)", plus stderr.
  std::string Describe() const;
};

ChildResult RunChild(const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
