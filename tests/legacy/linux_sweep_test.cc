// Every system-call number an unmodified program can make under
// xabi-host run --linux is answered by the personality as
// pal/personality/syscalls.def says, and none escapes it: a static program
// (programs/sweep.c) makes each number 0..1023 once with zero arguments and
// must survive to print every answer; an LX_FAIL entry must answer its errno,
// a number the table does not list -ENOSYS (never a silent success), except
// the calls the host's allow-list admits whatever their arguments
// (futex_waitv, sched_yield), which the kernel answers. x32
// numbers and other architectures are not the personality's: the filter
// kills them (exit VIOLATION), as the Z3 proof FilterProofLinux says.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "child_process.h"
#include "xabi/host_exits.h"
#include "xabi/linux_syscalls.h"

namespace {

using xabi::test::ChildRun;
using xabi::test::run_process;

struct Entry {
  bool fails;     // LX_FAIL: a fixed answer
  long errno_;    // its errno
  const char* name;
};

const std::map<long, Entry>& table() {
  static const std::map<long, Entry> t = [] {
    std::map<long, Entry> m;
#define LX_CALL(nr, name, what) m[nr] = Entry{false, 0, #name};
#define LX_FAIL(nr, name, err, why) m[nr] = Entry{true, err, #name};
#include "syscalls.def"
#undef LX_CALL
#undef LX_FAIL
    return m;
  }();
  return t;
}

// The numbers programs/sweep.c skips (they end or block a native program too).
const std::set<long> kSkipped = {15, 23, 34, 60, 130, 231, 270, 271, 335, 336};

// Allow-list entries with no argument condition: the kernel's, not trapped.
const std::set<long> kAdmitted = {XABI_NR_FUTEX_WAITV, XABI_NR_SCHED_YIELD};

TEST(LinuxSweep, EveryNumberIsAnsweredAsTheTableSays) {
  const ChildRun r = run_process(XABI_HOST_BIN, {"run", "--linux", "--timeout", "60", XABI_LEGACY_SWEEP}, {}, 90000);
  ASSERT_EQ(r.status, 0) << "the sweep did not survive\nstderr: " << r.err << "\nlast answers: "
                         << r.out.substr(r.out.size() > 200 ? r.out.size() - 200 : 0);
  std::map<long, long> got;
  std::istringstream in(r.out);
  for (long nr, res; in >> nr >> res;) got[nr] = res;
  EXPECT_EQ(got.size(), 1024u - kSkipped.size()) << "every number but the skipped ones answers once";
  int fixed = 0, unlisted = 0, served = 0, admitted = 0;
  for (const auto& [nr, res] : got) {
    auto e = table().find(nr);
    if (kAdmitted.count(nr)) {
      ++admitted;
    } else if (e == table().end()) {
      EXPECT_EQ(res, -ENOSYS) << "number " << nr << " is not in syscalls.def: it must answer ENOSYS";
      ++unlisted;
    } else if (e->second.fails) {
      EXPECT_EQ(res, -e->second.errno_) << e->second.name << " (" << nr << ") is LX_FAIL in syscalls.def";
      ++fixed;
    } else {
      ++served;  // its answers to real arguments: tests/personality and the busybox corpus
    }
  }
  std::cout << "[ legacy ] sweep: " << got.size() << " numbers answered: " << served << " served, " << fixed
            << " fixed failures, " << unlisted << " ENOSYS, " << admitted << " by the kernel (allow-list); "
            << kSkipped.size() << " skipped\n";
}

// Not the personality's to answer: the filter kills these outright.
TEST(LinuxSweep, X32NumbersAreKilledNotTrapped) {
  const ChildRun r = run_process(XABI_HOST_BIN, {"run", "--linux", XABI_LEGACY_SWEEP, "--", "0x40000027"});  // x32 getpid
  EXPECT_EQ(r.status, XABI_HOST_EXIT_VIOLATION) << r.out << r.err;
  EXPECT_EQ(r.out, "") << "the call must not return to the program";
}

}  // namespace
