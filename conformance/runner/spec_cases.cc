#include "spec_cases.h"

#include <fstream>
#include <map>
#include <sstream>

#include "xabi/meta.hpp"

namespace xabi::conform {
namespace {

struct Fixture {
  std::vector<std::string> needs, setup;
  std::map<std::string, std::string> defaults;
  int worker = 0;
  int line = 0;
};

struct Value {
  std::string label, token;
  bool quick;
  std::vector<std::string> setup = {};  // steps the value needs first
};

std::string num(uint64_t v) { return std::to_string(v); }
std::string snum(int64_t v) { return std::to_string(v); }

// Boundary values of one parameter, from its constraints in the spec.
std::vector<Value> boundaries(const meta::ParamInfo& p, const std::string& dflt) {
  std::vector<Value> v;
  using T = meta::Type;
  if (p.type == T::kCstr) {
    v.push_back({"empty", "\"\"", false});
    v.push_back({"max_len", "\"" + std::string(p.max_len, 'A') + "\"", false});
    v.push_back({"over_max_len", "\"" + std::string(p.max_len + 1, 'A') + "\"", true});
    // Strings by address: never guest memory by the spec's own criteria (E_FAULT).
    v.push_back({"null", "0", true});
    v.push_back({"in_null_page", "4095", false});
    v.push_back({"kernel_half", "ADDR_LIMIT", false});
    return v;
  }
  if (p.type == T::kPtr && (p.len_param >= 0 || p.count_param >= 0)) {
    // The EFAULT discipline (spec: E_FAULT), for every buffer and array: the
    // model knows which of these must fault (NULL page, beyond ADDR_LIMIT,
    // wrapping, partly memory from xabi_alloc) and which may (outside memory
    // from xabi_alloc, where only the host knows its static memory).
    const std::vector<std::string> page = {"call alloc PAGE -> $fault_page expect != 0"};
    const std::vector<std::string> freed = {"call alloc PAGE -> $fault_page expect != 0",
                                            "call free $fault_page PAGE expect == 0"};
    v.push_back({"null", "0", true});
    v.push_back({"in_null_page", "4094", false});
    v.push_back({"unmapped", "65536", true});
    v.push_back({"freed", "$fault_page", true, freed});
    v.push_back({"runs_past_allocation", "$fault_page+PAGE-2", true, page});
    v.push_back({"starts_before_allocation", "$fault_page-2", false, page});
    v.push_back({"kernel_half", "ADDR_LIMIT-2", false});
    v.push_back({"wraps_around", "18446744073709551614", false});
    if (p.dir != meta::Dir::kIn) v.push_back({"read_only", "$alarms", true});
    return v;
  }
  if (p.type == T::kPtr) {
    if (p.align > 1) v.push_back({"misaligned", dflt + "+" + num(p.align / 2 ? p.align / 2 : 1), true});
    v.push_back({"zero", "0", false});
    v.push_back({"unmapped", "65536", false});  // not guest memory for a host whose static memory is elsewhere
    v.push_back({"addr_limit", "ADDR_LIMIT", false});
    v.push_back({"all_ones", "18446744073709551615", false});
    return v;
  }
  if (p.has_range) {
    if (p.range_min > 0) v.push_back({"min-1", snum(p.range_min - 1), true});
    v.push_back({"min", snum(p.range_min), false});
    v.push_back({"max", num(p.range_max), false});
    uint64_t type_max = (p.type == T::kU32) ? 0xffffffffu : (p.type == T::kI32 || p.type == T::kChannel) ? 0x7fffffffu : ~0ull;
    if (p.range_max < type_max) v.push_back({"max+1", num(p.range_max + 1), true});
    if (p.range_min != 0) v.push_back({"zero", "0", false});
    return v;
  }
  switch (p.type) {
    case T::kU32:
      v = {{"zero", "0", false}, {"one", "1", false}, {"u32_max", "4294967295", false}};
      break;
    case T::kI32:
      v = {{"minus_one", "-1", false}, {"zero", "0", false}, {"i32_max", "2147483647", false}};
      break;
    case T::kChannel:
      v = {{"minus_one", "-1", true}, {"limit", "LIMIT_CHANNELS", false}, {"i32_max", "2147483647", false}, {"i32_min", "-2147483648", false}};
      break;
    default:
      v = {{"zero", "0", false}, {"one", "1", false}, {"u64_max", "18446744073709551615", false}};
  }
  return v;
}

bool read_fixtures(const std::string& path, std::map<std::string, Fixture>& out, std::vector<std::string>& errors) {
  std::ifstream in(path);
  if (!in) {
    errors.push_back(path + ": cannot read the fixtures file");
    return false;
  }
  std::string line, cur;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string l = line.substr(0, line.find('#') == std::string::npos || line.find('"') < line.find('#') ? std::string::npos : line.find('#'));
    std::istringstream ls(l);
    std::string k;
    if (!(ls >> k)) continue;
    std::string rest;
    std::getline(ls, rest);
    if (!rest.empty() && rest[0] == ' ') rest.erase(0, rest.find_first_not_of(' '));
    auto err = [&](const std::string& m) { errors.push_back(path + ":" + std::to_string(n) + ": " + m); };
    if (k == "fixture") {
      if (!cur.empty()) err("fixture inside fixture " + cur);
      cur = rest;
      if (!meta::find_call(cur)) err("no call named " + cur + " in the spec");
      if (out.count(cur)) err("fixture " + cur + " defined twice");
      out[cur].line = n;
    } else if (cur.empty()) {
      err("expected \"fixture CALL\"");
    } else if (k == "end") {
      cur.clear();
    } else if (k == "needs") {
      std::istringstream rs(rest);
      std::string c;
      while (rs >> c) out[cur].needs.push_back(c);
    } else if (k == "worker") {
      out[cur].worker = std::atoi(rest.c_str());
    } else if (k == "setup") {
      out[cur].setup.push_back(rest);
    } else if (k == "default") {
      size_t sp = rest.find(' ');
      if (sp == std::string::npos) err("default PARAM OPERAND");
      else out[cur].defaults[rest.substr(0, sp)] = rest.substr(sp + 1);
    } else {
      err("unknown line \"" + k + "\"");
    }
  }
  if (!cur.empty()) errors.push_back(path + ": fixture " + cur + " is not closed with end");
  return errors.empty();
}

}  // namespace

bool spec_cases(const std::string& fixtures_path, std::vector<Case>& out, std::vector<std::string>& errors) {
  std::map<std::string, Fixture> fx;
  if (!read_fixtures(fixtures_path, fx, errors)) return false;
  std::ostringstream text;
  for (const meta::CallInfo& c : meta::kCalls) {
    const std::string name(c.name);
    if (name == "exit" || name == "thread_exit" || name == "thread_create") continue;
    auto it = fx.find(name);
    if (it == fx.end()) {
      errors.push_back(fixtures_path + ": call " + name + " (spec line " + std::to_string(c.line) +
                       ") has no fixture, so no generated case can call it");
      continue;
    }
    const Fixture& f = it->second;
    for (const auto& p : c.params)
      if (!f.defaults.count(std::string(p.name)))
        errors.push_back(fixtures_path + ":" + std::to_string(f.line) + ": fixture " + name + " lacks a default for " + std::string(p.name));
    if (!errors.empty()) continue;
    auto emit = [&](const std::string& id, const std::map<std::string, std::string>& vals, bool quick,
                    const std::vector<std::string>& extra_setup = {}) {
      text << "case spec/" << name << "/" << id << "\n  group " << c.group << "\n  about " << name << "\n";
      if (!f.needs.empty()) {
        text << "  needs";
        for (const auto& n : f.needs) text << " " << n;
        text << "\n";
      }
      if (quick) text << "  quick\n";
      if (f.worker) text << "  spawn " << f.worker << "\n";
      for (const auto& s : f.setup) text << "  " << s << "\n";
      for (const auto& s : extra_setup) text << "  " << s << "\n";
      text << "  " << (f.worker ? "on " + std::to_string(f.worker) + " " : "") << "call " << name;
      for (const auto& p : c.params) text << " " << vals.at(std::string(p.name));
      text << "\nend\n";
    };
    std::map<std::string, std::string> base;
    for (const auto& p : c.params) base[std::string(p.name)] = f.defaults.at(std::string(p.name));
    emit("valid", base, true);
    for (size_t i = 0; i < c.params.size(); ++i) {
      const meta::ParamInfo& p = c.params[i];
      for (const Value& v : boundaries(p, base[std::string(p.name)])) {
        auto vals = base;
        vals[std::string(p.name)] = v.token;
        // A varied length or count resizes the buffer or array it governs,
        // so the call sees as many bytes as it is told (within the agent's scratch).
        for (size_t j = 0; j < c.params.size(); ++j) {
          const meta::ParamInfo& q = c.params[j];
          const std::string qn(q.name);
          if (q.len_param == static_cast<int>(i) && v.token.find_first_not_of("0123456789") == std::string::npos) {
            uint64_t n = std::min<uint64_t>(std::stoull(v.token), 65536);
            const std::string& d = base[qn];
            vals[qn] = d[0] == '"' ? "fill:" + num(n) + ":104" : "zero:" + num(n);
          }
          if (q.count_param == static_cast<int>(i) && v.token.find_first_not_of("0123456789") == std::string::npos) {
            uint64_t n = std::min<uint64_t>(std::stoull(v.token), 128);
            vals[qn] = n ? base[qn] + "*" + num(n) : base[qn];
          }
        }
        emit(std::string(p.name) + "=" + v.label, vals, v.quick, v.setup);
      }
    }
  }
  if (!errors.empty()) return false;
  return parse_case_text(text.str(), "spec (generated from " + fixtures_path + ")", out, errors);
}

}  // namespace xabi::conform
