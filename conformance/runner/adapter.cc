#include "adapter.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "xabi/meta.hpp"


namespace xabi::conform {
namespace {

using nlohmann::json;

const std::set<std::string> kPlaceholders = {"image", "listen", "memory", "origin", "args", "mutant"};

// Checks that every {name} in `s` is a known placeholder; the error's
// detail says which is not.
Status check_placeholders(const std::string& s) {
  const auto refuse = [](std::string why) { return Error{ConformError::kAdapter, std::move(why)}; };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '{') continue;
    size_t j = s.find('}', i);
    if (j == std::string::npos) return refuse("unterminated placeholder in \"" + s + "\"");
    std::string name = s.substr(i + 1, j - i - 1);
    if (!kPlaceholders.count(name)) return refuse("unknown placeholder {" + name + "} in \"" + s + "\"");
    if (name == "args" && s != "{args}") return refuse("{args} must be a whole element (it expands to several)");
    i = j;
  }
  return {};
}

std::string substitute(const std::string& s, const LaunchVars& v) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t j = s[i] == '{' ? s.find('}', i) : std::string::npos;
    if (j == std::string::npos) {
      out += s[i];
      continue;
    }
    std::string name = s.substr(i + 1, j - i - 1);
    if (name == "image") out += v.image;
    else if (name == "listen") out += v.listen;
    else if (name == "memory") out += std::to_string(v.memory);
    else if (name == "origin") out += v.origin;
    else if (name == "mutant") out += v.mutant;
    i = j;
  }
  return out;
}

bool var_set(const std::string& name, const LaunchVars& v) {
  if (name == "origin") return !v.origin.empty();
  if (name == "args") return !v.args.empty();
  if (name == "mutant") return !v.mutant.empty();
  if (name == "listen") return !v.listen.empty();
  if (name == "no_console") return v.no_console;
  if (name == "stdio") return v.stdio;
  return true;  // image, memory are always bound
}

void push_expanded(std::vector<std::string>& out, const std::string& s, const LaunchVars& v) {
  if (s == "{args}") out.insert(out.end(), v.args.begin(), v.args.end());
  else out.push_back(substitute(s, v));
}

}  // namespace

const std::set<std::string>& known_capabilities() {
  static const std::set<std::string> caps = [] {
    std::set<std::string> c = {"isolation", "proc_inspect", "bare_launch", "linux_syscalls", "escape_violations"};
    for (std::string_view spec_cap : meta::kCapabilities) c.insert(std::string(spec_cap));
    return c;
  }();
  return caps;
}

std::vector<std::string> Adapter::expand(const LaunchVars& v) const {
  std::vector<std::string> out;
  for (const Part& p : command) {
    if (p.cond.empty()) {
      push_expanded(out, p.text, v);
    } else if (var_set(p.cond, v)) {
      for (const auto& g : p.group) push_expanded(out, g, v);
    }
  }
  return out;
}

std::map<std::string, std::string> Adapter::expand_env(const LaunchVars& v) const {
  std::map<std::string, std::string> out;
  for (const auto& [k, val] : env) out[k] = substitute(val, v);
  return out;
}

Result<Adapter> parse_adapter(const std::string& text, const std::string& path) {
  auto fail = [&](const std::string& what) { return Error{ConformError::kAdapter, path + ": " + what}; };
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
    return fail(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return fail("the adapter must be a JSON object");
  static const std::set<std::string> keys = {"name", "description", "command", "env", "capabilities", "agent",
                                             "violation_exit_status", "picoprocess_fds", "timeouts", "mutants"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!keys.count(it.key())) return fail("unknown key \"" + it.key() + "\"");
  Adapter a;
  a.path = path;
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
    return fail("key \"name\": a non-empty string is required");
  a.name = j["name"];
  for (char c : a.name)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return fail("key \"name\": only letters, digits, '-', '_' and '.' (it names files)");
  if (j.contains("description")) {
    if (!j["description"].is_string()) return fail("key \"description\": must be a string");
    a.description = j["description"];
  }
  if (!j.contains("command") || !j["command"].is_array() || j["command"].empty())
    return fail("key \"command\": a non-empty array of strings and {\"if\": VAR, \"then\": [...]} groups is required");
  bool has_image = false, has_listen = false;
  for (const auto& e : j["command"]) {
    Adapter::Part p;
    if (e.is_string()) {
      p.text = e;
      if (auto placed = check_placeholders(p.text); !placed) return fail("key \"command\": " + placed.error().detail);
      has_image |= p.text.find("{image}") != std::string::npos;
      has_listen |= p.text.find("{listen}") != std::string::npos;
    } else if (e.is_object()) {
      if (!e.contains("if") || !e["if"].is_string() || !e.contains("then") || !e["then"].is_array() || e.size() != 2)
        return fail("key \"command\": a group must be exactly {\"if\": \"origin\", \"then\": [\"--origin\", \"{origin}\"]}");
      p.cond = e["if"];
      if (p.cond != "origin" && p.cond != "args" && p.cond != "mutant" && p.cond != "listen" && p.cond != "no_console" &&
          p.cond != "stdio")
        return fail("key \"command\": \"if\" must name origin, args, mutant, listen, no_console or stdio, not \"" + p.cond + "\"");
      for (const auto& g : e["then"]) {
        if (!g.is_string()) return fail("key \"command\": group elements must be strings");
        if (auto placed = check_placeholders(g); !placed) return fail("key \"command\": " + placed.error().detail);
        has_listen |= g.get<std::string>().find("{listen}") != std::string::npos;
        p.group.push_back(g);
      }
    } else {
      return fail("key \"command\": elements must be strings or {\"if\", \"then\"} groups");
    }
    a.command.push_back(p);
  }
  if (!has_image) return fail("key \"command\": must contain {image}");
  if (!has_listen) return fail("key \"command\": must contain {listen} (the suite drives its agent through it)");
  if (j.contains("env")) {
    if (!j["env"].is_object()) return fail("key \"env\": must be an object of strings");
    for (auto it = j["env"].begin(); it != j["env"].end(); ++it) {
      if (!it.value().is_string()) return fail("key \"env\": value of " + it.key() + " must be a string");
      if (auto placed = check_placeholders(it.value()); !placed) return fail("key \"env\": " + placed.error().detail);
      a.env[it.key()] = it.value();
    }
  }
  if (!j.contains("capabilities") || !j["capabilities"].is_array())
    return fail("key \"capabilities\": an array of capability names is required (may be empty)");
  for (const auto& c : j["capabilities"]) {
    if (!c.is_string()) return fail("key \"capabilities\": names must be strings");
    if (!known_capabilities().count(c)) {
      std::string known;
      for (const auto& k : known_capabilities()) known += " " + k;
      return fail("key \"capabilities\": unknown capability \"" + c.get<std::string>() + "\" (known:" + known + ")");
    }
    a.capabilities.insert(c);
  }
  if (!a.has("listen")) return fail("key \"capabilities\": the suite needs \"listen\" to drive its agent");
  if (j.contains("agent")) {
    if (!j["agent"].is_string()) return fail("key \"agent\": must be a path");
    a.agent = j["agent"];
  }
  if (j.contains("violation_exit_status")) {
    if (!j["violation_exit_status"].is_number_integer() || j["violation_exit_status"] < 1 || j["violation_exit_status"] > 255)
      return fail("key \"violation_exit_status\": an integer 1..255");
    a.violation_exit_status = j["violation_exit_status"];
  }
  if (a.has("isolation") && a.violation_exit_status < 0)
    return fail("capability \"isolation\" needs \"violation_exit_status\" (how the host reports a denied system call)");
  if (j.contains("picoprocess_fds")) {
    if (!j["picoprocess_fds"].is_array()) return fail("key \"picoprocess_fds\": an array of fd numbers");
    for (const auto& f : j["picoprocess_fds"]) {
      if (!f.is_number_integer() || f < 0) return fail("key \"picoprocess_fds\": fd numbers must be integers >= 0");
      a.picoprocess_fds.push_back(f);
    }
  }
  if (a.has("proc_inspect") && !j.contains("picoprocess_fds"))
    return fail("capability \"proc_inspect\" needs \"picoprocess_fds\"");
  if (j.contains("timeouts")) {
    const auto& t = j["timeouts"];
    if (!t.is_object()) return fail("key \"timeouts\": an object {\"start_seconds\": N, \"case_seconds\": N}");
    for (auto it = t.begin(); it != t.end(); ++it) {
      if (!it.value().is_number() || it.value() <= 0 || it.value() > 3600)
        return fail("key \"timeouts\": " + it.key() + " must be a number of seconds in (0, 3600]");
      if (it.key() == "start_seconds") a.start_timeout_s = it.value();
      else if (it.key() == "case_seconds") a.case_timeout_s = it.value();
      else return fail("key \"timeouts\": unknown key \"" + it.key() + "\"");
    }
  }
  if (j.contains("mutants")) {
    if (!j["mutants"].is_array() || j["mutants"].empty()) return fail("key \"mutants\": a command (array of strings) that lists the mutants");
    for (const auto& m : j["mutants"]) {
      if (!m.is_string()) return fail("key \"mutants\": elements must be strings");
      a.mutants_list.push_back(m);
    }
  }
  return a;
}

Result<Adapter> load_adapter(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{ConformError::kAdapter, path + ": cannot read the adapter file"};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_adapter(ss.str(), path);
}

}  // namespace xabi::conform
