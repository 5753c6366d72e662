#include "host_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace xabi::conform {
namespace {

std::string read_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = size > static_cast<std::streamoff>(max_bytes) ? size - static_cast<std::streamoff>(max_bytes) : 0;
  in.seekg(from);
  std::string s(static_cast<size_t>(size - from), '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

}  // namespace

std::string HostExit::describe() const {
  if (exited) return "exited " + std::to_string(code);
  return "killed by signal " + std::to_string(code) + " (" + strsignal(code) + ")";
}

HostProcess::~HostProcess() {
  if (pid_ > 0 && !exit_) {
    kill_group();
    (void)wait_for(std::chrono::milliseconds(5000));
  }
}

Status HostProcess::start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::string& dir, const std::string& stdin_path) {
  const auto cannot = [](std::string why) { return Error{ConformError::kHostStart, std::move(why)}; };
  if (argv.empty()) return cannot("empty host command");
  dir_ = dir;
  std::string out = dir + "/" + kHostStdout, err = dir + "/" + kHostStderr;
  const std::string in_path = stdin_path.empty() ? "/dev/null" : stdin_path;
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  // The environment is built here: setenv in the child of a threaded parent
  // could deadlock in malloc.
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) envs.push_back(kv);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (auto& kv : envs) cenv.push_back(kv.data());
  cenv.push_back(nullptr);
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0) return cannot(std::string("pipe: ") + strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    close(errpipe[0]);
    close(errpipe[1]);
    return cannot(std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until execvp.
    setpgid(0, 0);
    int in = open(in_path.c_str(), O_RDONLY);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0) _exit(127);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    // Nothing of the suite's (other cases' sockets, the origin server) leaks
    // into the host: an inherited peer socket would hide an EOF.
    unsigned keep = static_cast<unsigned>(errpipe[1]);
    if (keep > 3) syscall(SYS_close_range, 3u, keep - 1, 0u);
    syscall(SYS_close_range, keep + 1, ~0u, 0u);
    execvpe(cargv[0], cargv.data(), cenv.data());
    int code = errno;
    ssize_t ignored = write(errpipe[1], &code, sizeof code);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so the group exists before we may kill it
  close(errpipe[1]);
  int code = 0;
  ssize_t n = read(errpipe[0], &code, sizeof code);
  close(errpipe[0]);
  pid_ = pid;
  if (n == static_cast<ssize_t>(sizeof code)) {
    (void)wait_for(std::chrono::milliseconds(2000));
    return cannot("cannot run " + argv[0] + ": " + strerror(code));
  }
  return {};
}

std::optional<HostExit> HostProcess::poll() {
  if (exit_ || pid_ <= 0) return exit_;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    HostExit e;
    e.exited = WIFEXITED(status);
    e.code = e.exited ? WEXITSTATUS(status) : WTERMSIG(status);
    exit_ = e;
    kill(-pid_, SIGKILL);  // whatever the host left in its group
  }
  return exit_;
}

std::optional<HostExit> HostProcess::wait_for(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::microseconds(200);
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(5)) pause *= 2;
  }
  return exit_;
}

void HostProcess::kill_group() {
  if (pid_ > 0 && !exit_) kill(-pid_, SIGKILL);
}

std::string HostProcess::stderr_tail(size_t max_bytes) const { return read_tail(dir_ + "/" + kHostStderr, max_bytes); }
std::string HostProcess::stdout_text(size_t max_bytes) const { return read_tail(dir_ + "/" + kHostStdout, max_bytes); }

}  // namespace xabi::conform
