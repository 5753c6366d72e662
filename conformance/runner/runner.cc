#include "runner.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "builtin_cases.h"
#include "execute.h"
#include "report_writers.h"
#include "spec_cases.h"
#include "xabi/meta.hpp"

namespace xabi::conform {
namespace fs = std::filesystem;
namespace {

struct Expectation {
  std::string host, pattern, reason;
};

// The expectations file's xfail entries (none for an empty path).
Result<std::vector<Expectation>> load_expectations(const std::string& path) {
  std::vector<Expectation> out;
  if (path.empty()) return out;
  const auto refuse = [&](const std::string& why) { return Error{ConformError::kExpectations, path + ": " + why}; };
  std::ifstream in(path);
  if (!in) return refuse("cannot read the expectations file");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {  // nlohmann's way to say "not JSON"
    return refuse(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("xfail") || !j["xfail"].is_array())
    return refuse("expected {\"xfail\": [{\"host\": NAME, \"case\": GLOB, \"reason\": TEXT}, ...]}");
  for (const auto& e : j["xfail"]) {
    if (!e.is_object() || !e.contains("host") || !e.contains("case") || !e.contains("reason") || !e["host"].is_string() ||
        !e["case"].is_string() || !e["reason"].is_string() || e["reason"].get<std::string>().empty())
      return refuse("every xfail entry needs \"host\", \"case\" and a non-empty \"reason\"");
    out.push_back({e["host"], e["case"], e["reason"]});
  }
  return out;
}

bool glob_any(const std::string& patterns, const std::string& id) {
  std::stringstream ss(patterns);
  std::string p;
  while (std::getline(ss, p, ','))
    if (!p.empty() && fnmatch(p.c_str(), id.c_str(), 0) == 0) return true;
  return false;
}

std::string now_rfc3339() {
  time_t t = time(nullptr);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  return buf;
}

std::string shell_quote(const std::string& s) {
  if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == std::string::npos) return s;
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

// How cases run on adapter `a`: its agent image (or the default), a work
// directory per host (and mutant) under --out.
RunConfig run_config(const Options& o, const Adapter& a, const std::string& mutant, const std::string& dir_suffix) {
  RunConfig cfg;
  cfg.adapter = &a;
  cfg.agent_image = a.agent.empty() ? o.agent : a.agent;
  cfg.report_dir = (fs::absolute(o.out) / "").lexically_normal().parent_path().string();  // no trailing '/'
  cfg.work_dir = cfg.report_dir + "/work/" + path_safe(a.name + dir_suffix);
  cfg.seed = o.seed;
  cfg.mutant = mutant;
  return cfg;
}

struct HostRunConfig {
  const Adapter* adapter;
  std::string mutant;
  bool fail_fast;
  bool progress;
  std::string label;
};

// Runs the cases on one host; fills `run`. Returns true if no FAIL/XPASS.
// `positions`: each case's place in the whole selection (CaseResult.position).
bool run_host(const Options& o, const HostRunConfig& h, const std::vector<const Case*>& cases, const std::vector<Expectation>& xf,
              const std::map<std::string, uint32_t>& positions, HostRun& run) {
  const Adapter& a = *h.adapter;
  const RunConfig cfg = run_config(o, a, h.mutant, h.mutant.empty() ? "" : "-" + h.mutant);
  run.set_name(a.name);
  run.set_adapter(a.path);
  for (const auto& c : a.capabilities) run.add_capabilities(c);
  std::vector<CaseResult> results(cases.size());
  std::atomic<size_t> next{0}, done{0}, failed{0};
  std::atomic<bool> stop{false};
  std::mutex print_mu;
  auto t0 = Clock::now();
  auto progress = [&] {
    if (!h.progress) return;
    std::lock_guard<std::mutex> l(print_mu);
    double el = std::chrono::duration<double>(Clock::now() - t0).count();
    fprintf(stderr, "\r[%s] %zu/%zu cases, %zu failed, %.1f s   ", h.label.c_str(), done.load(), cases.size(), failed.load(), el);
    fflush(stderr);
  };
  auto worker = [&] {
    for (;;) {
      size_t i = next++;
      if (i >= cases.size() || stop) return;
      const Case& c = *cases[i];
      CaseResult& r = results[i];
      r.set_id(c.id);
      if (auto p = positions.find(c.id); p != positions.end()) r.set_position(p->second);
      r.set_group(c.group);
      r.set_call(c.call);
      r.set_seed(o.seed);
      std::string missing;
      for (const auto& n : c.needs)
        if (!a.has(n)) missing += (missing.empty() ? "" : ", ") + n;
      if (!missing.empty()) {
        r.set_outcome(SKIP);
        r.set_reason("the host does not declare: " + missing);
      } else {
        execute_case(c, cfg, r);
        static const std::string self = [] {
          std::error_code ec;
          auto p = fs::read_symlink("/proc/self/exe", ec);
          return ec ? std::string("xabi-conform") : p.string();
        }();
        std::string repro = shell_quote(self) + " --host " + shell_quote(fs::absolute(a.path).string()) + " --cases " + shell_quote(c.id) +
                            " --seed " + std::to_string(o.seed) + (h.mutant.empty() ? "" : " --mutant " + h.mutant) +
                            " --out " + shell_quote(fs::absolute(o.out).string() + "/repro");
        r.set_repro(repro);
        for (const auto& e : xf)
          if (e.host == a.name && fnmatch(e.pattern.c_str(), c.id.c_str(), 0) == 0) {
            r.set_reason(e.reason);
            r.set_outcome(r.outcome() == FAIL ? XFAIL : XPASS);
            break;
          }
        if (r.outcome() == FAIL || r.outcome() == XPASS) {
          ++failed;
          if (h.fail_fast) stop = true;
        }
      }
      ++done;
      progress();
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, o.jobs); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (h.progress) fprintf(stderr, "\n");
  std::map<std::string, uint64_t> hits;
  for (auto& r : results) {
    if (r.id().empty()) continue;  // not run (fail-fast)
    for (const auto& rr : r.rules_reached()) ++hits[rr];
    *run.add_cases() = std::move(r);
  }
  *run.mutable_totals() = count_outcomes(run);
  const Totals* tot = &run.totals();
  // Coverage: every outcome of every rule, reached or not.
  for (const auto& c : meta::kCalls)
    for (const auto& rule : c.rules)
      for (const auto& oc : rule.outcomes) {
        RuleHit* hit = run.add_coverage();
        hit->set_call(std::string(c.name));
        hit->set_rule(std::string(rule.name));
        hit->set_outcome(std::string(oc.name));
        std::string key = std::string(c.name) + "." + std::string(rule.name) + "." + std::string(oc.name);
        hit->set_count(hits.count(key) ? hits[key] : 0);
      }
  run.set_duration_s(std::chrono::duration<double>(Clock::now() - t0).count());
  return tot->fail() == 0 && tot->xpass() == 0;
}

// The adapter's agent image exists and its command can be run.
Status preflight(const Adapter& a, const std::string& default_agent) {
  std::string agent = a.agent.empty() ? default_agent : a.agent;
  if (!fs::exists(agent))
    return Error{ConformError::kAdapter,
                 a.path + ": the agent image " + agent + " does not exist (build target xabi-agent, or set \"agent\")"};
  LaunchVars v;
  v.image = agent;
  auto argv = a.expand(v);
  const std::string& exe = argv[0];
  if (exe.find('/') != std::string::npos) {
    if (access(exe.c_str(), X_OK) != 0)
      return Error{ConformError::kAdapter, a.path + ": the host command " + exe + " is not an executable file"};
  }
  return {};
}

}  // namespace

bool load_all_cases(const Options& o, std::vector<Case>& out, std::vector<std::string>& errors) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(o.cases_dir, ec))
    if (e.path().extension() == ".cases") files.push_back(e.path());
  if (ec) errors.push_back(o.cases_dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) parse_case_file(f.string(), out, errors);
  spec_cases(o.cases_dir + "/fixtures.txt", out, errors);
  isolation_cases(out);
  fault_cases(out);
  std::set<std::string> ids;
  for (const auto& c : out)
    if (!ids.insert(c.id).second) errors.push_back("case id " + c.id + " is defined twice");
  return errors.empty();
}

bool case_selected(const Case& c, const Options& o) {
  if (!o.cases.empty() && !glob_any(o.cases, c.id)) return false;
  if (o.quick && o.cases.empty() && !c.quick) return false;
  return true;
}

void ReportFiles::wrote(const Status& write, const std::string& path) {
  if (write) {
    written.push_back(path);
  } else {
    std::cerr << "xabi-conform: cannot write the report " << path << ": " << write.error().detail << "\n";
    unwritten.push_back(path);
  }
}

int publish_reports(const Report& report, const std::string& out, bool junit, ReportFiles files) {
  if (junit)
    for (const auto& run : report.hosts()) {
      const std::string path = out + "/junit-" + run.name() + ".xml";
      files.wrote(write_junit(run, report, path), path);
    }
  files.wrote(write_json(report, out + "/report.json"), out + "/report.json");
  files.wrote(write_html(report, out + "/report.html"), out + "/report.html");
  const auto& written = files.written;
  const auto& unwritten = files.unwritten;
  std::cout << summary_table(report);
  if (!written.empty()) {
    std::cout << "reports:";
    for (size_t i = 0; i < written.size(); ++i) std::cout << (i ? ", " : " ") << written[i];
    std::cout << "\n";
  }
  if (!unwritten.empty()) {
    std::cerr << "xabi-conform: " << unwritten.size() << " report file" << (unwritten.size() == 1 ? "" : "s")
              << " could not be written; the run fails (exit " << kExitReportNotWritten << ")\n";
    return kExitReportNotWritten;
  }
  return 0;
}

int run_suite(const Options& o) {
  std::vector<Case> all;
  std::vector<std::string> errors;
  if (!load_all_cases(o, all, errors)) {
    for (const auto& e : errors) std::cerr << "xabi-conform: " << e << "\n";
    return 2;
  }
  std::vector<const Case*> sel;
  for (const auto& c : all)
    if (case_selected(c, o)) sel.push_back(&c);
  std::map<std::string, uint32_t> positions;
  for (size_t i = 0; i < sel.size(); ++i) positions[sel[i]->id] = static_cast<uint32_t>(i);
  // The hosts run this shard's part of the selection; the mutation check
  // shards its mutants instead and runs each on the whole selection (a kill
  // by the first failing case stays the same kill in a merged report).
  std::vector<const Case*> part;
  for (const Case* c : sel)
    if (!o.shard || in_shard(c->id, *o.shard)) part.push_back(c);
  if (o.list) {
    for (const Case* c : part) {
      std::cout << c->id;
      if (!c->needs.empty()) {
        std::cout << "  [needs";
        for (const auto& n : c->needs) std::cout << " " << n;
        std::cout << "]";
      }
      std::cout << "\n";
    }
    std::cerr << part.size() << " cases";
    if (o.shard) std::cerr << " (shard " << o.shard->index << "/" << o.shard->count << " of " << sel.size() << ")";
    std::cerr << "\n";
    return 0;
  }
  if (sel.empty()) {
    std::cerr << "xabi-conform: no case matches " << (o.cases.empty() ? "--quick" : o.cases) << " (see --list)\n";
    return 2;
  }
  std::vector<Adapter> adapters;
  for (const auto& path : o.hosts) {
    auto l = load_adapter(path);
    if (!l) {
      std::cerr << "xabi-conform: bad adapter: " << l.error().detail << "\n";
      return 2;
    }
    if (auto ready = preflight(l.value(), o.agent); !ready) {
      std::cerr << "xabi-conform: " << ready.error().detail << "\n";
      return 2;
    }
    adapters.push_back(std::move(l).value());
  }
  std::optional<Adapter> mutant_adapter;
  if (!o.mutants.empty()) {
    auto l = load_adapter(o.mutants);
    if (!l) {
      std::cerr << "xabi-conform: bad adapter: " << l.error().detail << "\n";
      return 2;
    }
    if (l.value().mutants_list.empty()) {
      std::cerr << "xabi-conform: " << o.mutants << ": --mutants needs an adapter with a \"mutants\" command\n";
      return 2;
    }
    if (auto ready = preflight(l.value(), o.agent); !ready) {
      std::cerr << "xabi-conform: " << ready.error().detail << "\n";
      return 2;
    }
    mutant_adapter = std::move(l).value();
  }
  if (adapters.empty() && !mutant_adapter) {
    std::cerr << "xabi-conform: no --host given\n";
    return 2;
  }
  auto expectations = load_expectations(o.expect);
  if (!expectations) {
    std::cerr << "xabi-conform: " << expectations.error().detail << "\n";
    return 2;
  }
  const std::vector<Expectation> xf = std::move(expectations).value();
  if (std::error_code ec; !fs::create_directories(o.out, ec) && ec) {
    std::cerr << "xabi-conform: --out " << o.out << ": cannot create it: " << ec.message() << "\n";
    return 2;
  }
  // Report files that could not be written: the run then fails (exit 3).
  ReportFiles files;
  const bool tty = isatty(2);
  Report report;
  report.set_abi_version(meta::kAbiVersion);
  report.set_spec(std::string(meta::kSpecPath));
  report.set_started_at(now_rfc3339());
  report.set_seed(o.seed);
  report.set_command(o.command_line);
  report.set_quick(o.quick);
  if (o.shard) {
    report.mutable_shard()->set_index(o.shard->index);
    report.mutable_shard()->set_count(o.shard->count);
    report.mutable_shard()->set_selected(static_cast<uint32_t>(sel.size()));
  }
  auto t0 = Clock::now();
  bool ok = true;
  // A host that cannot run the agent at all would fail every case slowly
  // (each waits for its start timeout): one launch first, with a clear error.
  for (const auto& a : adapters) {
    Case smoke;
    smoke.id = "contract/smoke";
    smoke.group = "process";
    const RunConfig cfg = run_config(o, a, o.mutant, "-smoke");
    CaseResult r;
    execute_case(smoke, cfg, r);
    if (r.outcome() != PASS) {
      std::cerr << "xabi-conform: " << a.path << ": the host could not run the agent: " << r.failure().summary() << " (expected "
                << r.failure().expected() << "; observed " << r.failure().observed() << ")\n";
      if (!r.failure().host_stderr().empty()) std::cerr << "host stderr:\n" << r.failure().host_stderr() << "\n";
      if (!r.failure().trace().empty()) std::cerr << "command: " << r.failure().trace(0).action() << "\n";
      return 2;
    }
  }
  for (const auto& a : adapters) {
    HostRun* run = report.add_hosts();
    ok &= run_host(o, {&a, o.mutant, o.fail_fast, tty, a.name}, part, xf, positions, *run);
    const std::string junit = o.out + "/junit-" + a.name + ".xml";
    files.wrote(write_junit(*run, report, junit), junit);
  }
  if (mutant_adapter) {
    // The mutation check: every mutant must fail at least one case.
    std::string cmd;
    for (const auto& part : mutant_adapter->mutants_list) cmd += shell_quote(part) + " ";
    FILE* f = popen(cmd.c_str(), "r");
    std::string text;
    char buf[4096];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    int st = f ? pclose(f) : -1;
    nlohmann::json list;
    try {
      list = nlohmann::json::parse(text);
    } catch (...) {
    }
    if (st != 0 || !list.is_array() || list.empty()) {
      std::cerr << "xabi-conform: " << o.mutants << ": the mutants command (" << cmd << ") did not print a JSON array of mutants\n";
      return 2;
    }
    MutationRun* mr = report.mutable_mutation();
    mr->set_host(mutant_adapter->name);
    // The baseline: the mutant host with no mutant active. Only cases it
    // passes can tell a mutant apart.
    HostRun base;
    run_host(o, {&*mutant_adapter, "", false, tty, "baseline, no mutant"}, sel, {}, positions, base);
    std::vector<const Case*> usable;
    for (size_t i = 0; i < sel.size(); ++i) {
      const CaseResult* r = nullptr;
      for (const auto& c : base.cases())
        if (c.id() == sel[i]->id) r = &c;
      if (r && r->outcome() == PASS) usable.push_back(sel[i]);
      else if (r && r->outcome() != SKIP) mr->add_excluded_cases(sel[i]->id);
    }
    mr->set_cases_used(static_cast<uint32_t>(usable.size()));
    if (usable.empty()) {
      std::cerr << "xabi-conform: no case passes on " << mutant_adapter->name << " without a mutant; no mutation check possible\n";
      return 1;
    }
    if (o.shard) report.mutable_shard()->set_mutants(static_cast<uint32_t>(list.size()));
    std::vector<size_t> mine;  // this shard's mutants: indexes into list
    for (size_t i = 0; i < list.size(); ++i)
      if (!o.shard || in_shard(list[i].value("name", ""), *o.shard)) mine.push_back(i);
    std::vector<Mutant> ms(mine.size());
    std::atomic<size_t> next{0}, done{0};
    std::mutex mu;
    Options mo = o;
    mo.jobs = 1;  // parallel across mutants instead
    auto worker = [&] {
      for (;;) {
        const size_t k = next++;
        if (k >= mine.size()) return;
        Mutant& m = ms[k];
        const size_t i = mine[k];
        m.set_position(static_cast<uint32_t>(i));
        m.set_name(list[i].value("name", ""));
        m.set_group(list[i].value("group", ""));
        m.set_fault(list[i].value("fault", ""));
        HostRun hr;
        run_host(mo, {&*mutant_adapter, m.name(), true, false, m.name()}, usable, {}, positions, hr);
        for (const auto& c : hr.cases())
          if (c.outcome() == FAIL) {
            m.set_killed(true);
            m.set_killed_by(c.id());
            m.set_note(c.failure().summary());
            break;
          }
        if (!m.killed()) m.set_note("survived " + std::to_string(hr.cases_size()) + " cases: " + list[i].value("catch", ""));
        ++done;
        if (tty) {
          std::lock_guard<std::mutex> l(mu);
          fprintf(stderr, "\r[mutants] %zu/%zu run   ", done.load(), mine.size());
          fflush(stderr);
        }
      }
    };
    std::vector<std::thread> pool;
    for (int j = 0; j < std::max(1, o.jobs); ++j) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    if (tty) fprintf(stderr, "\n");
    uint32_t killed = 0;
    for (auto& m : ms) {
      killed += m.killed();
      *mr->add_mutants() = m;
    }
    mr->set_total(static_cast<uint32_t>(ms.size()));
    mr->set_killed(killed);
    mr->set_score(ms.empty() ? 0 : static_cast<double>(killed) / static_cast<double>(ms.size()));
    ok &= killed == ms.size();
  }
  report.set_duration_s(std::chrono::duration<double>(Clock::now() - t0).count());
  if (const int st = publish_reports(report, o.out, false, std::move(files)); st != 0) return st;
  return ok ? 0 : 1;
}

}  // namespace xabi::conform
