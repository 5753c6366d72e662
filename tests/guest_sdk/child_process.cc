// Running a program in a child process; see child_process.h.
#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace {

// Runs in the forked child: only async-signal-safe calls until execv.
[[noreturn]] void ExecChild(char* const* args, int out_fd, int err_fd) {
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  execv(args[0], args);
  _exit(127);
}

// Reads from both pipes until both are closed; kills the child at `deadline`.
void Drain(pid_t pid, int out_fd, int err_fd, std::chrono::steady_clock::time_point deadline,
           ChildResult& r) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_count = 2;
  while (open_count > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !r.timed_out) {
      kill(pid, SIGKILL);  // the pipes close once it is gone
      r.timed_out = true;
    }
    int n = poll(fds, 2, r.timed_out ? 1000 : static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
}

}  // namespace

std::string ChildResult::Describe() const {
  std::string s;
  if (timed_out) s = "timed out, ";
  if (exited)
    s += "exited with status " + std::to_string(exit_code);
  else if (signal != 0)
    s += "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  else
    s += "did not run";
  if (!err.empty()) s += "; stderr: " + err;
  return s;
}

ChildResult RunChild(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ChildResult r;
  std::vector<char*> args;  // built before fork: the child must not allocate
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return r;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return r;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pid_t pid = fork();
  if (pid == 0) ExecChild(args.data(), out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return r;
  }
  Drain(pid, out_pipe[0], err_pipe[0], deadline, r);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}
