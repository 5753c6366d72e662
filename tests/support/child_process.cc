#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <utility>

namespace xabi::test {

Child::Child(Child&& o) noexcept : pid(std::exchange(o.pid, -1)), out_fd(std::exchange(o.out_fd, -1)), err_fd(std::exchange(o.err_fd, -1)) {}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    this->~Child();
    pid = std::exchange(o.pid, -1);
    out_fd = std::exchange(o.out_fd, -1);
    err_fd = std::exchange(o.err_fd, -1);
  }
  return *this;
}

Child::~Child() {
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
  for (int* fd : {&out_fd, &err_fd})
    if (*fd >= 0) close(std::exchange(*fd, -1));
}

Child start_process(const std::string& bin, const std::vector<std::string>& args, const EnvOverrides& env) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return {};
  // argv and the environment are built before fork: only async-signal-safe
  // calls in the child of a (possibly threaded) test.
  std::vector<char*> argv{const_cast<char*>(bin.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) envs.push_back(kv);
  }
  for (const auto& [k, v] : env)
    if (v) envs.push_back(k + "=" + *v);
  std::vector<char*> envp;
  for (auto& kv : envs) envp.push_back(kv.data());
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    execve(bin.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  return {pid, out[0], err[0]};
}

ChildRun finish_process(Child& c, int timeout_ms) {
  ChildRun r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) {
      r.timed_out = true;
      r.err += "[test: timed out]";
      kill(c.pid, SIGKILL);
      break;
    }
    pollfd p[2] = {{c.out_fd, POLLIN, 0}, {c.err_fd, POLLIN, 0}};
    if (poll(p, 2, left) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(p[i].fd, buf, sizeof buf);
      int& fd = i == 0 ? c.out_fd : c.err_fd;
      if (n <= 0) {
        close(fd);
        fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (c.out_fd >= 0) close(std::exchange(c.out_fd, -1));
  if (c.err_fd >= 0) close(std::exchange(c.err_fd, -1));
  int st = 0;
  waitpid(c.pid, &st, 0);
  c.pid = -1;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

ChildRun run_process(const std::string& bin, const std::vector<std::string>& args, const EnvOverrides& env, int timeout_ms) {
  Child c = start_process(bin, args, env);
  return finish_process(c, timeout_ms);
}

}  // namespace xabi::test
