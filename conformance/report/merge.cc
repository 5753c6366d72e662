#include "merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "report_writers.h"

namespace xabi::conform {
namespace {

std::string shard_text(const Report& r) {
  if (!r.has_shard()) return "unsharded";
  return "shard " + std::to_string(r.shard().index()) + "/" + std::to_string(r.shard().count());
}

std::string host_names(const Report& r) {
  std::string s;
  for (const auto& h : r.hosts()) s += (s.empty() ? "" : ", ") + h.name();
  return "[" + s + "]";
}

// Every way a report can belong to another run than the first one (kMerge,
// the detail says how it differs).
Status other_run(const Report& first, const Report& r) {
  const auto other = [](std::string why) { return Error{ConformError::kMerge, std::move(why)}; };
  if (r.abi_version() != first.abi_version())
    return other("ABI version " + std::to_string(r.abi_version()) + ", not " + std::to_string(first.abi_version()));
  if (r.spec() != first.spec()) return other("spec " + r.spec() + ", not " + first.spec());
  if (r.seed() != first.seed()) return other("seed " + std::to_string(r.seed()) + ", not " + std::to_string(first.seed()));
  if (r.quick() != first.quick()) return other(std::string(r.quick() ? "a --quick run" : "a full run") + ", the first is not");
  if (host_names(r) != host_names(first)) return other("hosts " + host_names(r) + ", not " + host_names(first));
  if (r.has_shard() != first.has_shard() || r.shard().count() != first.shard().count())
    return other(shard_text(r) + ", the first is " + shard_text(first));
  if (r.shard().selected() != first.shard().selected())
    return other("a selection of " + std::to_string(r.shard().selected()) + " cases, not " +
                 std::to_string(first.shard().selected()));
  if (r.has_mutation() != first.has_mutation()) return other(r.has_mutation() ? "a mutation check, the first has none" : "no mutation check, the first has one");
  if (r.has_mutation() && r.mutation().host() != first.mutation().host())
    return other("mutants of " + r.mutation().host() + ", not " + first.mutation().host());
  if (r.shard().mutants() != first.shard().mutants())
    return other(std::to_string(r.shard().mutants()) + " mutants listed, not " + std::to_string(first.shard().mutants()));
  return {};
}

}  // namespace

Result<Report> merge_reports(const std::vector<ShardReport>& shards, const std::string& command) {
  auto refuse = [](std::string why) { return Error{ConformError::kMerge, std::move(why)}; };
  if (shards.empty()) return refuse("no report to merge");
  const Report& first = shards[0].report;
  const uint32_t count = first.has_shard() ? first.shard().count() : 1;
  std::map<uint32_t, std::string> seen;  // shard index -> file
  for (const auto& s : shards) {
    if (const Status same = other_run(first, s.report); !same)
      return refuse(s.name + " is from another run than " + shards[0].name + ": " + same.error().detail);
    const uint32_t index = s.report.has_shard() ? s.report.shard().index() : 1;
    if (index < 1 || index > count) return refuse(s.name + ": " + shard_text(s.report) + " is not a valid shard");
    if (auto [it, fresh] = seen.emplace(index, s.name); !fresh)
      return refuse(s.name + ": shard " + std::to_string(index) + "/" + std::to_string(count) + " is also " + it->second);
  }
  std::string missing;
  for (uint32_t k = 1; k <= count; ++k)
    if (!seen.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(count);
  if (!missing.empty()) return refuse("missing shard " + missing + " (every shard 1.." + std::to_string(count) + " is needed)");

  Report out = first;
  out.clear_shard();
  out.clear_hosts();
  out.clear_mutation();
  out.set_command(command);
  out.set_duration_s(0);
  for (const auto& s : shards) {
    // The earliest start; the time all shards took together.
    if (s.report.started_at() < out.started_at()) out.set_started_at(s.report.started_at());
    out.set_duration_s(out.duration_s() + s.report.duration_s());
  }
  for (int h = 0; h < first.hosts_size(); ++h) {
    HostRun* host = out.add_hosts();
    *host = first.hosts(h);
    host->clear_cases();
    host->clear_coverage();
    host->clear_totals();
    host->set_duration_s(0);
    std::map<std::string, std::string> where;  // case id -> file
    std::vector<CaseResult> cases;
    // Coverage in the first report's order, counts added up.
    std::vector<RuleHit> coverage;
    std::map<std::tuple<std::string, std::string, std::string>, size_t> hit_at;
    for (const auto& s : shards) {
      const HostRun& part = s.report.hosts(h);
      host->set_duration_s(host->duration_s() + part.duration_s());
      for (const auto& c : part.cases()) {
        if (auto [it, fresh] = where.emplace(c.id(), s.name); !fresh)
          return refuse("case " + c.id() + " on " + part.name() + " is in both " + it->second + " and " + s.name);
        cases.push_back(c);
      }
      for (const auto& hit : part.coverage()) {
        auto key = std::make_tuple(hit.call(), hit.rule(), hit.outcome());
        if (auto it = hit_at.find(key); it != hit_at.end()) {
          coverage[it->second].set_count(coverage[it->second].count() + hit.count());
        } else {
          hit_at.emplace(key, coverage.size());
          coverage.push_back(hit);
        }
      }
    }
    std::stable_sort(cases.begin(), cases.end(),
                     [](const CaseResult& a, const CaseResult& b) { return a.position() < b.position(); });
    for (auto& c : cases) *host->add_cases() = std::move(c);
    for (auto& hit : coverage) *host->add_coverage() = std::move(hit);
    *host->mutable_totals() = count_outcomes(*host);
  }
  if (first.has_mutation()) {
    MutationRun* mr = out.mutable_mutation();
    *mr = first.mutation();
    mr->clear_mutants();
    // Every shard ran the same baseline; a case excluded by any of them is out.
    std::set<std::string> excluded(mr->excluded_cases().begin(), mr->excluded_cases().end());
    std::map<std::string, std::string> where;
    std::vector<Mutant> mutants;
    for (const auto& s : shards) {
      const MutationRun& part = s.report.mutation();
      mr->set_cases_used(std::min(mr->cases_used(), part.cases_used()));
      for (const auto& c : part.excluded_cases())
        if (excluded.insert(c).second) mr->add_excluded_cases(c);
      for (const auto& m : part.mutants()) {
        if (auto [it, fresh] = where.emplace(m.name(), s.name); !fresh)
          return refuse("mutant " + m.name() + " is in both " + it->second + " and " + s.name);
        mutants.push_back(m);
      }
    }
    std::stable_sort(mutants.begin(), mutants.end(),
                     [](const Mutant& a, const Mutant& b) { return a.position() < b.position(); });
    uint32_t killed = 0;
    for (auto& m : mutants) {
      killed += m.killed();
      *mr->add_mutants() = std::move(m);
    }
    mr->set_total(static_cast<uint32_t>(mr->mutants_size()));
    mr->set_killed(killed);
    mr->set_score(mr->total() == 0 ? 0 : static_cast<double>(killed) / static_cast<double>(mr->total()));
  }
  return out;
}

}  // namespace xabi::conform
