// Running one case: launching a picoprocess through the adapter (CaseEnv),
// seeing it end, and turning the case's failure into its result. The steps
// themselves are run by Interp (interp.h). See execute.h.
#include "execute.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "interp.h"
#include "step_text.h"
#include "xabi/meta.hpp"

namespace xabi::conform {

using detail::Interp;
using detail::printable;

Pico::~Pico() {
  for (auto& [name, fd] : peers) close(fd);
  host.kill_group();
  (void)host.wait_for(std::chrono::milliseconds(3000));
  if (!sock_dir.empty()) std::filesystem::remove_all(sock_dir);
}

CaseOr<std::unique_ptr<Pico>> CaseEnv::launch(const LaunchOptions& o) {
  auto p = std::make_unique<Pico>();
  p->dir = dir + (o.tag.empty() ? "" : "/" + o.tag);
  if (std::error_code ec; !std::filesystem::create_directories(p->dir, ec) && ec)
    return CaseFail{"cannot create the work directory " + p->dir + ": " + ec.message(), "", "", ""};
  char tmpl[] = "/tmp/xabi-conform-XXXXXX";
  if (!mkdtemp(tmpl)) return CaseFail{std::string("mkdtemp: ") + strerror(errno), "", "", ""};
  p->sock_dir = tmpl;
  p->listen = p->sock_dir + "/agent.sock";
  if (o.origin) {
    p->origin = std::make_unique<OriginServer>();
    if (auto started = p->origin->start(); !started) return CaseFail{started.error().detail, "", "", ""};
  }
  LaunchVars v;
  v.image = cfg.agent_image;
  v.listen = p->listen;
  v.memory = o.memory;
  v.origin = p->origin ? p->origin->url() : "";
  v.args = o.args;
  v.mutant = cfg.mutant;
  ref::ModelConfig mc;
  mc.quota = o.memory;
  mc.caps.listen = true;
  mc.caps.origin = o.origin;
  mc.caps.console = cfg.adapter->has("console");
  mc.caps.stdio = cfg.adapter->has("stdio");
  mc.origin = v.origin;
  p->model = std::make_unique<ref::Model>(mc);
  p->tid[0] = 0;
  auto argv = cfg.adapter->expand(v);
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  note(0, "launch: " + cmd, "", "");
  std::string stdin_path;
  if (o.stdin_text) {
    stdin_path = p->dir + "/" + kHostStdin;
    std::ofstream f(stdin_path, std::ios::binary | std::ios::trunc);
    f << *o.stdin_text;
    if (!f.flush()) return CaseFail{"cannot write " + stdin_path, "", "", ""};
  }
  if (auto started = p->host.start(argv, cfg.adapter->expand_env(v), p->dir, stdin_path); !started)
    return CaseFail{started.error().detail, "the host starts", started.error().detail, ""};
  auto start_deadline = std::min(deadline, Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(cfg.adapter->start_timeout_s * 1000)));
  Pico* raw = p.get();
  if (auto connected = p->agent.connect(p->listen, start_deadline, [raw] { return !raw->host.poll(); }); !connected) {
    const std::string& e = connected.error().detail;
    host_stderr = p->host.stderr_tail();
    return CaseFail{"could not reach the agent: " + e, "the host listens on {listen}", p->host.exit() ? "host " + p->host.exit()->describe() : e, ""};
  }
  auto hello = p->agent.read_hello(start_deadline);
  if (!hello) {
    const std::string& e = hello.error().detail;
    (void)p->host.wait_for(std::chrono::milliseconds(500));
    host_stderr = p->host.stderr_tail();
    return CaseFail{"the agent did not start: " + e, "HELLO from the agent", p->host.exit() ? "host " + p->host.exit()->describe() : e, ""};
  }
  p->hello = hello.value();
  if (p->hello.abi_version != meta::kAbiVersion)
    return CaseFail{"the agent reports ABI version " + std::to_string(p->hello.abi_version), std::to_string(meta::kAbiVersion), "", ""};
  // The control channel came from xabi_accept: the model must see it too.
  ref::Verdict vd = p->model->check("accept", {}, static_cast<uint64_t>(p->hello.control), 0);
  note(0, "accept() [the control channel]", std::to_string(p->hello.control), vd.ok() ? "ok: " + vd.rule + "." + vd.outcome : "refused: " + vd.message);
  if (!vd.ok()) return CaseFail{"the control channel's id is not one the spec allows", "a new channel id >= 0", vd.message, "accept." + vd.rule};
  reached.insert("accept." + vd.rule + "." + vd.outcome);
  return p;
}

CaseStatus CaseEnv::finish(Pico& p) {
  if (p.ended) return {};
  for (auto& [name, fd] : p.peers) close(fd);
  p.peers.clear();
  p.agent.close_control();
  auto e = p.host.wait_for(std::chrono::milliseconds(5000));
  p.ended = true;
  host_stderr = p.host.stderr_tail();
  host_stdout = p.host.stdout_text();
  if (!e) return CaseFail{"the host did not end after its control channel closed", "exit 0 (the agent exits 0)", "still running after 5 s", ""};
  note(0, "close the control channel (the agent exits 0)", "host " + e->describe(), e->exited && e->code == 0 ? "ok" : "refused");
  if (!e->exited || e->code != 0)
    return CaseFail{"the host reported the wrong end of the picoprocess", "exit 0 (the agent returned 0)", "host " + e->describe(), "exit.ok"};
  return {};
}

void CaseEnv::note(int worker, const std::string& action, const std::string& result, const std::string& verdict) {
  TraceStep t;
  t.set_thread(static_cast<uint32_t>(worker));
  t.set_action(action);
  t.set_result(result);
  t.set_verdict(verdict);
  trace.push_back(std::move(t));
}

std::string path_safe(std::string name) {
  for (char& ch : name)
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '_';
  return name;
}

namespace {

// The host's stdout and stderr of every picoprocess of a failed case (each in
// its directory below the case's), named relative to the report's folder.
void add_host_logs(const std::string& case_dir, const std::string& report_dir, Failure& f) {
  if (report_dir.empty()) return;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(case_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == kHostStdout || name == kHostStderr) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    HostLog* log = f.add_logs();
    log->set_path(file.lexically_relative(report_dir).generic_string());
    log->set_bytes(std::filesystem::file_size(file, ec));
  }
}

// The case's body: its custom code, or launching the picoprocess and running
// its steps. `step` and `phase` say where it is, for the failure card.
CaseStatus run_case(CaseEnv& env, const Case& c, std::unique_ptr<Pico>& pico, const Step*& step, std::string& phase) {
  std::error_code ec;
  std::filesystem::remove_all(env.dir, ec);
  if (!std::filesystem::create_directories(env.dir, ec) && ec)
    return CaseFail{"cannot create the work directory " + env.dir + ": " + ec.message(), "", "", ""};
  if (c.custom) return c.custom(env);
  phase = "(launch)";
  XABI_CASE_LET(launched, env.launch({c.memory, c.needs.count("origin") != 0, c.args, "",
                                      c.has_stdin ? std::optional<std::string>(c.stdin_text) : std::nullopt}));
  pico = std::move(launched);
  Interp in{env, *pico, {}, {}, {}, {}};
  in.vars["alarms"] = pico->hello.alarms;
  in.vars["control"] = pico->hello.control;
  in.vars["scratch"] = pico->hello.scratch;
  in.vars["worker_entry"] = pico->hello.worker_entry;
  for (const Step& s : c.steps) {
    step = &s;
    XABI_TRY(in.run(s));
  }
  step = nullptr;
  phase = "(end of the case: the control channel closes, the host must exit 0)";
  XABI_TRY(env.finish(*pico));
  for (const auto& text : in.console_checks)
    if (env.host_stdout.find(text) == std::string::npos)
      return CaseFail{"the console output lacks what the picoprocess wrote", "\"" + printable(text) + "\" on the host's stdout",
                      "\"" + printable(env.host_stdout, 200) + "\"", "console"};
  for (const auto& text : in.stderr_checks)
    if (env.host_stderr.find(text) == std::string::npos)
      return CaseFail{"the host's standard error lacks what the picoprocess wrote", "\"" + printable(text) + "\" on the host's stderr",
                      "\"" + printable(env.host_stderr, 200) + "\"", "stdio"};
  return {};
}

}  // namespace

void execute_case(const Case& c, const RunConfig& cfg, CaseResult& out) {
  auto t0 = Clock::now();
  double limit = c.timeout_s > 0 ? c.timeout_s : cfg.adapter->case_timeout_s;
  CaseEnv env{c, cfg, t0 + std::chrono::milliseconds(static_cast<int64_t>(limit * 1000)), cfg.work_dir + "/" + path_safe(c.id), {}, {}, {}, {}, {}};
  std::unique_ptr<Pico> pico;
  // Where the case is, for its failure card: the step running, else the phase.
  const Step* step = nullptr;
  std::string phase;
  std::optional<CaseFail> failure;
  // A library's exception while running the case (a filesystem error, say)
  // fails this case, never the whole run: cases run on worker threads, where
  // an escaped exception aborts.
  try {
    if (CaseStatus ran = run_case(env, c, pico, step, phase); !ran) failure = ran.error();
  } catch (const std::exception& e) {
    failure = CaseFail{std::string("the runner failed while running the case: ") + e.what(), "", "", ""};
  } catch (...) {
    failure = CaseFail{"the runner failed while running the case", "", "", ""};
  }
  if (!failure) {
    out.set_outcome(PASS);
  } else {
    const CaseFail& f = *failure;
    out.set_outcome(FAIL);
    Failure* fl = out.mutable_failure();
    fl->set_summary(f.summary);
    fl->set_expected(f.expected);
    fl->set_observed(f.observed);
    fl->set_rule(f.rule);
    fl->set_spec_line(f.spec_line);
    if (pico) {
      pico->host.kill_group();
      (void)pico->host.wait_for(std::chrono::milliseconds(2000));
      env.host_stderr = pico->host.stderr_tail();
    }
    fl->set_host_stderr(env.host_stderr);
    for (auto& t : env.trace) *fl->add_trace() = t;
    if (step) {
      fl->set_step(step->text);
      if (step->line > 0) fl->set_step_at(c.file + ":" + std::to_string(step->line));
    } else {
      fl->set_step(phase);
    }
  }
  pico.reset();  // the host has ended: its logs are complete
  if (out.outcome() == FAIL) add_host_logs(env.dir, cfg.report_dir, *out.mutable_failure());
  for (const auto& r : env.reached) out.add_rules_reached(r);
  for (const auto& m : env.measurements) out.add_measurements(m);
  out.set_duration_ms(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  if (std::error_code ec; out.outcome() == PASS) std::filesystem::remove_all(env.dir, ec);
}

}  // namespace xabi::conform
