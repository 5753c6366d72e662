// The command-line binaries as a demanding user meets them: every path option
// fed an unwritable path, a missing path and a directory; bad option values;
// --version and --help; and the exit statuses each binary documents. Every
// test runs the real binary as a child (tests/support/child_process.h).
//
// A failing run must say what was wrong, naming the path or value, exit with
// the documented status, never abort (134, "terminate called"), and never
// exit 0 when a report it was asked to write was not written.
//
// Paths that defeat root too (the tests may run as root): /sys refuses new
// files with EACCES, /proc/<missing>/ cannot be created, /dev/full opens but
// every write fails with ENOSPC.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "xabi/meta.hpp"
#include "xabi/host_exits.h"

namespace {

namespace fs = std::filesystem;
using xabi::test::ChildRun;

const std::string kHello = XABI_EXAMPLES_DIR "/hello";
const std::string kFetch = XABI_EXAMPLES_DIR "/fetch";
const std::string kAdapters = XABI_ADAPTERS_DIR;
constexpr int kUsage = XABI_HOST_EXIT_USAGE;
constexpr int kLaunchFailed = XABI_HOST_EXIT_LAUNCH_FAILED;

// Unusable output paths, each with what makes it unusable.
const std::string kUnwritable = "/sys/xabi-cli-test-unwritable";  // EACCES, even for root
const std::string kNoParent = "/proc/xabi-cli-test-nope/x";       // the parent cannot exist

ChildRun run(const std::string& bin, const std::vector<std::string>& args, int timeout_ms = 60000) {
  return xabi::test::run_process(bin, args, {{"XABI_MUTANT", std::nullopt}, {"XABI_BOOTSTRAP", std::nullopt}}, timeout_ms);
}

std::string show(const ChildRun& r) {
  return "status " + std::to_string(r.status) + "\nstderr: " + r.err + "\nstdout: " + r.out.substr(0, 2000);
}

// No abort, no escaped exception, no hang.
void expect_no_crash(const ChildRun& r) {
  EXPECT_NE(r.status, 134) << show(r);
  EXPECT_FALSE(r.timed_out) << show(r);
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << show(r);
}

// The documented status, and a message on stderr that names `what` (and
// says `why`, when given).
void expect_failure(const ChildRun& r, int status, const std::string& what, const std::string& why = "") {
  expect_no_crash(r);
  EXPECT_EQ(r.status, status) << "for " << what << "\n" << show(r);
  EXPECT_NE(r.err.find(what), std::string::npos) << "the message does not name " << what << "\n" << show(r);
  if (!why.empty()) {
    EXPECT_NE(r.err.find(why), std::string::npos) << "the message does not say \"" << why << "\"\n" << show(r);
  }
}

const std::string kENOENT = "No such file or directory";
const std::string kIsDir = "directory";

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/xabi-cli-test-XXXXXX";
    path_ = mkdtemp(t);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- the hosts: xabi-host, xabi-host-mutant (the same CLI), xabi-refhost ----

struct Host {
  std::string name;
  std::string bin;
  bool has_report;  // --report FILE (xabi-host only)
};

void PrintTo(const Host& h, std::ostream* os) { *os << h.name; }

std::vector<Host> hosts() {
  std::vector<Host> h = {{"xabi_host", XABI_HOST_BIN, true}, {"xabi_refhost", XABI_REFHOST_BIN, false}};
#ifdef XABI_HOST_MUTANT_BIN
  h.push_back({"xabi_host_mutant", XABI_HOST_MUTANT_BIN, true});
#endif
  return h;
}

class HostCli : public ::testing::TestWithParam<Host> {
 protected:
  ChildRun host(std::vector<std::string> args) {
    args.insert(args.begin(), "run");
    return run(GetParam().bin, args);
  }
};

// --origin is exactly http://host[:port]; a lone trailing '/' is accepted and
// dropped. Anything else is a usage error before anything starts.
TEST_P(HostCli, OriginMustBeHttpHostPort) {
  for (const std::string good : {"http://127.0.0.1", "http://127.0.0.1:8080", "http://example.com", "http://Example.COM:1",
                                 "http://a-b.c-d.example", "http://[::1]", "http://[::1]:80", "http://[2001:db8::7]:65535",
                                 "http://localhost/", "http://localhost:80/"}) {
    const ChildRun r = host({"--origin", good, kHello});
    expect_no_crash(r);
    EXPECT_EQ(r.status, 0) << good << " was refused\n" << show(r);
  }
  for (const std::string bad :
       {"garbage", "", "http://h:1/path", "http://h/path", "http://h//", "http://h/?", "https://h", "HTTP://h", "Http://h",
        "ftp://h", "http://", "http:/h", "http//h", "http://:80", "http://h:", "http://h:0", "http://h:65536", "http://h:8a",
        "http://h:99999999", "http://user@h", "http://user:pw@h", "http://h?q", "http://h#f", "http://h:80?q",
        "http://[::1", "http://[]", "http://[zz]", "http://[::1]x", "http://[:::::]", "http://h_x", "http://h x",
        " http://h", "http://h ", "http://h\t", "http://h/\n"}) {
    const ChildRun r = host({"--origin", bad, kHello});
    expect_no_crash(r);
    EXPECT_EQ(r.status, kUsage) << "--origin \"" << bad << "\" was accepted\n" << show(r);
    EXPECT_NE(r.err.find("--origin"), std::string::npos) << show(r);
    if (!bad.empty() && bad.find_first_of("\t\n") == std::string::npos) {
      EXPECT_NE(r.err.find(bad), std::string::npos) << "the message does not quote " << bad << "\n" << show(r);
    }
  }
}

// The normalised origin is the one the guest's URLs are checked against:
// "http://127.0.0.1:PORT/" serves "http://127.0.0.1:PORT/data".
TEST_P(HostCli, OriginWithTrailingSlashIsTheSameOrigin) {
  httplib::Server server;
  server.Get("/data", [](const httplib::Request&, httplib::Response& res) { res.set_content("same-origin data", "text/plain"); });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  const std::string origin = "http://127.0.0.1:" + std::to_string(port);
  const ChildRun r = host({"--origin", origin + "/", kFetch, "--", origin + "/data"});
  server.stop();
  t.join();
  expect_no_crash(r);
  EXPECT_EQ(r.status, 0) << show(r);
  EXPECT_NE(r.out.find("fetch: HTTP/1.1 200 OK"), std::string::npos) << show(r);
}

TEST_P(HostCli, ListenSyntaxErrorsAreUsageErrors) {
  for (const std::string& bad : std::vector<std::string>{"foo:bar", "unix:", "unix", "tcp:", "tcp", "tcp:127.0.0.1", "tcp:127.0.0.1:", "tcp::80",
                                "tcp:127.0.0.1:99999", "tcp:127.0.0.1:-1", "tcp:127.0.0.1:x", "tcp:127.0.0.1:80x",
                                "udp:127.0.0.1:5", "UNIX:/tmp/x", "", "unix:/tmp/" + std::string(120, 'x')}) {
    const ChildRun r = host({"--listen", bad, kHello});
    expect_no_crash(r);
    EXPECT_EQ(r.status, kUsage) << "--listen \"" << bad << "\"\n" << show(r);
    EXPECT_NE(r.err.find("--listen"), std::string::npos) << show(r);
  }
}

// A well-formed endpoint that cannot be bound is a launch failure, not usage.
TEST_P(HostCli, ListenBindConflictIsALaunchFailure) {
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(s, 1), 0);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string spec = "tcp:127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  const ChildRun r = host({"--listen", spec, kHello});
  close(s);
  expect_failure(r, kLaunchFailed, spec);
  EXPECT_NE(r.err.find("in use"), std::string::npos) << show(r);
}

// unix:PATH in a place no socket can be made: a launch failure naming it.
// An existing file or directory that is not a socket is never replaced.
TEST_P(HostCli, ListenUnixPathProblems) {
  TempDir d;
  expect_failure(host({"--listen", "unix:" + kUnwritable, kHello}), kLaunchFailed, kUnwritable);
  expect_failure(host({"--listen", "unix:" + kNoParent, kHello}), kLaunchFailed, kNoParent, kENOENT);
  expect_failure(host({"--listen", "unix:" + d.path(), kHello}), kUsage, d.path(), "not a socket");
  EXPECT_TRUE(fs::is_directory(d.path()));
  write_file(d / "precious.txt", "keep me");
  expect_failure(host({"--listen", "unix:" + (d / "precious.txt"), kHello}), kUsage, d / "precious.txt", "not a socket");
  EXPECT_EQ(read_file(d / "precious.txt"), "keep me") << "--listen replaced a regular file";
  // A stale socket from an earlier run is still replaced.
  const int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::string sock = d / "stale.sock";
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock.c_str());
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  close(s);
  const ChildRun r = host({"--listen", "unix:" + sock, kHello});
  expect_no_crash(r);
  EXPECT_EQ(r.status, 0) << show(r);
}

TEST_P(HostCli, MemoryTakesSizesAndRefusesNonsense) {
  for (const std::string good : {"16M", "1G", "64K", "1048576", "16MiB", "2m", "1g", "4096"}) {
    const ChildRun r = host({"--memory", good, kHello});
    expect_no_crash(r);
    EXPECT_EQ(r.status, 0) << "--memory " << good << "\n" << show(r);
  }
  for (const std::string bad : {"0", "0K", "-1", "-16M", "lots", "", "16X", "1.5M", "16 M", "M", "0x10", "2000G",
                                "99999999999999999999999", "18446744073709551615", "17179869184K", "1T"}) {
    const ChildRun r = host({"--memory", bad, kHello});
    expect_no_crash(r);
    EXPECT_EQ(r.status, kUsage) << "--memory \"" << bad << "\" was accepted\n" << show(r);
    EXPECT_NE(r.err.find("--memory"), std::string::npos) << show(r);
  }
}

TEST_P(HostCli, TimeoutRefusesNonsense) {
  for (const std::string good : {"0", "0.5", "10", "1e3"}) {
    const ChildRun r = host({"--timeout", good, kHello});
    expect_no_crash(r);
    EXPECT_EQ(r.status, 0) << "--timeout " << good << "\n" << show(r);
  }
  for (const std::string bad : {"-1", "-0.5", "abc", "", "nan", "inf", "1e300", "10s"}) {
    const ChildRun r = host({"--timeout", bad, kHello});
    expect_no_crash(r);
    EXPECT_EQ(r.status, kUsage) << "--timeout \"" << bad << "\" was accepted\n" << show(r);
    EXPECT_NE(r.err.find("--timeout"), std::string::npos) << show(r);
  }
}

// The image: missing, a directory, in an unreadable place. Each is "cannot
// launch" (XABI_HOST_EXIT_LAUNCH_FAILED) naming the path.
TEST_P(HostCli, ImagePathProblems) {
  TempDir d;
  for (const std::string& path : {kUnwritable, kNoParent, d / "missing"}) expect_failure(host({path}), kLaunchFailed, path, kENOENT);
  expect_failure(host({d.path()}), kLaunchFailed, d.path(), kIsDir);
}

TEST_P(HostCli, BootstrapPathProblems) {
  TempDir d;
  write_file(d / "not-executable", "#!/bin/sh\n");
  for (const std::string& path : {kUnwritable, kNoParent, d / "missing"})
    expect_failure(host({"--bootstrap", path, kHello}), kLaunchFailed, path, kENOENT);
  expect_failure(host({"--bootstrap", d.path(), kHello}), kLaunchFailed, d.path(), kIsDir);
  expect_failure(host({"--bootstrap", d / "not-executable", kHello}), kLaunchFailed, d / "not-executable", "Permission denied");
}

// Launch errors in plain words, not the launcher's enum names.
TEST_P(HostCli, LaunchErrorsInPlainWords) {
  const std::regex enum_name("\\bk[A-Z][a-z]+[A-Z][A-Za-z]*\\b");
  TempDir d;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"/proc/self/exe"}, {d / "missing"}, {"--bootstrap", d / "missing", kHello}}) {
    const ChildRun r = host(args);
    expect_no_crash(r);
    EXPECT_EQ(r.status, kLaunchFailed) << show(r);
    EXPECT_FALSE(std::regex_search(r.err, enum_name)) << show(r);
  }
  const ChildRun r = host({"/proc/self/exe"});
  EXPECT_NE(r.err.find("not a valid guest image"), std::string::npos) << show(r);
}

// --report FILE: the hosts that have it (xabi-host, xabi-host-mutant).
class ReportCli : public HostCli {};

std::vector<Host> reporting_hosts() {
  std::vector<Host> r;
  for (const Host& h : hosts())
    if (h.has_report) r.push_back(h);
  return r;
}

TEST_P(ReportCli, ReportPathProblems) {
  TempDir d;
  // Unusable before launch: a usage error, and the guest never runs.
  for (const auto& [path, why] : std::vector<std::pair<std::string, std::string>>{{kUnwritable + ".json", "Permission denied"},
                                                                                 {kNoParent + ".json", kENOENT},
                                                                                 {d.path(), kIsDir},
                                                                                 {"/nonexistent-xabi-dir/x.json", kENOENT}}) {
    const ChildRun r = host({"--report", path, kHello});
    expect_failure(r, kUsage, path, why);
    EXPECT_EQ(r.out.find("hello from a picoprocess"), std::string::npos) << "the guest ran\n" << show(r);
  }
  // Usable at the start, but the final write fails: not a success.
  const ChildRun full = host({"--report", "/dev/full", kHello});
  expect_failure(full, 74, "/dev/full", "No space left on device");
  // And a good one is written, with the status.
  const ChildRun ok = host({"--report", d / "r.json", kHello});
  EXPECT_EQ(ok.status, 0) << show(ok);
  const auto j = nlohmann::json::parse(read_file(d / "r.json"), nullptr, false);
  ASSERT_TRUE(j.is_object()) << read_file(d / "r.json");
  EXPECT_EQ(j["xabi_host_status"], 0);
}

TEST_P(ReportCli, ReportNamesLaunchErrorsInPlainWords) {
  TempDir d;
  const ChildRun r = host({"--report", d / "r.json", "/proc/self/exe"});
  EXPECT_EQ(r.status, kLaunchFailed) << show(r);
  const auto j = nlohmann::json::parse(read_file(d / "r.json"), nullptr, false);
  ASSERT_TRUE(j.is_object()) << read_file(d / "r.json");
  EXPECT_NE(j.value("error", "").find("not a valid guest image"), std::string::npos) << j.dump();
  EXPECT_EQ(j["xabi_host_status"], kLaunchFailed);
}

INSTANTIATE_TEST_SUITE_P(Hosts, HostCli, ::testing::ValuesIn(hosts()),
                         [](const ::testing::TestParamInfo<Host>& i) { return i.param.name; });
INSTANTIATE_TEST_SUITE_P(Hosts, ReportCli, ::testing::ValuesIn(reporting_hosts()),
                         [](const ::testing::TestParamInfo<Host>& i) { return i.param.name; });

// ---- --version and --help of every binary ----

struct Binary {
  std::string name;       // as it calls itself
  std::string bin;
  std::vector<int> exits; // the statuses --help must list
};

void PrintTo(const Binary& b, std::ostream* os) { *os << b.name; }

// xabi-host's --help lists every host exit of the spec.
const std::vector<int> kHostStatuses = {0, XABI_HOST_EXIT_USAGE, XABI_HOST_EXIT_INTERNAL, XABI_HOST_EXIT_REPORT_NOT_WRITTEN,
                                        XABI_HOST_EXIT_VIOLATION, XABI_HOST_EXIT_LAUNCH_FAILED};

std::vector<Binary> binaries() {
  std::vector<Binary> b = {
      {"xabi-host", XABI_HOST_BIN, kHostStatuses},
      {"xabi-refhost", XABI_REFHOST_BIN, {0, XABI_HOST_EXIT_USAGE, XABI_HOST_EXIT_INTERNAL, XABI_HOST_EXIT_LAUNCH_FAILED}},
      {"xabi-conform", XABI_CONFORM_BIN, {0, 1, 2, 3}},
      {"xabi-gen", XABI_GEN_BIN, {0, 1, 2, 3}},
      {"xabi-bench-host", XABI_BENCH_HOST_BIN, {0, 2}},
      {"xabi-bench-callpath", XABI_BENCH_CALLPATH_BIN, {0, 2}},
  };
#ifdef XABI_HOST_MUTANT_BIN
  b.push_back({"xabi-host-mutant", XABI_HOST_MUTANT_BIN, kHostStatuses});
#endif
  return b;
}

class EveryBinary : public ::testing::TestWithParam<Binary> {};

TEST_P(EveryBinary, VersionPrintsProjectAndAbiVersion) {
  const ChildRun r = run(GetParam().bin, {"--version"}, 20000);
  expect_no_crash(r);
  EXPECT_EQ(r.status, 0) << show(r);
  EXPECT_NE(r.out.find(GetParam().name + " " XABI_PROJECT_VERSION), std::string::npos) << show(r);
  EXPECT_NE(r.out.find("ABI spec version " + std::to_string(xabi::meta::kAbiVersion)), std::string::npos) << show(r);
  EXPECT_LT(r.out.size(), 400u) << "--version printed more than a version:\n" << show(r);
}

TEST_P(EveryBinary, HelpListsExitStatuses) {
  const ChildRun r = run(GetParam().bin, {"--help"}, 20000);
  expect_no_crash(r);
  EXPECT_EQ(r.status, 0) << show(r);
  const auto at = r.out.find("Exit status");
  ASSERT_NE(at, std::string::npos) << show(r);
  const std::string tail = r.out.substr(at);
  for (int s : GetParam().exits)
    EXPECT_TRUE(std::regex_search(tail, std::regex("(^|\\n)\\s+" + std::to_string(s) + "\\b"))) << "exit status " << s << " not listed\n" << tail;
}

TEST_P(EveryBinary, UnknownOptionIsAUsageError) {
  const ChildRun r = run(GetParam().bin, {"--no-such-option"}, 20000);
  expect_failure(r, kUsage, "--no-such-option");
}

INSTANTIATE_TEST_SUITE_P(All, EveryBinary, ::testing::ValuesIn(binaries()), [](const ::testing::TestParamInfo<Binary>& i) {
  std::string n = i.param.name;
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
});

// ---- xabi-conform ----

const std::string kCase = "memory/rounding";

ChildRun conform(const std::vector<std::string>& args) { return run(XABI_CONFORM_BIN, args, 120000); }

std::vector<std::string> conform_args(const std::string& out, std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"--host", kAdapters + "/xabi-refhost.json", "--cases", kCase, "--out", out};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

TEST(ConformCli, SeedAndJobsMustBeNumbersInRange) {
  for (const std::string bad : {"-5", "-1", "abc", "", "1.5", "99999999999999999999999"}) {
    const ChildRun r = conform({"--list", "--quick", "--seed", bad});
    expect_no_crash(r);
    EXPECT_EQ(r.status, kUsage) << "--seed \"" << bad << "\"\n" << show(r);
    EXPECT_NE(r.err.find("--seed"), std::string::npos) << show(r);
  }
  for (const std::string bad : {"0", "-2", "65", "x"}) {
    const ChildRun r = conform({"--list", "--quick", "--jobs", bad});
    expect_no_crash(r);
    EXPECT_EQ(r.status, kUsage) << "--jobs \"" << bad << "\"\n" << show(r);
  }
  const ChildRun ok = conform({"--list", "--quick", "--seed", "18446744073709551615"});
  EXPECT_EQ(ok.status, 0) << show(ok);
}

// --out that cannot be made or written: a configuration error before any case runs.
TEST(ConformCli, OutDirProblems) {
  TempDir d;
  write_file(d / "a-file", "x");
  for (const std::string& out : {kUnwritable, kNoParent, d / "a-file", d / "a-file/sub", std::string("/proc")}) {
    const ChildRun r = conform(conform_args(out));
    expect_failure(r, kUsage, out);
    EXPECT_EQ(r.out.find("reports:"), std::string::npos) << show(r);
  }
  // A missing directory is created, parents too.
  const ChildRun ok = conform(conform_args(d / "new/sub"));
  EXPECT_EQ(ok.status, 0) << show(ok);
  EXPECT_TRUE(fs::is_regular_file(d / "new/sub/report.json")) << show(ok);
}

// A report file that cannot be written makes the run fail (3), naming it,
// and the run does not claim it wrote it.
TEST(ConformCli, UnwritableReportFileFailsTheRun) {
  for (const std::string name : {"report.json", "report.html", "junit-xabi-refhost.xml"}) {
    TempDir d;
    fs::create_directories(d / (name + "/blocker"));  // a directory where the file goes
    const ChildRun r = conform(conform_args(d.path()));
    expect_failure(r, 3, d / name);
    EXPECT_EQ(r.out.find(d / name), std::string::npos) << "the run claims it wrote " << name << "\n" << show(r);
  }
}

TEST(ConformCli, InputPathProblems) {
  TempDir d;
  const std::string out = d / "out";
  for (const std::string& path : {kUnwritable, kNoParent, d.path(), d / "missing"}) {
    SCOPED_TRACE(path);
    const std::string why = path == d.path() ? kIsDir : kENOENT;
    expect_failure(conform({"--host", path, "--cases", kCase, "--out", out}), kUsage, path, why);
    expect_failure(conform({"--mutants", path, "--cases", kCase, "--out", out}), kUsage, path, why);
    expect_failure(conform(conform_args(out, {"--expect", path})), kUsage, path, why);
    expect_failure(conform(conform_args(out, {"--agent", path})), kUsage, path, why);
  }
  write_file(d / "a-file", "x");
  for (const std::string& path : {kUnwritable, kNoParent, d / "missing", d / "a-file"}) {
    SCOPED_TRACE(path);
    expect_failure(conform(conform_args(out, {"--cases-dir", path})), kUsage, path,
                   path == d / "a-file" ? "not a directory" : kENOENT);
  }
}

// ---- xabi-gen ----

ChildRun gen(const std::vector<std::string>& args) { return run(XABI_GEN_BIN, args, 60000); }
const std::string kSpec = XABI_SOURCE_DIR "/spec/xabi.textproto";

TEST(GenCli, UsageErrorsExit2) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {kSpec}, {kSpec, "extra", "args", "--check"}, {"--out"}, {"--bogus", kSpec, "--check"}}) {
    const ChildRun r = gen(args);
    expect_no_crash(r);
    EXPECT_EQ(r.status, kUsage) << show(r);
  }
}

TEST(GenCli, SpecPathProblems) {
  TempDir d;
  for (const std::string& path : {kUnwritable, kNoParent, d / "missing", d.path()}) {
    const std::string why = path == d.path() ? kIsDir : kENOENT;
    expect_failure(gen({"--check", path}), 1, path, why);
    expect_failure(gen({path, "--out", d / "out"}), 1, path, why);
  }
}

TEST(GenCli, OutDirProblems) {
  TempDir d;
  write_file(d / "a-file", "x");
  for (const std::string& out : {kUnwritable, kNoParent, d / "a-file", std::string("/proc")})
    expect_failure(gen({kSpec, "--out", out}), kUsage, out);
  // Usable, but one output cannot be written: 3, naming it.
  fs::create_directories(d / "out/xabi/xabi.h/blocker");
  expect_failure(gen({kSpec, "--out", d / "out"}), 3, d / "out/xabi/xabi.h");
  // And a good run writes everything.
  const ChildRun ok = gen({kSpec, "--out", d / "new/out"});
  EXPECT_EQ(ok.status, 0) << show(ok);
  EXPECT_TRUE(fs::is_regular_file(d / "new/out/xabi/xabi.h"));
  EXPECT_TRUE(fs::is_regular_file(d / "new/out/abi.md"));
}

// ---- the benchmarks ----

TEST(BenchCli, HostRepsMustBeAPositiveNumber) {
  for (const std::string bad : {"0", "-1", "abc", "", "1000000"}) {
    const ChildRun r = run(XABI_BENCH_HOST_BIN, {"--reps", bad}, 20000);
    expect_no_crash(r);
    EXPECT_NE(r.status, 139) << show(r);
    EXPECT_EQ(r.status, kUsage) << "--reps \"" << bad << "\"\n" << show(r);
    EXPECT_NE(r.err.find("--reps"), std::string::npos) << show(r);
  }
}

TEST(BenchCli, CallpathOutputPathProblems) {
  TempDir d;
  for (const std::string& path : {kUnwritable, kNoParent, d.path()}) {
    const ChildRun r = run(XABI_BENCH_CALLPATH_BIN, {"--benchmark_filter=native", "--benchmark_min_time=0.001",
                                                     "--benchmark_out=" + path}, 60000);
    expect_failure(r, kUsage, path);
  }
}

}  // namespace
