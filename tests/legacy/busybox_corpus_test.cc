// Debian's busybox-static, unmodified, in a picoprocess: every invocation of
// the corpus runs natively and under `xabi-host run --linux --fs` on the same
// inputs (a directory of files here, the same files as a tar image there;
// the same file, or /dev/null, as standard input), and must give the same
// bytes on stdout, the same bytes on stderr (the picoprocess's fds 0, 1 and 2
// are the host's own: xabi_stdio) and the same exit status. Nothing is
// excepted: the files' timestamps are fixed, and no invocation prints the
// current time. Directory sizes (st_size, which is the host file system's
// business) are not printed either.
//
// Inputs: generated here, deterministic; the tar is made by GNU tar from the
// same directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "child_process.h"

namespace {

namespace fs = std::filesystem;
using xabi::test::ChildRun;
using xabi::test::run_process;

// 2020-09-13 12:26:40 UTC: the files' mtime, and --clock in ClockIsTheOneGiven.
constexpr const char* kEpoch = "1600000000";

// The picoprocess's environment (pal/personality/runner/linux_runner.c),
// given to the native run too.
const std::vector<std::string> kEnv = {"PATH=/bin:/usr/bin", "HOME=/", "TERM=dumb"};

struct Inputs {
  fs::path root, tar;
};

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
  ASSERT_TRUE(f.good()) << p;
}

class BusyboxCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/xabi-legacy-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    inputs_ = new Inputs{fs::path(tmpl) / "root", fs::path(tmpl) / "fs.tar"};
    const fs::path data = inputs_->root / "data";
    fs::create_directories(data / "sub");
    std::string nums, big;
    for (int i = 1; i <= 1000; ++i) nums += std::to_string(i) + "\n";
    // 1 MiB of a fixed pseudo-random byte stream (an LCG): binary input.
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < (1 << 20); ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      big += static_cast<char>(x >> 56);
    }
    write_file(data / "nums.txt", nums);
    write_file(data / "big.bin", big);
    write_file(data / "words.txt", "pear\napple\nBanana\ncherry\napple\nbanana\nfig\napple pie\n");
    write_file(data / "sorted.txt", "apple\napple\nbanana\ncherry\ncherry\ncherry\nfig\n");
    write_file(data / "passwd.txt", "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/usr/sbin:/bin/false\nuser:x:1000:1000:A User:/home/user:/bin/sh\n");
    write_file(data / "cols.txt", "a 1 x\nb 22 y\nc 333 z\n");
    write_file(data / "sub" / "deep.txt", "down here\n");
    // A gzip file and a tar archive inside the image, made by busybox itself.
    ChildRun gz = run_process("/bin/sh", {"-c", "cd \"$1\" && " XABI_BUSYBOX " gzip -c nums.txt > nums.txt.gz && " XABI_BUSYBOX
                                                " tar -cf inner.tar words.txt sub", "sh", data.string()});
    ASSERT_EQ(gz.status, 0) << gz.err;
    // Every file and directory at the fixed time, then the image.
    ChildRun touch = run_process("/bin/sh", {"-c", "find \"$1\" -exec touch -h -d @" + std::string(kEpoch) + " {} +", "sh",
                                             inputs_->root.string()});
    ASSERT_EQ(touch.status, 0) << touch.err;
    ChildRun tar = run_process("/bin/tar", {"--format=ustar", "--sort=name", "--numeric-owner", "-C", inputs_->root.string(), "-cf",
                                       inputs_->tar.string(), "data"});
    ASSERT_EQ(tar.status, 0) << tar.err;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(inputs_->root.parent_path(), ec);
    delete inputs_;
  }

  // stdin: a file of the inputs (relative to their root), or /dev/null.
  static std::string input_path(const char* stdin_file) {
    return stdin_file ? (inputs_->root / stdin_file).string() : "/dev/null";
  }
  static ChildRun native(const std::vector<std::string>& argv, const char* stdin_file = nullptr) {
    // cd to the inputs, a clean environment, the given stdin.
    std::vector<std::string> args = {"-c", "cd \"$0\" && exec env -i \"$@\" < \"$XABI_STDIN\"", inputs_->root.string()};
    args.insert(args.end(), kEnv.begin(), kEnv.end());
    args.push_back(XABI_BUSYBOX);
    args.insert(args.end(), argv.begin(), argv.end());
    return run_process("/bin/sh", args, {{"XABI_STDIN", input_path(stdin_file)}});
  }
  // clock: --clock's value, or empty for the host's running clock (the
  // corpus's: ls -l prints a year or a time depending on "now").
  static ChildRun picoprocess(const std::vector<std::string>& argv, const std::string& clock = "",
                              const char* stdin_file = nullptr) {
    std::vector<std::string> args = {"-c", "exec \"$0\" \"$@\" < \"$XABI_STDIN\"", XABI_HOST_BIN, "run", "--linux", "--fs",
                                     inputs_->tar.string()};
    if (!clock.empty()) args.insert(args.end(), {"--clock", clock});
    args.insert(args.end(), {XABI_BUSYBOX, "--"});
    args.insert(args.end(), argv.begin(), argv.end());
    return run_process("/bin/sh", args, {{"XABI_STDIN", input_path(stdin_file)}});
  }

  static Inputs* inputs_;
};

Inputs* BusyboxCorpus::inputs_ = nullptr;

// An invocation: busybox's argv after its name, and the file (of the
// inputs) that is its standard input, or none for /dev/null. The
// picoprocess's cwd is the image's root, the native run's the directory the
// image was made from.
struct Invocation {
  std::vector<std::string> argv;
  const char* stdin_file = nullptr;
};

const std::vector<Invocation> kCorpus = {    {{"sha256sum", "data/nums.txt", "data/big.bin"}},
    {{"md5sum", "data/big.bin", "data/words.txt"}},
    {{"sha1sum", "data/sub/deep.txt"}},
    {{"sha512sum", "data/passwd.txt"}},
    {{"wc", "data/nums.txt", "data/words.txt", "data/big.bin"}},
    {{"wc", "-l", "data/nums.txt"}},
    {{"sort", "data/words.txt"}},
    {{"sort", "-n", "-r", "data/nums.txt"}},
    {{"sort", "-u", "-f", "data/words.txt"}},
    {{"sort", "-t", ":", "-k", "3", "-n", "data/passwd.txt"}},
    {{"uniq", "-c", "data/sorted.txt"}},
    {{"uniq", "-d", "data/sorted.txt"}},
    {{"awk", "{ s += $1 } END { print s, NR }", "data/nums.txt"}},
    {{"awk", "-F:", "{ printf \"%-8s %5d %s\\n\", $1, $3, $NF }", "data/passwd.txt"}},
    {{"sed", "-n", "10,15p;999,$p", "data/nums.txt"}},
    {{"sed", "s/an/AN/g; /apple/d", "data/words.txt"}},
    {{"grep", "-c", "7", "data/nums.txt"}},
    {{"grep", "-n", "-i", "banana", "data/words.txt"}},
    {{"grep", "-r", "down", "data/sub"}},
    {{"grep", "-v", "-e", "apple", "-e", "fig", "data/words.txt"}},
    {{"grep", "nothing-matches", "data/words.txt"}},
    {{"cut", "-d:", "-f1,3,6", "data/passwd.txt"}},
    {{"cut", "-c", "1-3", "data/words.txt"}},
    {{"od", "-A", "x", "-t", "x1", "-N", "64", "data/big.bin"}},
    {{"head", "-n", "5", "data/nums.txt"}},
    {{"head", "-c", "100", "data/big.bin"}},
    {{"tail", "-n", "3", "data/nums.txt"}},
    {{"gzip", "-c", "-9", "data/nums.txt"}},
    {{"gunzip", "-c", "data/nums.txt.gz"}},
    {{"tar", "-tf", "data/inner.tar"}},
    {{"tar", "-xOf", "data/inner.tar", "words.txt"}},
    {{"find", "data/sub"}},
    {{"find", "data", "-name", "*.gz"}},
    {{"ls", "data"}},
    {{"ls", "-ln", "data/nums.txt", "data/big.bin"}},
    {{"ls", "-lnR", "data/sub"}},
    {{"stat", "-c", "%s %a %F %h %n", "data/nums.txt", "data/big.bin"}},
    {{"stat", "-c", "%a %F %h %n", "data/sub"}},
    {{"cat", "data/words.txt", "data/sub/deep.txt"}},
    {{"tac", "data/words.txt"}},
    {{"nl", "data/words.txt"}},
    {{"cmp", "data/words.txt", "data/sorted.txt"}},
    {{"diff", "data/words.txt", "data/sorted.txt"}},
    {{"seq", "1", "3", "20"}},
    {{"expr", "6", "*", "7"}},
    {{"expr", "length", "picoprocess"}},
    {{"printf", "%05d|%s|%x\\n", "42", "xabi", "255"}},
    {{"basename", "/a/b/c.txt", ".txt"}},
    {{"date", "-u", "-d", "@1234567890", "+%Y-%m-%d %H:%M:%S"}},
    {{"sh", "-c", "for i in 1 2 3; do echo \"line $i\"; done; x=$((6 * 7)); echo $x; exit 3"}},
    {{"sh", "-c", "cd data && echo *.txt && test -f nums.txt && [ -d sub ] && cd /tmp && pwd && echo ok"}},
    {{"sh", "-c", "echo hi > /tmp/f; echo there >> /tmp/f; while read l; do echo \"<$l>\"; done < /tmp/f"}},
    {{"sh", "-c", "case xabi in x*) echo matched;; *) echo no;; esac; f() { echo \"f:$1\"; }; f arg"}},
    {{"cat", "data/missing.txt"}},
    {{"ls", "data/missing"}},
    {{"true"}},
    {{"false"}},
    // Standard input: the host's own fd 0 (a file here, a pipe below).
    {{"sha256sum"}, "data/big.bin"},
    {{"md5sum", "-"}, "data/nums.txt"},
    {{"wc", "-l"}, "data/nums.txt"},
    {{"sort", "-r"}, "data/words.txt"},
    {{"tr", "a-z", "A-Z"}, "data/words.txt"},
    {{"gunzip", "-c"}, "data/nums.txt.gz"},
    {{"awk", "{ print NR \": \" $1 }"}, "data/cols.txt"},
    {{"sh", "-c", "read a; read b; echo \"$b, then $a\"; while read l; do n=$((n + 1)); done; echo \"$n more\""}, "data/words.txt"},
    {{"cat"}, nullptr},
    {{"tr", "-d", "x"}, nullptr},
};

// The host's stderr without the sanitizer runtime's own three-line notice
// (an ASan build of xabi-host prints it when its launcher's clone child
// leaves the parent's stack): that is the host's diagnostics, not the
// program's output. Nothing else is removed.
std::string program_stderr(std::string err) {
  const std::string tail = "For details see https://github.com/google/sanitizers/issues/189\n";
  for (size_t at; (at = err.find("WARNING: ASan is ignoring requested __asan_handle_no_return")) != std::string::npos;) {
    const size_t from = err.rfind('\n', at) == std::string::npos ? 0 : err.rfind('\n', at) + 1;
    const size_t end = err.find(tail, at);
    if (end == std::string::npos) break;
    err.erase(from, end + tail.size() - from);
  }
  return err;
}

// The start of a long output, for a failure message.
std::string head(const std::string& s) { return s.size() <= 400 ? s : s.substr(0, 400) + "... (" + std::to_string(s.size()) + " bytes)"; }

std::string describe(const Invocation& inv) {
  std::string s = "busybox";
  for (const std::string& a : inv.argv) s += " '" + a + "'";
  return s + " < " + (inv.stdin_file ? inv.stdin_file : "/dev/null");
}

TEST_F(BusyboxCorpus, EveryInvocationMatchesTheNativeRunByteForByte) {
  int same = 0;
  for (const Invocation& inv : kCorpus) {
    const ChildRun want = native(inv.argv, inv.stdin_file);
    ChildRun got = picoprocess(inv.argv, "", inv.stdin_file);
    got.err = program_stderr(got.err);
    ASSERT_FALSE(want.timed_out || got.timed_out) << describe(inv);
    EXPECT_EQ(got.status, want.status) << describe(inv) << "\nstderr: " << got.err;
    EXPECT_TRUE(got.out == want.out) << describe(inv) << "\nnative stdout:      " << head(want.out)
                                     << "\npicoprocess stdout: " << head(got.out) << "\nstderr: " << got.err;
    EXPECT_TRUE(got.err == want.err) << describe(inv) << "\nnative stderr:      " << head(want.err)
                                     << "\npicoprocess stderr: " << head(got.err);
    same += got.status == want.status && got.out == want.out && got.err == want.err;
  }
  std::cout << "[ legacy ] busybox: " << same << " of " << kCorpus.size() << " invocations byte-identical to native\n";
  EXPECT_GE(kCorpus.size(), 30u);
}

// A pipe as standard input (the shell's `|`), read as it arrives: the host
// reopens it non-blocking, so the program waits in the personality, not the
// monitor, and sees the end when the writer closes.
TEST_F(BusyboxCorpus, StandardInputMayBeAPipe) {
  const std::string cmd = "head -c 300000 /dev/zero | tr '\\0' 'a' | \"$0\" run --linux " XABI_BUSYBOX " -- wc -c";
  const ChildRun r = run_process("/bin/sh", {"-c", cmd, XABI_HOST_BIN});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "300000\n") << r.err;
}

// A picoprocess has no processes: an applet that forks or execs (a shell
// running a non-builtin command, a pipeline) gets ENOSYS, and says so, rather
// than hanging or succeeding silently.
TEST_F(BusyboxCorpus, WhatNeedsAProcessFailsCleanly) {
  const ChildRun cmd = picoprocess({"sh", "-c", "cat data/words.txt"});
  EXPECT_EQ(cmd.status, 126) << cmd.out << cmd.err;
  EXPECT_NE(cmd.err.find("Function not implemented"), std::string::npos) << cmd.err;
  const ChildRun pipeline = picoprocess({"sh", "-c", "echo a | cat"});
  EXPECT_NE(pipeline.status, 0) << pipeline.out;
  EXPECT_EQ(pipeline.out.find("a\n"), std::string::npos) << "a pipeline ran: " << pipeline.out;
}

// glibc's threads: 8 threads, one mutex, a condition variable, joins. Their
// clone is the allow-list's thread entry (so the kernel makes them) and
// their futex calls, trapped or not, meet on the same words: the count is exact.
TEST_F(BusyboxCorpus, GlibcThreadsShareAMutexExactly) {
  const ChildRun r = run_process(XABI_HOST_BIN, {"run", "--linux", "--memory", "1G", XABI_LEGACY_PTHREADS});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "counter 800000\n") << r.err;
}

// The frozen clock is the one given (the same instant `date -d @` prints natively).
TEST_F(BusyboxCorpus, ClockIsTheOneGiven) {
  const ChildRun r = picoprocess({"date", "-u"}, kEpoch);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Sun Sep 13 12:26:40 UTC 2020\n");
}

}  // namespace
