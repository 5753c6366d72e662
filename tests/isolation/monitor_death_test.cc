// Fail closed: when xabi-host dies, however it dies, its picoprocess dies
// too, and never runs on unserved. The picoprocess changes its uid after
// arming the parent-death signal, which clears it (prctl(2)); these tests
// kill the real xabi-host binary under a parked picoprocess and look for the
// picoprocess afterwards (found 2026-12-03: a SIGTERM'd host left it alive).
#include <gtest/gtest.h>
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The sealed (Seccomp: 2) child of `host`, or -1.
int sealed_child(int host) {
  int found = -1;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      const int pid = atoi(e->d_name);
      if (pid <= 0) continue;
      const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
      const size_t rp = stat.rfind(')');
      if (rp == std::string::npos) continue;
      char state = 0;
      int ppid = 0;
      if (sscanf(stat.c_str() + rp + 2, "%c %d", &state, &ppid) != 2 || ppid != host) continue;
      if (read_file("/proc/" + std::to_string(pid) + "/status").find("Seccomp:\t2") != std::string::npos) found = pid;
    }
    closedir(d);
  }
  return found;
}

// Gone, or a zombie nobody has reaped yet: it runs no more.
bool dead(int pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t rp = stat.rfind(')');
  return stat.empty() || rp == std::string::npos || stat[rp + 2] == 'Z' || stat[rp + 2] == 'X';
}

void kill_the_host_and_look(int signal) {
  const pid_t host = fork();
  ASSERT_GE(host, 0);
  if (host == 0) {
    // The conformance agent, waiting for its control connection for good.
    const std::string sock = "unix:/tmp/xabi-monitor-death-" + std::to_string(getpid()) + ".sock";
    execl(XABI_HOST_BIN, "xabi-host", "run", "--listen", sock.c_str(), XABI_AGENT, nullptr);
    _exit(127);
  }
  int pico = -1;
  for (int i = 0; i < 500 && pico < 0; ++i) {
    pico = sealed_child(host);
    if (pico < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(pico, 0) << "no sealed picoprocess appeared below xabi-host " << host;
  ASSERT_FALSE(dead(pico));
  ASSERT_EQ(kill(host, signal), 0);
  int status = 0;
  ASSERT_EQ(waitpid(host, &status, 0), host);
  unlink(("/tmp/xabi-monitor-death-" + std::to_string(host) + ".sock").c_str());
  bool gone = false;
  for (int i = 0; i < 300 && !gone; ++i) {
    gone = dead(pico);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!gone) kill(pico, SIGKILL);  // do not leave it behind for the next test
  EXPECT_TRUE(gone) << "picoprocess " << pico << " still runs 3 s after its host died of signal " << signal;
}

TEST(MonitorDeath, APicoprocessDiesWithAKilledHost) { kill_the_host_and_look(SIGKILL); }

TEST(MonitorDeath, APicoprocessDiesWithATerminatedHost) { kill_the_host_and_look(SIGTERM); }

}  // namespace
