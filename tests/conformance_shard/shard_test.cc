// Sharded conformance runs: --shard K/N partitions the cases by id, `merge`
// joins the shards' reports into what one unsharded run writes, `diff` finds
// regressions and fixes. The runs are real: the quick cases on the reference
// host, unsharded and as 3 shards, made once for every check here.
#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include "diff.h"
#include "merge.h"
#include "report_writers.h"
#include "runner.h"
#include "shard.h"

using namespace xabi::conform;
using google::protobuf::util::MessageDifferencer;
namespace fs = std::filesystem;

namespace {

const std::string kWork = XABI_SHARD_WORK;

struct Ran {
  int status = -1;
  std::string output;  // stdout and stderr
};

Ran run(const std::string& args) {
  Ran r;
  FILE* p = popen((std::string(XABI_CONFORM_BIN) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

Report load(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto r = parse_json(text.str());
  EXPECT_TRUE(r) << path << ": " << r.error().detail;
  return r ? r.value() : Report{};
}

std::string save(const Report& r, const std::string& name) {
  const std::string path = kWork + "/edited/" + name + ".json";
  fs::create_directories(kWork + "/edited");
  const Status written = write_json(r, path);
  EXPECT_TRUE(written) << written.error().detail;
  return path;
}

std::string shard_json(int k) { return kWork + "/s" + std::to_string(k) + "/report.json"; }

const std::string kRun = std::string("--host ") + XABI_REFHOST_ADAPTER + " --quick --jobs 2";

// The runs every check below reads: made once per test binary.
class Runs : public ::testing::Environment {
 public:
  static inline Ran full, shards[3], merged;
  void SetUp() override {
    fs::remove_all(kWork);
    full = run(kRun + " --out " + kWork + "/full");
    for (int k = 1; k <= 3; ++k) shards[k - 1] = run(kRun + " --shard " + std::to_string(k) + "/3 --out " + kWork + "/s" + std::to_string(k));
    // Out of order on purpose: the merge restores the run's order.
    merged = run("merge --out " + kWork + "/merged " + shard_json(3) + " " + shard_json(1) + " " + shard_json(2));
  }
};

std::vector<Case> all_cases() {
  Options o;
  o.cases_dir = XABI_CASES_DIR;
  std::vector<Case> cases;
  std::vector<std::string> errors;
  EXPECT_TRUE(load_all_cases(o, cases, errors)) << (errors.empty() ? "" : errors[0]);
  return cases;
}

std::vector<std::string> listed(const std::string& args) {
  const Ran r = run("--list --quick " + args);
  EXPECT_EQ(r.status, 0) << r.output;
  std::vector<std::string> ids;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);)
    if (line.find('/') != std::string::npos && line.find(" cases") == std::string::npos) ids.push_back(line.substr(0, line.find(' ')));
  return ids;
}

// --- the partition ------------------------------------------------------------------

TEST(Shard, ParsesKOfN) {
  auto s = parse_shard("2/3");
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s.value().index, 2u);
  EXPECT_EQ(s.value().count, 3u);
  ASSERT_TRUE(parse_shard("1/1"));
  ASSERT_TRUE(parse_shard("1024/1024"));
}

TEST(Shard, RefusesBadValues) {
  for (const char* bad : {"0/3", "4/3", "1/0", "3", "", "/", "a/b", "-1/2", "1/2x", " 1/2", "1/1025", "1/99999999999"}) {
    auto s = parse_shard(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, xabi::conform::ConformError::kUsage) << bad;
    const std::string& error = s.error().detail;
    EXPECT_NE(error.find("--shard"), std::string::npos) << bad << ": " << error;
  }
  const Ran r = run("--shard 4/3 --list");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--shard \"4/3\": K must be from 1 to N (3)"), std::string::npos) << r.output;
  const Ran z = run("--shard 0 --list");
  EXPECT_EQ(z.status, 2);
  EXPECT_NE(z.output.find("must be K/N"), std::string::npos) << z.output;
}

// The hash is part of the published format: shard K of N must name the same
// cases in every xabi-conform version, or CI jobs of mixed versions would
// skip or repeat cases. These are FNV-1a's published test values.
TEST(Shard, HashIsFnv1a64) {
  EXPECT_EQ(fnv1a(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a("foobar"), 0x85944171f73967e8ull);
}

TEST(Shard, EveryCaseInExactlyOneShard) {
  const auto cases = all_cases();
  ASSERT_GT(cases.size(), 100u);
  for (uint32_t n : {1u, 2u, 3u, 5u, 16u}) {
    std::vector<size_t> sizes(n);
    for (const auto& c : cases) {
      int in = 0;
      for (uint32_t k = 1; k <= n; ++k)
        if (in_shard(c.id, {k, n})) {
          ++in;
          ++sizes[k - 1];
        }
      EXPECT_EQ(in, 1) << c.id << " in " << in << " of " << n << " shards";
    }
    // The hash spreads the cases: no shard gets nothing or twice its share.
    for (size_t s : sizes) {
      EXPECT_GT(s, 0u) << n;
      EXPECT_LT(s, 2 * cases.size() / n + 1) << n;
    }
  }
}

// Unlike a partition by position: a case added first (aaa.cases sorts
// before the others) moves every position but no other case's shard.
TEST(Shard, AddingACaseMovesOnlyThatCase) {
  std::map<std::string, uint32_t> before;
  for (const auto& c : all_cases())
    for (uint32_t k = 1; k <= 3; ++k)
      if (in_shard(c.id, {k, 3})) before[c.id] = k;
  Options o;
  o.cases_dir = kWork + "/cases-plus-one";
  fs::remove_all(o.cases_dir);
  fs::copy(XABI_CASES_DIR, o.cases_dir);
  std::ofstream(o.cases_dir + "/aaa.cases") << "case aaa/added\n  group time\n  about time_now\n  call time_now\nend\n";
  std::vector<Case> more;
  std::vector<std::string> errors;
  ASSERT_TRUE(load_all_cases(o, more, errors)) << (errors.empty() ? "" : errors[0]);
  ASSERT_EQ(more.size(), before.size() + 1);
  ASSERT_EQ(more.front().id, "aaa/added");
  for (const auto& c : more) {
    int in = 0;
    for (uint32_t k = 1; k <= 3; ++k)
      if (in_shard(c.id, {k, 3})) {
        ++in;
        if (c.id != "aaa/added") {
          EXPECT_EQ(before[c.id], k) << c.id;
        }
      }
    EXPECT_EQ(in, 1) << c.id;
  }
}

TEST(Shard, ListedShardsAreTheListOfAll) {
  const auto all = listed("");
  ASSERT_FALSE(all.empty());
  std::multiset<std::string> joined;
  for (int k = 1; k <= 3; ++k)
    for (const auto& id : listed("--shard " + std::to_string(k) + "/3")) {
      EXPECT_TRUE(in_shard(id, {static_cast<uint32_t>(k), 3})) << id;
      joined.insert(id);
    }
  EXPECT_EQ(joined, std::multiset<std::string>(all.begin(), all.end()));
}

// --- real runs, merged ------------------------------------------------------------------

TEST(Merge, ShardReportsRecordTheirShard) {
  ASSERT_EQ(Runs::full.status, 0) << Runs::full.output;
  const Report full = load(kWork + "/full/report.json");
  EXPECT_FALSE(full.has_shard());
  for (int k = 1; k <= 3; ++k) {
    ASSERT_EQ(Runs::shards[k - 1].status, 0) << Runs::shards[k - 1].output;
    const Report r = load(shard_json(k));
    ASSERT_TRUE(r.has_shard());
    EXPECT_EQ(r.shard().index(), static_cast<uint32_t>(k));
    EXPECT_EQ(r.shard().count(), 3u);
    EXPECT_EQ(r.shard().selected(), static_cast<uint32_t>(full.hosts(0).cases_size()));
    ASSERT_EQ(r.hosts_size(), 1);
    EXPECT_GT(r.hosts(0).cases_size(), 0);
    EXPECT_LT(r.hosts(0).cases_size(), full.hosts(0).cases_size());
    for (const auto& c : r.hosts(0).cases()) EXPECT_TRUE(in_shard(c.id(), {static_cast<uint32_t>(k), 3})) << c.id();
  }
}

TEST(Merge, ShardedRunMergedEqualsUnshardedCaseByCase) {
  ASSERT_EQ(Runs::merged.status, 0) << Runs::merged.output;
  const Report full = load(kWork + "/full/report.json");
  const Report merged = load(kWork + "/merged/report.json");
  EXPECT_FALSE(merged.has_shard());
  EXPECT_EQ(merged.abi_version(), full.abi_version());
  EXPECT_EQ(merged.seed(), full.seed());
  EXPECT_EQ(merged.quick(), full.quick());
  ASSERT_EQ(merged.hosts_size(), full.hosts_size());
  for (int h = 0; h < full.hosts_size(); ++h) {
    const HostRun& a = full.hosts(h);
    const HostRun& b = merged.hosts(h);
    EXPECT_EQ(a.name(), b.name());
    ASSERT_EQ(a.cases_size(), b.cases_size());
    for (int i = 0; i < a.cases_size(); ++i) {
      EXPECT_EQ(a.cases(i).id(), b.cases(i).id()) << i;
      EXPECT_EQ(a.cases(i).outcome(), b.cases(i).outcome()) << a.cases(i).id();
      EXPECT_EQ(a.cases(i).position(), b.cases(i).position()) << a.cases(i).id();
      EXPECT_EQ(a.cases(i).group(), b.cases(i).group()) << a.cases(i).id();
      EXPECT_EQ(a.cases(i).reason(), b.cases(i).reason()) << a.cases(i).id();
    }
    EXPECT_TRUE(MessageDifferencer::Equals(a.totals(), b.totals())) << a.totals().DebugString() << b.totals().DebugString();
    ASSERT_EQ(a.coverage_size(), b.coverage_size());
    for (int i = 0; i < a.coverage_size(); ++i)
      EXPECT_TRUE(MessageDifferencer::Equals(a.coverage(i), b.coverage(i))) << a.coverage(i).DebugString() << b.coverage(i).DebugString();
  }
  // The same files as a run, and the same summary table.
  for (const char* f : {"report.html", "junit-xabi-refhost.xml"}) EXPECT_TRUE(fs::exists(kWork + "/merged/" + f)) << f;
  EXPECT_EQ(summary_table(merged), summary_table(full));
  EXPECT_NE(Runs::merged.output.find(summary_table(full)), std::string::npos) << Runs::merged.output;
}

void expect_refused(const std::string& reports, const std::string& message) {
  const Ran r = run("merge --out " + kWork + "/refused " + reports);
  EXPECT_EQ(r.status, 2) << reports << "\n" << r.output;
  EXPECT_NE(r.output.find(message), std::string::npos) << "wanted: " << message << "\ngot: " << r.output;
}

TEST(Merge, RefusesWhatIsNotOneRun) {
  ASSERT_EQ(Runs::merged.status, 0) << Runs::merged.output;
  const std::string s1 = shard_json(1), s2 = shard_json(2), s3 = shard_json(3);
  expect_refused(s1 + " " + s2, "missing shard 3/3");
  expect_refused(s2, "missing shard 1/3, 3/3");
  expect_refused(s1 + " " + s1 + " " + s2 + " " + s3, s1 + ": shard 1/3 is also " + s1);
  expect_refused(kWork + "/full/report.json " + s1 + " " + s2 + " " + s3, "is from another run than");

  const Report r1 = load(s1);
  Report dup = load(s2);
  *dup.mutable_hosts(0)->add_cases() = r1.hosts(0).cases(0);
  expect_refused(s1 + " " + save(dup, "dup") + " " + s3,
                 "case " + r1.hosts(0).cases(0).id() + " on xabi-refhost is in both " + s1 + " and ");

  Report abi = load(s3);
  abi.set_abi_version(abi.abi_version() + 1);
  expect_refused(s1 + " " + s2 + " " + save(abi, "abi"), "ABI version " + std::to_string(abi.abi_version()) + ", not");
  Report spec = load(s3);
  spec.set_spec("spec/other.textproto");
  expect_refused(s1 + " " + s2 + " " + save(spec, "spec"), "spec spec/other.textproto, not");
  Report hosts = load(s3);
  hosts.mutable_hosts(0)->set_name("other-host");
  expect_refused(s1 + " " + s2 + " " + save(hosts, "hosts"), "hosts [other-host], not [xabi-refhost]");
  Report sel = load(s3);
  sel.mutable_shard()->set_selected(sel.shard().selected() + 1);
  expect_refused(s1 + " " + s2 + " " + save(sel, "selection"), "cases, not");
  // Not a report at all, and a report that does not exist: exit 2, named.
  expect_refused(s1 + " " + XABI_CASES_DIR "/fixtures.txt", "fixtures.txt: not a report.json");
  expect_refused(s1 + " " + kWork + "/nonexistent.json", "nonexistent.json: No such file");
}

TEST(Merge, AFailingShardFailsTheMergedRun) {
  Report bad = load(shard_json(2));
  CaseResult* c = bad.mutable_hosts(0)->mutable_cases(0);
  c->set_outcome(FAIL);
  c->mutable_failure()->set_summary("made to fail");
  const Ran r = run("merge --out " + kWork + "/merged-fail " + shard_json(1) + " " + save(bad, "fail") + " " + shard_json(3));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL xabi-refhost " + c->id() + ": made to fail"), std::string::npos) << r.output;
}

// A real mutation check takes minutes; its merge is checked on the shard
// reports with the mutants of a 6-mutant list added as --shard would split it.
TEST(Merge, MutantsComeBackInListOrder) {
  std::vector<std::string> paths;
  for (uint32_t k = 1; k <= 3; ++k) {
    Report r = load(shard_json(static_cast<int>(k)));
    r.mutable_shard()->set_mutants(6);
    MutationRun* mr = r.mutable_mutation();
    mr->set_host("xabi-host-mutant");
    mr->set_cases_used(100);
    for (uint32_t i = 0; i < 6; ++i) {
      const std::string name = "mutant_" + std::to_string(i);
      if (!in_shard(name, {k, 3})) continue;
      Mutant* m = mr->add_mutants();
      m->set_name(name);
      m->set_position(i);
      m->set_killed(i != 4);
      if (m->killed()) m->set_killed_by("calls/x");
    }
    paths.push_back(save(r, "mutants-" + std::to_string(k)));
  }
  const Ran r = run("merge --out " + kWork + "/merged-mutants " + paths[2] + " " + paths[0] + " " + paths[1]);
  EXPECT_EQ(r.status, 1) << r.output;  // mutant_4 survived
  EXPECT_NE(r.output.find("mutation score: 5/6 (83.3 %)"), std::string::npos) << r.output;
  const Report merged = load(kWork + "/merged-mutants/report.json");
  ASSERT_EQ(merged.mutation().mutants_size(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(merged.mutation().mutants(i).name(), "mutant_" + std::to_string(i));
  EXPECT_EQ(merged.mutation().total(), 6u);
  EXPECT_EQ(merged.mutation().killed(), 5u);
  // One mutant in two shards' reports.
  Report twice = load(paths[1]);
  Report other = load(paths[0]);
  *twice.mutable_mutation()->add_mutants() = other.mutation().mutants(0);
  expect_refused(paths[0] + " " + save(twice, "mutants-twice") + " " + paths[2],
                 "mutant " + other.mutation().mutants(0).name() + " is in both");
  // A shard without the mutation check is another run.
  expect_refused(paths[0] + " " + paths[1] + " " + shard_json(3), "no mutation check, the first has one");
}

// --- diff ------------------------------------------------------------------------------

TEST(Diff, FindsRegressionsAndFixes) {
  ASSERT_EQ(Runs::full.status, 0) << Runs::full.output;
  const std::string full_json = kWork + "/full/report.json";
  const Report full = load(full_json);
  // Two cases that passed: one fails in NEW (a regression), one failed in OLD (fixed in NEW).
  std::vector<int> passing;
  for (int i = 0; i < full.hosts(0).cases_size(); ++i)
    if (full.hosts(0).cases(i).outcome() == PASS) passing.push_back(i);
  ASSERT_GE(passing.size(), 3u);
  const std::string broken = full.hosts(0).cases(passing[0]).id(), fixed = full.hosts(0).cases(passing[1]).id();
  Report before = full, after = full;
  before.mutable_hosts(0)->mutable_cases(passing[1])->set_outcome(FAIL);
  after.mutable_hosts(0)->mutable_cases(passing[0])->set_outcome(FAIL);
  after.mutable_hosts(0)->mutable_cases(passing[0])->mutable_failure()->set_summary("it broke");
  const std::string gone = full.hosts(0).cases(passing[2]).id();
  after.mutable_hosts(0)->mutable_cases()->DeleteSubrange(passing[2], 1);
  CaseResult* added = after.mutable_hosts(0)->add_cases();
  added->set_id("calls/new/case");
  added->set_outcome(PASS);

  const ReportDiff d = diff_reports(before, after);
  EXPECT_EQ(d.count(CaseChange::Kind::kRegression), 1u);
  EXPECT_EQ(d.count(CaseChange::Kind::kFix), 1u);
  EXPECT_EQ(d.count(CaseChange::Kind::kNew), 1u);
  EXPECT_EQ(d.count(CaseChange::Kind::kRemoved), 1u);

  const std::string old_json = save(before, "before"), new_json = save(after, "after");
  const Ran r = run("diff " + old_json + " " + new_json);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("regression xabi-refhost " + broken + ": PASS -> FAIL: it broke"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fix        xabi-refhost " + fixed + ": FAIL -> PASS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("new        xabi-refhost calls/new/case: PASS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("removed    xabi-refhost " + gone + ": was PASS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 regression, 1 fix, 1 new, 1 removed, 0 changed"), std::string::npos) << r.output;

  // Only a fix: no regression, exit 0. Nothing changed: exit 0.
  const Ran fix = run("diff " + old_json + " " + full_json);
  EXPECT_EQ(fix.status, 0) << fix.output;
  EXPECT_NE(fix.output.find("0 regressions, 1 fix"), std::string::npos) << fix.output;
  const Ran same = run("diff " + full_json + " " + kWork + "/merged/report.json");
  EXPECT_EQ(same.status, 0) << same.output;
  EXPECT_EQ(same.output, "0 regressions, 0 fixes, 0 new, 0 removed, 0 changed\n");
  // A host gone from NEW: all its cases removed.
  Report no_host = full;
  no_host.clear_hosts();
  EXPECT_EQ(diff_reports(full, no_host).count(CaseChange::Kind::kRemoved), static_cast<size_t>(full.hosts(0).cases_size()));
}

TEST(Diff, UsageAndReadErrorsAreExit2) {
  EXPECT_EQ(run("diff " + kWork + "/full/report.json").status, 2);
  const Ran r = run("diff " + kWork + "/full/report.json " + kWork + "/nonexistent.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("nonexistent.json"), std::string::npos) << r.output;
  const Ran g = run(std::string("diff ") + XABI_CASES_DIR "/fixtures.txt " + kWork + "/full/report.json");
  EXPECT_EQ(g.status, 2);
  EXPECT_NE(g.output.find("fixtures.txt: not a report.json"), std::string::npos) << g.output;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new Runs);
  return RUN_ALL_TESTS();
}
