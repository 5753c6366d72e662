// report.html of real runs: a mutant host (xabi-host-mutant, free_double_ok)
// makes cases fail; each failure must name the case file's step it failed on
// and link the host's stdout and stderr, files that exist next to the report,
// also after `merge` writes the report into another folder. A run on the
// reference host shows thread_exit covered by the cases that call it. The
// page fits a window 800 px wide in a real browser (headless Chromium). The
// runs are made once for every check here.
#include "browser_layout.h"
#include "html_attrs.h"
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/report/report_writers.h"

namespace xabi::conform {
namespace {

namespace fs = std::filesystem;

const std::string kWork = XABI_REPORT_RUN_WORK;

int run(const std::string& args) {
  const std::string cmd = std::string(XABI_CONFORM_BIN) + " " + args + " >/dev/null 2>&1";
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Report load(const fs::path& dir) {
  auto r = parse_json(read(dir / "report.json"));
  EXPECT_TRUE(r) << dir << ": " << r.error().detail;
  return r ? r.value() : Report{};
}


// A link's path as a file name: %XX decoded.
std::string unpercent(const std::string& href) {
  std::string out;
  for (size_t i = 0; i < href.size(); ++i) {
    if (href[i] == '%' && i + 2 < href.size()) {
      out += static_cast<char>(std::stoi(href.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += href[i];
    }
  }
  return out;
}

// Every link of dir/report.html resolves: to an anchor of the page or to a
// file in (or below) the folder. Returns the files linked.
std::set<std::string> check_links(const fs::path& dir) {
  const std::string h = read(dir / "report.html");
  EXPECT_FALSE(h.empty()) << dir;
  std::set<std::string> ids, files;
  for (const auto& id : attr_values(h, "id")) EXPECT_TRUE(ids.insert(id).second) << "id twice: " << id;
  for (const auto& href : attr_values(h, "href")) {
    if (href.rfind("#", 0) == 0) {
      EXPECT_EQ(ids.count(href.substr(1)), 1u) << "no anchor " << href;
      continue;
    }
    EXPECT_NE(href.front(), '/') << "a link that is not relative: " << href;
    EXPECT_TRUE(fs::is_regular_file(dir / unpercent(href))) << dir << ": a link to no file: " << href;
    files.insert(unpercent(href));
  }
  return files;
}

const std::string kFail = kWork + "/fail", kMerged = kWork + "/merged", kThreads = kWork + "/threads";

class Runs : public ::testing::Environment {
 public:
  static inline int fail_status = -1, merge_status = -1, threads_status = -1;
  void SetUp() override {
    fs::remove_all(kWork);
    // free_double_ok: free of a range not allocated returns 0; the memory
    // cases' free steps see it (write_drops would not do: the agent's HELLO
    // is lost and the run stops before any case).
    fail_status = run(std::string("--host ") + XABI_MUTANT_ADAPTER + " --mutant free_double_ok --quick --jobs 2 --cases 'memory/*' --out " + kFail);
    merge_status = run("merge --out " + kMerged + " " + kFail + "/report.json");
    threads_status = run(std::string("--host ") + XABI_REFHOST_ADAPTER + " --cases 'threads/*' --jobs 2 --out " + kThreads);
  }
};

TEST(ReportRun, AFailingCaseNamesItsStepAndLinksTheHostsFiles) {
  ASSERT_EQ(Runs::fail_status, 1) << "the free_double_ok mutant should fail cases";
  const Report r = load(kFail);
  ASSERT_EQ(r.hosts_size(), 1);
  size_t failed = 0;
  for (const auto& c : r.hosts(0).cases()) {
    if (c.outcome() != FAIL) {
      EXPECT_EQ(c.failure().logs_size(), 0) << c.id() << ": logs are kept for failing cases only";
      continue;
    }
    ++failed;
    const Failure& f = c.failure();
    // The step: a line of the case file, as written there.
    ASSERT_FALSE(f.step().empty()) << c.id();
    if (f.step().front() != '(') {
      const size_t colon = f.step_at().rfind(':');
      ASSERT_NE(colon, std::string::npos) << c.id() << ": " << f.step_at();
      std::ifstream in(f.step_at().substr(0, colon));
      std::string line;
      for (int n = std::stoi(f.step_at().substr(colon + 1)); n > 0 && std::getline(in, line); --n) {
      }
      EXPECT_NE(line.find(f.step()), std::string::npos) << c.id() << ": " << f.step_at() << " is \"" << line << "\", not \"" << f.step() << "\"";
    }
    // The host's files: its stdout and stderr, relative to the report, there.
    std::set<std::string> names;
    for (const auto& log : f.logs()) {
      EXPECT_NE(log.path().front(), '/') << log.path();
      EXPECT_EQ(log.path().rfind("work/", 0), 0u) << log.path();
      const fs::path file = fs::path(kFail) / log.path();
      ASSERT_TRUE(fs::is_regular_file(file)) << file;
      EXPECT_EQ(fs::file_size(file), log.bytes()) << file;
      names.insert(file.filename().string());
    }
    EXPECT_EQ(names, (std::set<std::string>{"host.stderr.txt", "host.stdout.txt"})) << c.id();
  }
  EXPECT_GT(failed, 0u);
  // report.html links each of those files, and every link resolves.
  const std::set<std::string> linked = check_links(kFail);
  for (const auto& c : r.hosts(0).cases())
    for (const auto& log : c.failure().logs()) EXPECT_EQ(linked.count(log.path()), 1u) << log.path();
  const std::string h = read(fs::path(kFail) / "report.html");
  for (const auto& c : r.hosts(0).cases())
    if (c.outcome() == FAIL) {
      const size_t card = h.find("<code>" + c.id() + "</code></h3>");
      ASSERT_NE(card, std::string::npos) << c.id();
      EXPECT_LT(h.find("Failing step: <code>", card), h.find("<div class=\"case", card)) << c.id();
    }
}

TEST(ReportRun, MergedReportStillLinksTheFiles) {
  ASSERT_EQ(Runs::merge_status, 1);  // the merged run failed as the run did
  const Report r = load(kMerged);
  size_t logs = 0;
  for (const auto& c : r.hosts(0).cases())
    for (const auto& log : c.failure().logs()) {
      ++logs;
      EXPECT_EQ(log.path().rfind("../fail/work/", 0), 0u) << log.path();
      EXPECT_TRUE(fs::is_regular_file(fs::path(kMerged) / log.path())) << log.path();
    }
  EXPECT_GT(logs, 0u);
  EXPECT_FALSE(check_links(kMerged).empty());
}

TEST(ReportRun, ThreadExitIsCoveredWhereCasesCallIt) {
  ASSERT_EQ(Runs::threads_status, 0);
  const Report r = load(kThreads);
  ASSERT_EQ(r.hosts_size(), 1);
  // threads/create_and_exit is about thread_create, and ends two threads.
  bool found = false;
  for (const auto& c : r.hosts(0).cases())
    if (c.id() == "threads/create_and_exit") {
      found = true;
      const std::set<std::string> reached(c.rules_reached().begin(), c.rules_reached().end());
      EXPECT_EQ(reached.count("thread_exit.others_live.thread_ends"), 1u);
    }
  EXPECT_TRUE(found);
  uint64_t ends = 0, last = 0;
  for (const auto& hit : r.hosts(0).coverage()) {
    if (hit.call() != "thread_exit") continue;
    (hit.rule() == "last" ? last : ends) += hit.count();
  }
  EXPECT_GE(ends, 2u);
  EXPECT_GE(last, 1u);
  // report.html does not list them as unreached.
  const std::string h = read(fs::path(kThreads) / "report.html");
  EXPECT_EQ(h.find("<li><code>thread_exit."), std::string::npos);
  check_links(kThreads);
}


// The failing run's report, and the same report made harder than any run of
// ours: seven hosts side by side, a case id of 130 characters, and a mutation
// table whose notes hold a call with its arguments as one 150-character token.
Report harder(Report r) {
  const HostRun base = r.hosts(0);
  for (int i = 1; i < 7; ++i) {
    HostRun* h = r.add_hosts();
    *h = base;
    h->set_name("third-party-host-" + std::to_string(i));
  }
  CaseResult* c = r.mutable_hosts(0)->add_cases();
  *c = base.cases(0);
  c->set_id("memory/" + std::string(123, 'x'));
  MutationRun* m = r.mutable_mutation();
  m->set_host("xabi-host-mutant");
  for (int i = 0; i < 3; ++i) {
    Mutant* mu = m->add_mutants();
    mu->set_name("alloc_returns_" + std::to_string(i));
    mu->set_group("memory");
    mu->set_fault("alloc returns an address that is not page-aligned");
    mu->set_killed(i != 0);
    mu->set_killed_by(c->id());
    mu->set_note("the spec does not allow this result: poll(fds=struct:pollfd{channel=$c,events=POLL_OUT},n=1,timeout=" +
                 std::string(90, '9') + ")->0x1d0201000000");
  }
  m->set_total(3);
  m->set_killed(2);
  return r;
}

TEST(ReportRun, FitsAWindow800PixelsWide) {
  if (chromium_binary().empty()) GTEST_SKIP() << "no chromium on PATH (scripts/install-deps.sh installs it)";
  ASSERT_EQ(Runs::fail_status, 1);
  const fs::path scratch = fs::path(kWork) / "layout";
  // The probe itself: a page that is too wide is seen as too wide.
  const auto control = lay_out("<p>" + std::string(400, 'w') + "</p>", 800, scratch);
  ASSERT_TRUE(control.has_value()) << "chromium did not lay out the page";
  EXPECT_GT(control->content, control->viewport);
  for (const std::string& page : {read(fs::path(kFail) / "report.html"), to_html(harder(load(kFail)))}) {
    const auto w = lay_out(page, 800, scratch);
    ASSERT_TRUE(w.has_value()) << "chromium did not lay out the page";
    EXPECT_GT(w->viewport, 700);
    EXPECT_LE(w->content, w->viewport) << "wider than the window: " << w->wide;
  }
}

}  // namespace
}  // namespace xabi::conform

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new xabi::conform::Runs);
  return RUN_ALL_TESTS();
}
