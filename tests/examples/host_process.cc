#include "host_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace xabi::test {

HostChild start_host(const std::vector<std::string>& args) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(XABI_HOST_BIN, argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  return {pid, out[0], err[0]};
}

HostRun finish_host(HostChild& c, int timeout_ms) {
  HostRun r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) {
      r.timed_out = true;
      kill(c.pid, SIGKILL);
      break;
    }
    pollfd p[2] = {{c.out_fd, POLLIN, 0}, {c.err_fd, POLLIN, 0}};
    if (poll(p, 2, left) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(i == 0 ? c.out_fd : c.err_fd);
        (i == 0 ? c.out_fd : c.err_fd) = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (c.out_fd >= 0) close(c.out_fd);
  if (c.err_fd >= 0) close(c.err_fd);
  int st = 0;
  waitpid(c.pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

HostRun run_host(const std::vector<std::string>& args, int timeout_ms) {
  HostChild c = start_host(args);
  return finish_host(c, timeout_ms);
}

}  // namespace xabi::test
