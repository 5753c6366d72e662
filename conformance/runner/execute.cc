#include "execute.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <sstream>
#include <thread>

#include "agent_protocol.h"
#include "xabi/meta.hpp"
#include "xabi/xabi.h"

namespace xabi::conform {
namespace {

using ref::Arg;
using ref::Args;
using ref::Int;

std::string hex(uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

std::string show_result(const meta::CallInfo& c, int64_t r) {
  std::string s = std::to_string(r);
  if (r < 0)
    if (auto n = meta::error_name(r); !n.empty()) s += " (" + std::string(n) + ")";
  if (c.result == meta::Type::kPtr) s = hex(static_cast<uint64_t>(r));
  return s;
}

std::string printable(const std::string& s, size_t max = 80) {
  std::string o;
  for (unsigned char ch : s.substr(0, max)) {
    if (ch >= 32 && ch < 127 && ch != '\\') o += static_cast<char>(ch);
    else {
      char b[8];
      snprintf(b, sizeof b, "\\x%02x", ch);
      o += b;
    }
  }
  if (s.size() > max) o += "...(" + std::to_string(s.size()) + " bytes)";
  return o;
}

const meta::CallInfo& call_info(const std::string& name) { return *meta::find_call(name); }

// The state of a case being interpreted.
struct Interp {
  CaseEnv& env;
  Pico& p;
  std::map<std::string, Int> vars;
  struct Pending {
    const Step* step;
    uint32_t seq;
  };
  std::map<int, Pending> pending;  // worker -> async call
  std::vector<std::string> console_checks;

  Int eval(const Expr& e) {
    Int total = 0;
    for (const auto& t : e.terms) {
      Int prod = 1;
      for (const auto& f : t.factors) {
        if (f.is_var) {
          auto it = vars.find(f.var);
          if (it == vars.end()) env.fail({"$" + f.var + " has no value", "", "", ""});
          prod *= it->second;
        } else {
          prod *= f.value;
        }
      }
      total += t.sign * prod;
    }
    return total;
  }
  uint64_t u(const Expr& e) { return static_cast<uint64_t>(eval(e)); }

  std::string expand(std::string s) {
    if (size_t at = s.find("{origin}"); at != std::string::npos && p.origin) s.replace(at, 8, p.origin->url());
    return s;
  }

  int64_t tid_of(int worker) {
    auto it = p.tid.find(worker);
    if (it == p.tid.end()) env.fail({"worker " + std::to_string(worker) + " was never spawned", "", "", ""});
    return it->second;
  }

  AgentReply wait_reply(uint32_t seq, const std::string& what) {
    auto r = p.agent.wait(seq, env.deadline);
    if (r) {
      if (r->status != AGENT_OK)
        env.fail({"the agent refused the command (status " + std::to_string(r->status) + ")", "a reply", what, ""});
      return *r;
    }
    // No reply: the picoprocess ended, or the case ran out of time.
    if (p.agent.closed()) {
      auto e = p.host.wait_for(std::chrono::milliseconds(3000));
      p.ended = true;
      env.fail({"the picoprocess ended during: " + what, "a reply", e ? "host " + e->describe() : "the connection closed", ""});
    }
    env.fail({"no reply within the case timeout during: " + what, "a reply", "nothing (the host or the call hangs)", ""});
  }

  struct Marshalled {
    std::string payload;
    Args model_args;          // blob pointers filled in after the reply
    std::vector<int> blob_of; // per param: blob index or -1
    std::vector<std::string> shown;
  };

  Marshalled marshal(const meta::CallInfo& c, const std::vector<Operand>& ops) {
    Marshalled m;
    Bytes args, blobs;
    int nblobs = 0;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Operand& o = ops[i];
      const meta::ParamInfo& prm = c.params[i];
      std::string blob;
      switch (o.kind) {
        case Operand::Kind::kExpr: {
          uint64_t v = u(o.expr);
          args.u8(AGENT_ARG_VALUE).u64(v);
          if (prm.type == meta::Type::kCstr) {
            // A string by address: the model can judge it only where the spec
            // says no guest memory is (the first page, ADDR_LIMIT and up).
            if (v >= static_cast<uint64_t>(*meta::find_constant("PAGE")) && v < static_cast<uint64_t>(*meta::find_constant("ADDR_LIMIT")))
              env.fail({"a string argument given as an address must be outside guest memory (below PAGE or from ADDR_LIMIT up)",
                        "", o.source, ""});
            m.model_args.push_back(Arg::str_at(Int(v)));
            m.blob_of.push_back(-1);
            m.shown.push_back(std::string(prm.name) + "=@" + o.source);
            continue;
          }
          m.model_args.push_back(Arg::num(prm.type == meta::Type::kI32 || prm.type == meta::Type::kChannel
                                              ? Int(static_cast<int32_t>(v))
                                          : prm.type == meta::Type::kU32 ? Int(static_cast<uint32_t>(v))
                                          : prm.type == meta::Type::kI64 ? Int(static_cast<int64_t>(v))
                                                                         : Int(v)));
          m.blob_of.push_back(-1);
          m.shown.push_back(std::string(prm.name) + "=" + o.source);
          continue;
        }
        case Operand::Kind::kString: {
          blob = expand(o.text);
          std::string copied = blob.substr(0, prm.max_len + 1);
          if (prm.type == meta::Type::kCstr) {
            blob.push_back('\0');
            m.model_args.push_back(Arg::str(copied.substr(0, copied.find('\0'))));
          } else {
            m.model_args.push_back(Arg::num(0));
          }
          m.shown.push_back(std::string(prm.name) + "=\"" + printable(expand(o.text), 40) + "\"");
          break;
        }
        case Operand::Kind::kZero:
        case Operand::Kind::kFill: {
          uint64_t n = u(o.len);
          if (n > AGENT_SCRATCH - 64) env.fail({"a buffer of " + std::to_string(n) + " bytes exceeds the agent's scratch", "", "", ""});
          blob.assign(n, o.kind == Operand::Kind::kZero ? '\0' : static_cast<char>(o.byte));
          m.model_args.push_back(Arg::num(0));
          m.shown.push_back(std::string(prm.name) + "=" + o.source);
          break;
        }
        case Operand::Kind::kStructs: {
          const meta::StructInfo* si = meta::find_struct(o.struct_name);
          for (const auto& el : o.elems) {
            std::string e(si->size, '\0');
            for (const auto& [fname, fexpr] : el)
              for (const auto& f : si->fields)
                if (f.name == fname) {
                  uint64_t v = u(fexpr);
                  memcpy(e.data() + f.offset, &v, f.size);
                }
            blob += e;
          }
          m.model_args.push_back(Arg::num(0));
          m.shown.push_back(std::string(prm.name) + "=" + o.source);
          break;
        }
      }
      args.u8(AGENT_ARG_BLOB).u8(static_cast<uint8_t>(nblobs)).u32(0);
      blobs.u32(static_cast<uint32_t>(blob.size())).u8(AGENT_BLOB_DATA).raw(blob.data(), blob.size());
      m.blob_of.push_back(nblobs++);
    }
    Bytes pl;
    pl.u32(c.id).u8(static_cast<uint8_t>(ops.size()));
    pl.data += args.data;
    pl.u8(static_cast<uint8_t>(nblobs));
    pl.data += blobs.data;
    m.payload = pl.data;
    return m;
  }

  struct CallReply {
    int64_t result = 0;
    std::vector<std::pair<uint64_t, std::string>> blobs;
  };

  CallReply parse_call_reply(const AgentReply& r) {
    Reader rd(r.payload);
    CallReply c;
    c.result = rd.i64();
    uint8_t n = rd.u8();
    for (uint8_t i = 0; i < n && !rd.bad; ++i) {
      uint64_t addr = rd.u64();
      uint32_t len = rd.u32();
      c.blobs.emplace_back(addr, rd.bytes(len));
    }
    if (rd.bad) env.fail({"malformed CALL reply from the agent", "", "", ""});
    return c;
  }

  // Feeds the model; a refusal fails the case with the rule and its line.
  void model_check(const std::string& call, const Args& a, uint64_t raw, int64_t caller, const std::string& action,
                   const std::string& shown_result, int worker) {
    ref::Verdict v = p.model->check(call, a, raw, static_cast<Int>(caller));
    if (v.ok()) {
      env.reached.insert(call + "." + v.rule + "." + v.outcome);
      env.note(worker, action, shown_result, "ok: " + v.rule + "." + v.outcome);
      return;
    }
    env.note(worker, action, shown_result, "refused: " + v.message);
    int line = 0;
    if (const meta::CallInfo* ci = meta::find_call(call))
      for (const auto& r : ci->rules)
        if (r.name == v.rule) line = r.line;
    const char* kind = v.kind == ref::Verdict::Kind::kViolation ? "the spec does not allow this result"
                       : v.kind == ref::Verdict::Kind::kBadCall ? "the model could not check this call"
                                                                : "the spec's rules are broken for this input";
    env.fail({std::string(kind) + ": " + action + " -> " + shown_result, "a result rule " + call + "." + v.rule + " allows",
              v.message, call + "." + v.rule, line});
  }

  void check_clauses(const Step& s, const meta::CallInfo* c, int64_t result, const CallReply* reply,
                     const std::vector<int>* blob_of, const std::string& action) {
    if (s.check.cmp != Cmp::kNone) {
      Int want = eval(s.check.rhs);
      Int got = result;
      bool ok = false;
      switch (s.check.cmp) {
        case Cmp::kEq: ok = got == want; break;
        case Cmp::kNe: ok = got != want; break;
        case Cmp::kGt: ok = got > want; break;
        case Cmp::kGe: ok = got >= want; break;
        case Cmp::kLt: ok = got < want; break;
        case Cmp::kLe: ok = got <= want; break;
        case Cmp::kNone: ok = true; break;
      }
      if (!ok) {
        static const char* ops[] = {"", "==", "!=", ">", ">=", "<", "<="};
        env.fail({"unexpected result of " + action, std::string("result ") + ops[static_cast<int>(s.check.cmp)] + " " + s.check.rhs.text +
                                                        " (" + ref::to_string(want) + ")",
                  c ? show_result(*c, result) : std::to_string(result), ""});
      }
    }
    if (s.check.data && reply && blob_of && c) {
      const std::string* got = nullptr;
      for (size_t i = 0; i < c->params.size(); ++i)
        if ((*blob_of)[i] >= 0 && (c->params[i].dir == meta::Dir::kOut || c->params[i].dir == meta::Dir::kInOut)) {
          got = &reply->blobs[static_cast<size_t>((*blob_of)[i])].second;
          break;
        }
      std::string seen = got && result > 0 ? got->substr(0, static_cast<size_t>(result)) : "";
      if (seen != *s.check.data)
        env.fail({"the bytes " + action + " delivered differ", "\"" + printable(*s.check.data) + "\"", "\"" + printable(seen) + "\"", ""});
    }
    for (const auto& b : s.check.bits) {
      if (!reply || !blob_of || !c) break;
      for (size_t i = 0; i < c->params.size(); ++i) {
        if ((*blob_of)[i] < 0 || c->params[i].count_param < 0) continue;
        const meta::StructInfo* si = meta::find_struct(c->params[i].elem);
        const std::string& bytes = reply->blobs[static_cast<size_t>((*blob_of)[i])].second;
        for (const auto& f : si->fields) {
          if (f.name != b.field) continue;
          size_t off = static_cast<size_t>(b.elem) * si->size + f.offset;
          uint64_t v = 0;
          if (off + f.size <= bytes.size()) memcpy(&v, bytes.data() + off, f.size);
          uint64_t mask = u(b.mask);
          bool set = (v & mask) != 0;
          if (set != b.set)
            env.fail({"entry " + std::to_string(b.elem) + "." + b.field + " after " + action,
                      std::string(b.set ? "bits " : "no bits ") + b.mask.text + " set", "value " + hex(v), ""});
        }
      }
    }
  }

  // Observes freshly allocated memory: zero-filled, writable, readable back.
  void observe_alloc(int worker, uint64_t base, uint64_t len) {
    const uint64_t pages = (len + XABI_PAGE - 1) / XABI_PAGE * XABI_PAGE;
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    if (pages <= (1u << 20)) spans.push_back({base, pages});
    else spans = {{base, XABI_PAGE}, {base + pages - XABI_PAGE, XABI_PAGE}};
    for (auto [a, n] : spans) {
      mem_check(worker, a, n, 0, "fresh memory is zero-filled");
      mem_fill(worker, a, n, 0xa5);
      mem_check(worker, a, n, 0xa5, "memory keeps what was written");
      mem_fill(worker, a, n, 0);
    }
  }

  void mem_fill(int worker, uint64_t a, uint64_t n, uint8_t b) {
    Bytes pl;
    pl.u64(a).u64(n).u8(b);
    std::string what = "mem fill " + hex(a) + " " + std::to_string(n) + " " + std::to_string(b);
    wait_reply(p.agent.send(AGENT_OP_MEM_FILL, static_cast<uint8_t>(worker), pl.data), what);
    env.note(worker, what, "done", "ok");
  }

  void mem_check(int worker, uint64_t a, uint64_t n, uint8_t b, const std::string& why) {
    Bytes pl;
    pl.u64(a).u64(n).u8(b);
    std::string what = "mem check " + hex(a) + " " + std::to_string(n) + " " + std::to_string(b);
    auto r = wait_reply(p.agent.send(AGENT_OP_MEM_CHECK, static_cast<uint8_t>(worker), pl.data), what);
    Reader rd(r.payload);
    uint64_t bad = rd.u64(), first = rd.u64();
    uint8_t val = rd.u8();
    env.note(worker, what, std::to_string(bad) + " bytes differ", bad ? "refused" : "ok");
    if (bad)
      env.fail({why + ": " + std::to_string(bad) + " of " + std::to_string(n) + " bytes at " + hex(a) + " are not " + std::to_string(b),
                "every byte " + std::to_string(b), "byte at +" + std::to_string(first) + " is " + std::to_string(val), ""});
  }

  // One call step; with `retry`, repeated (each attempt checked by the
  // model) while the result equals the retry value. Returns the final result.
  int64_t do_call(const Step& s) {
    const meta::CallInfo& c = call_info(s.call);
    for (;;) {
      Marshalled m = marshal(c, s.args);
      std::string action = s.call + "(";
      for (size_t i = 0; i < m.shown.size(); ++i) action += (i ? ", " : "") + m.shown[i];
      action += ")";
      uint32_t seq = p.agent.send(AGENT_OP_CALL, static_cast<uint8_t>(s.worker), m.payload);
      if (s.async) {
        if (c.blocks) (void)p.model->begin(s.call, m.model_args, static_cast<Int>(tid_of(s.worker)));
        pending[s.worker] = {&s, seq};
        env.note(s.worker, action + " (async)", "pending", "");
        return 0;
      }
      CallReply r = parse_call_reply(wait_reply(seq, action));
      check_result(s, c, m, r, action);
      if (s.retry && Int(r.result) == eval(*s.retry)) {
        if (Clock::now() > env.deadline) env.fail({"still " + s.retry->text + " at the case timeout: " + s.text, "progress", "none", ""});
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      return accept_result(s, c, m, r, action);
    }
  }

  // The model's verdict on a reply, with the blobs' real addresses as arguments.
  void check_result(const Step& s, const meta::CallInfo& c, Marshalled& m, const CallReply& r, const std::string& action) {
    for (size_t i = 0; i < c.params.size(); ++i)
      if (m.blob_of[i] >= 0 && c.params[i].type != meta::Type::kCstr && static_cast<size_t>(m.blob_of[i]) < r.blobs.size())
        m.model_args[i] = Arg::num(r.blobs[static_cast<size_t>(m.blob_of[i])].first);
    model_check(s.call, m.model_args, static_cast<uint64_t>(r.result), tid_of(s.worker), action, show_result(c, r.result), s.worker);
  }

  // What the case itself asks of a result the model allowed.
  int64_t accept_result(const Step& s, const meta::CallInfo& c, const Marshalled& m, const CallReply& r, const std::string& action) {
    if (s.call == "alloc" && r.result != 0) observe_alloc(s.worker, static_cast<uint64_t>(r.result), static_cast<uint64_t>(m.model_args[0].i));
    if (!s.bind.empty()) vars[s.bind] = r.result;
    check_clauses(s, &c, r.result, &r, &m.blob_of, action);
    return r.result;
  }

  void await(const Step& s) {
    auto it = pending.find(s.worker);
    const Step& cs = *it->second.step;
    const meta::CallInfo& c = call_info(cs.call);
    Marshalled m = marshal(c, cs.args);
    std::string action = cs.call + " (awaited on worker " + std::to_string(s.worker) + ")";
    CallReply r = parse_call_reply(wait_reply(it->second.seq, action));
    pending.erase(it);
    check_result(cs, c, m, r, action);
    Step merged = cs;  // the call, with the await step's clauses
    merged.bind = s.bind;
    merged.check = s.check;
    accept_result(merged, c, m, r, action);
  }

  void spawn(const Step& s) {
    Bytes pl;
    pl.u8(static_cast<uint8_t>(s.worker));
    std::string action = "spawn worker " + std::to_string(s.worker);
    auto r = wait_reply(p.agent.send(AGENT_OP_SPAWN, 0, pl.data), action);
    Reader rd(r.payload);
    int64_t result = rd.i64();
    uint64_t entry = rd.u64(), stack = rd.u64(), arg = rd.u64();
    uint8_t ran = rd.u8();
    action = "thread_create(entry=" + hex(entry) + ", stack=" + hex(stack) + ", arg=" + std::to_string(arg) + ")";
    model_check("thread_create", {Arg::num(entry), Arg::num(stack), Arg::num(arg)}, static_cast<uint64_t>(result), 0, action,
                show_result(call_info("thread_create"), result), 0);
    if (result > 0) {
      if (!ran) env.fail({"the new thread never ran", "the thread runs", "no sign of it", ""});
      p.tid[s.worker] = result;
    }
    if (!s.bind.empty()) vars[s.bind] = result;
    if (s.check.cmp == Cmp::kNone && result <= 0)
      env.fail({"thread creation failed", "a thread id > 0", show_result(call_info("thread_create"), result), ""});
    check_clauses(s, nullptr, result, nullptr, nullptr, action);
  }

  void thread_exit(const Step& s) {
    int64_t t = tid_of(s.worker);
    Bytes pl;
    pl.u32(call_info("thread_exit").id).u8(0).u8(0);
    p.agent.send(AGENT_OP_CALL, static_cast<uint8_t>(s.worker), pl.data);
    model_check("thread_exit", {}, 0, t, "thread_exit() on worker " + std::to_string(s.worker), "(does not return)", s.worker);
    p.tid.erase(s.worker);
    if (p.model->state().exited.get() == 0) return;
    // The last thread ended: the picoprocess ends with status 0 (the rule's effect).
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(env.deadline - Clock::now());
    auto e = p.host.wait_for(std::max(left, std::chrono::milliseconds(100)));
    p.ended = true;
    const int64_t want = static_cast<int64_t>(p.model->state().exit_status.get());
    if (!e) env.fail({"the host did not end after its last thread did", "the host exits " + std::to_string(want), "still running", ""});
    if (!e->exited || e->code != want)
      env.fail({"the host reported another end of the picoprocess than its last thread's", "exited " + std::to_string(want), e->describe(), "thread_exit.last"});
    env.note(s.worker, "the host ended", e->describe(), "ok");
  }

  // clone-storm N: the agent's raw clones (agent_protocol.h CLONE_STORM).
  void clone_storm(const Step& s) {
    Bytes pl;
    const uint64_t n = u(s.exprs[0]);
    pl.u32(static_cast<uint32_t>(n));
    const std::string action = "clone-storm " + std::to_string(n) + " (raw clone system calls, the allow-list's thread flags)";
    auto r = wait_reply(p.agent.send(AGENT_OP_CLONE_STORM, 0, pl.data), action);
    Reader rd(r.payload);
    const uint32_t started = rd.u32();
    const int64_t failure = rd.i64();
    env.note(0, action, std::to_string(started) + " started" + (failure ? ", then -errno " + std::to_string(-failure) : ""), "");
    if (!s.bind.empty()) vars[s.bind] = started;
    check_clauses(s, nullptr, started, nullptr, nullptr, action);
  }

  // handover W: worker W serves on; the initial thread calls thread_exit.
  void handover(const Step& s) {
    Bytes pl;
    pl.u8(static_cast<uint8_t>(s.worker));
    const std::string action = "handover to worker " + std::to_string(s.worker);
    wait_reply(p.agent.send(AGENT_OP_HANDOVER, 0, pl.data), action);
    model_check("thread_exit", {}, 0, tid_of(0), "thread_exit() on worker 0 (" + action + ")", "(does not return)", 0);
    p.tid.erase(0);
  }

  // probe CALL: a bare picoprocess of its own (no listen endpoint, no
  // console) makes the call; its exit status carries the result.
  void probe(const Step& s) {
    const meta::CallInfo* c = meta::find_call(s.call);
    LaunchVars v;
    v.image = env.cfg.agent_image;
    v.memory = 1 << 20;
    v.no_console = true;
    v.args = {"probe", std::to_string(c->id)};
    v.mutant = env.cfg.mutant;
    HostProcess h;
    const std::string dir = env.dir + "/probe";
    std::filesystem::create_directories(dir);
    const std::string action = s.call + "() in a picoprocess with no listen endpoint and no console";
    if (auto e = h.start(env.cfg.adapter->expand(v), env.cfg.adapter->expand_env(v), dir); !e.empty())
      env.fail({e, "the host starts", e, ""});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(env.deadline - Clock::now());
    auto e = h.wait_for(std::max(left, std::chrono::milliseconds(100)));
    if (!e) env.fail({"the probe did not end", "the host exits with the probe's status", "still running", ""});
    if (!e->exited || e->code == 100 || e->code > 199)
      env.fail({"the probe did not report a result", "an exit status 0..99 or 101..199 (AGENT_PROBE_STATUS)", e->describe(), ""});
    const int64_t result = e->code <= 99 ? e->code : 100 - e->code;
    ref::ModelConfig mc;
    mc.quota = v.memory;  // caps: none of listen, origin, console
    ref::Model m(mc);
    ref::Verdict vd = m.check(s.call, {}, static_cast<uint64_t>(result), 0);
    env.note(0, action, show_result(*c, result), vd.ok() ? "ok: " + vd.rule + "." + vd.outcome : "refused: " + vd.message);
    if (!vd.ok()) env.fail({"unexpected result of " + action, "what the spec allows", show_result(*c, result), s.call + "." + vd.rule});
    env.reached.insert(s.call + "." + vd.rule + "." + vd.outcome);
    check_clauses(s, c, result, nullptr, nullptr, action);
  }

  void exit_step(const Step& s) {
    int64_t status = static_cast<int64_t>(eval(s.exprs[0]));
    Bytes pl;
    pl.u32(call_info("exit").id).u8(1).u8(AGENT_ARG_VALUE).u64(static_cast<uint64_t>(status)).u8(0);
    p.agent.send(AGENT_OP_CALL, 0, pl.data);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(env.deadline - Clock::now());
    auto e = p.host.wait_for(std::max(left, std::chrono::milliseconds(100)));
    p.ended = true;
    std::string action = "exit(" + std::to_string(status) + ")";
    if (!e) env.fail({"the host did not end after " + action, "the host exits", "still running at the case timeout", ""});
    if (!e->exited) env.fail({"the host did not report the exit status of " + action, "exit status " + std::to_string(((status % 256) + 256) % 256), e->describe(), ""});
    model_check("exit", {Arg::num(static_cast<int32_t>(status))}, static_cast<uint64_t>(e->code), 0, action, e->describe(), 0);
  }

  int peer(const Step& s) {
    auto it = p.peers.find(s.name);
    if (it == p.peers.end()) env.fail({"peer " + s.name + " is not connected", "", "", ""});
    return it->second;
  }

  void peer_step(const Step& s) {
    switch (s.kind) {
      case Step::Kind::kPeerConnect: {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        memcpy(a.sun_path, p.listen.c_str(), p.listen.size() + 1);
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
          env.fail({"peer " + s.name + " could not connect to the listen endpoint", "a connection", strerror(errno), ""});
        p.peers[s.name] = fd;
        env.note(0, s.text, "connected", "ok");
        return;
      }
      case Step::Kind::kPeerSend: {
        int fd = peer(s);
        const std::string d = s.is_fill ? std::string(s.fill_len, static_cast<char>(s.fill_byte)) : s.strings[0];
        size_t done = 0;
        while (done < d.size()) {
          pollfd pf{fd, POLLOUT, 0};
          if (poll(&pf, 1, 100) <= 0) {
            if (Clock::now() > env.deadline) env.fail({"peer " + s.name + " could not send in time", "", "", ""});
            continue;
          }
          ssize_t n = send(fd, d.data() + done, d.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
          if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            // The host's end is closed (the picoprocess closed the channel):
            // not a fault of the host; what the picoprocess sees is checked by its calls.
            env.note(0, s.text, "the host's end is closed", "ok");
            return;
          }
          if (n <= 0) env.fail({"peer " + s.name + " send failed", "", strerror(errno), ""});
          done += static_cast<size_t>(n);
        }
        env.note(0, s.text, std::to_string(d.size()) + " bytes sent", "ok");
        return;
      }
      case Step::Kind::kPeerRecv:
      case Step::Kind::kPeerEof: {
        int fd = peer(s);
        bool eof_wanted = s.kind == Step::Kind::kPeerEof;
        std::string want = eof_wanted ? "" : s.is_fill ? std::string(s.fill_len, static_cast<char>(s.fill_byte)) : s.strings[0], got;
        bool eof = false;
        while ((eof_wanted || got.size() < want.size()) && !eof) {
          pollfd pf{fd, POLLIN, 0};
          int pr = poll(&pf, 1, 50);
          if (pr <= 0) {
            if (Clock::now() > env.deadline) break;
            continue;
          }
          char buf[65536];
          size_t room = eof_wanted ? sizeof buf : std::min(sizeof buf, want.size() - got.size());
          ssize_t n = recv(fd, buf, room, 0);
          if (n <= 0) eof = true;
          else got.append(buf, static_cast<size_t>(n));
        }
        if (eof_wanted) {
          if (!eof || !got.empty())
            env.fail({"peer " + s.name + " expected the end of the stream", "end of stream, no more bytes",
                      eof ? "bytes \"" + printable(got) + "\" before it" : "no end within the case timeout", ""});
          env.note(0, s.text, "end of stream", "ok");
        } else {
          if (got != want)
            env.fail({"peer " + s.name + " received other bytes than the picoprocess should have sent", "\"" + printable(want) + "\"",
                      "\"" + printable(got) + "\"" + (eof ? " then end of stream" : ""), ""});
          env.note(0, s.text, std::to_string(got.size()) + " bytes", "ok");
        }
        return;
      }
      case Step::Kind::kPeerClose:
      case Step::Kind::kPeerReset: {
        int fd = peer(s);
        if (s.kind == Step::Kind::kPeerReset) {
          // Unread bytes plus SO_LINGER 0: the close aborts the connection, so
          // the host's next send on it fails (a reset: the spec's E_IO).
          const linger l{1, 0};
          setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        close(fd);
        p.peers.erase(s.name);
        env.note(0, s.text, s.kind == Step::Kind::kPeerReset ? "reset" : "closed", "ok");
        return;
      }
      default:
        return;
    }
  }

  void syscall_step(const Step& s) {
    Bytes pl;
    uint64_t nr = u(s.exprs[0]);
    pl.u64(nr);
    for (size_t i = 1; i <= 6; ++i) pl.u64(i < s.exprs.size() ? u(s.exprs[i]) : 0);
    const Adapter& a = *env.cfg.adapter;
    uint32_t seq = p.agent.send(AGENT_OP_SYSCALL, 0, pl.data);
    auto r = p.agent.wait(seq, env.deadline);
    if (r) {
      Reader rd(r->payload);
      int64_t ret = rd.i64();
      env.note(0, s.text, std::to_string(ret), "refused");
      env.fail({"a system call outside the allow-list was not denied: " + s.text, "the picoprocess ends with status " +
                std::to_string(a.violation_exit_status) + " (a violation)", "it returned " + std::to_string(ret), "allow-list"});
    }
    auto e = p.host.wait_for(std::chrono::milliseconds(5000));
    p.ended = true;
    if (!e) env.fail({"after a denied system call the host did not end", "exit " + std::to_string(a.violation_exit_status), "still running", "allow-list"});
    env.note(0, s.text, "host " + e->describe(), e->exited && e->code == a.violation_exit_status ? "ok: denied" : "refused");
    if (!e->exited || e->code != a.violation_exit_status)
      env.fail({"a denied system call was not reported as a violation: " + s.text, "exit " + std::to_string(a.violation_exit_status),
                "host " + e->describe(), "allow-list"});
  }

  void run(const Step& s) {
    switch (s.kind) {
      case Step::Kind::kCall:
        do_call(s);
        return;
      case Step::Kind::kAwait:
        await(s);
        return;
      case Step::Kind::kSpawn:
        spawn(s);
        return;
      case Step::Kind::kThreadExit:
        thread_exit(s);
        return;
      case Step::Kind::kExit:
        exit_step(s);
        return;
      case Step::Kind::kPeerConnect:
      case Step::Kind::kPeerSend:
      case Step::Kind::kPeerRecv:
      case Step::Kind::kPeerClose:
      case Step::Kind::kPeerReset:
      case Step::Kind::kPeerEof:
        peer_step(s);
        return;
      case Step::Kind::kMemFill:
        mem_fill(s.worker, u(s.exprs[0]), u(s.exprs[1]), static_cast<uint8_t>(u(s.exprs[2])));
        return;
      case Step::Kind::kMemCheck:
        mem_check(s.worker, u(s.exprs[0]), u(s.exprs[1]), static_cast<uint8_t>(u(s.exprs[2])), s.text);
        return;
      case Step::Kind::kSyscall:
        syscall_step(s);
        return;
      case Step::Kind::kCloneStorm:
        clone_storm(s);
        return;
      case Step::Kind::kHandover:
        handover(s);
        return;
      case Step::Kind::kProbe:
        probe(s);
        return;
      case Step::Kind::kSleep:
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(eval(s.exprs[0]))));
        return;
      case Step::Kind::kLet:
        vars[s.bind] = eval(s.exprs[0]);
        env.note(0, s.text, ref::to_string(vars[s.bind]), "");
        return;
      case Step::Kind::kOriginSaw: {
        if (!p.origin) env.fail({"origin saw: the case was launched without an origin", "", "", ""});
        for (;;) {
          for (const auto& r : p.origin->requests())
            if (r.method == s.strings[0] && r.path == s.strings[1] && (s.strings.size() < 3 || r.body == s.strings[2])) {
              env.note(0, s.text, "seen", "ok");
              return;
            }
          if (Clock::now() > env.deadline) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        std::string seen;
        for (const auto& r : p.origin->requests()) seen += r.method + " " + r.path + " \"" + printable(r.body, 40) + "\"; ";
        env.fail({"the origin did not receive the request", s.strings[0] + " " + s.strings[1], seen.empty() ? "no request" : seen, ""});
      }
      case Step::Kind::kArgs: {
        auto r = wait_reply(p.agent.send(AGENT_OP_ARGS, 0, ""), "args");
        Reader rd(r.payload);
        uint32_t argc = rd.u32();
        std::vector<std::string> argv;
        for (uint32_t i = 0; i < argc && !rd.bad; ++i) argv.push_back(rd.bytes(rd.u32()));
        std::vector<std::string> rest(argv.size() > 1 ? argv.begin() + 1 : argv.end(), argv.end());
        auto join = [](const std::vector<std::string>& v) {
          std::string o;
          for (const auto& x : v) o += "\"" + printable(x) + "\" ";
          return o;
        };
        env.note(0, "xabi_args()", join(argv), rest == s.strings ? "ok" : "refused");
        if (rest != s.strings) env.fail({"the guest's arguments differ", join(s.strings), join(rest), ""});
        return;
      }
      case Step::Kind::kOriginStop:
        if (!p.origin) env.fail({"origin stop: the case was launched without an origin", "", "", ""});
        p.origin->stop();
        env.note(0, s.text, "stopped", "ok");
        return;
      case Step::Kind::kConsoleSaw:
        console_checks.push_back(s.strings[0]);
        return;
    }
  }
};

}  // namespace

Pico::~Pico() {
  for (auto& [name, fd] : peers) close(fd);
  host.kill_group();
  (void)host.wait_for(std::chrono::milliseconds(3000));
  if (!sock_dir.empty()) std::filesystem::remove_all(sock_dir);
}

std::unique_ptr<Pico> CaseEnv::launch(const LaunchOptions& o) {
  auto p = std::make_unique<Pico>();
  p->dir = dir + (o.tag.empty() ? "" : "/" + o.tag);
  if (std::error_code ec; !std::filesystem::create_directories(p->dir, ec) && ec)
    fail({"cannot create the work directory " + p->dir + ": " + ec.message(), "", "", ""});
  char tmpl[] = "/tmp/xabi-conform-XXXXXX";
  if (!mkdtemp(tmpl)) fail({std::string("mkdtemp: ") + strerror(errno), "", "", ""});
  p->sock_dir = tmpl;
  p->listen = p->sock_dir + "/agent.sock";
  if (o.origin) {
    p->origin = std::make_unique<OriginServer>();
    if (auto e = p->origin->start(); !e.empty()) fail({e, "", "", ""});
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
  mc.origin = v.origin;
  p->model = std::make_unique<ref::Model>(mc);
  p->tid[0] = 0;
  auto argv = cfg.adapter->expand(v);
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  note(0, "launch: " + cmd, "", "");
  if (auto e = p->host.start(argv, cfg.adapter->expand_env(v), p->dir); !e.empty()) fail({e, "the host starts", e, ""});
  auto start_deadline = std::min(deadline, Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(cfg.adapter->start_timeout_s * 1000)));
  Pico* raw = p.get();
  if (auto e = p->agent.connect(p->listen, start_deadline, [raw] { return !raw->host.poll(); }); !e.empty()) {
    host_stderr = p->host.stderr_tail();
    fail({"could not reach the agent: " + e, "the host listens on {listen}", p->host.exit() ? "host " + p->host.exit()->describe() : e, ""});
  }
  if (auto e = p->agent.read_hello(start_deadline, p->hello); !e.empty()) {
    (void)p->host.wait_for(std::chrono::milliseconds(500));
    host_stderr = p->host.stderr_tail();
    fail({"the agent did not start: " + e, "HELLO from the agent", p->host.exit() ? "host " + p->host.exit()->describe() : e, ""});
  }
  if (p->hello.abi_version != meta::kAbiVersion)
    fail({"the agent reports ABI version " + std::to_string(p->hello.abi_version), std::to_string(meta::kAbiVersion), "", ""});
  // The control channel came from xabi_accept: the model must see it too.
  ref::Verdict vd = p->model->check("accept", {}, static_cast<uint64_t>(p->hello.control), 0);
  note(0, "accept() [the control channel]", std::to_string(p->hello.control), vd.ok() ? "ok: " + vd.rule + "." + vd.outcome : "refused: " + vd.message);
  if (!vd.ok()) fail({"the control channel's id is not one the spec allows", "a new channel id >= 0", vd.message, "accept." + vd.rule});
  reached.insert("accept." + vd.rule + "." + vd.outcome);
  return p;
}

void CaseEnv::finish(Pico& p) {
  if (p.ended) return;
  for (auto& [name, fd] : p.peers) close(fd);
  p.peers.clear();
  p.agent.close_control();
  auto e = p.host.wait_for(std::chrono::milliseconds(5000));
  p.ended = true;
  host_stderr = p.host.stderr_tail();
  host_stdout = p.host.stdout_text();
  if (!e) fail({"the host did not end after its control channel closed", "exit 0 (the agent exits 0)", "still running after 5 s", ""});
  note(0, "close the control channel (the agent exits 0)", "host " + e->describe(), e->exited && e->code == 0 ? "ok" : "refused");
  if (!e->exited || e->code != 0)
    fail({"the host reported the wrong end of the picoprocess", "exit 0 (the agent returned 0)", "host " + e->describe(), "exit.ok"});
}

void CaseEnv::note(int worker, const std::string& action, const std::string& result, const std::string& verdict) {
  TraceStep t;
  t.set_thread(static_cast<uint32_t>(worker));
  t.set_action(action);
  t.set_result(result);
  t.set_verdict(verdict);
  trace.push_back(std::move(t));
}

void CaseEnv::fail(CaseFail f) { throw f; }

void execute_case(const Case& c, const RunConfig& cfg, CaseResult& out) {
  auto t0 = Clock::now();
  double limit = c.timeout_s > 0 ? c.timeout_s : cfg.adapter->case_timeout_s;
  std::string safe = c.id;
  for (char& ch : safe)
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '_';
  CaseEnv env{c, cfg, t0 + std::chrono::milliseconds(static_cast<int64_t>(limit * 1000)), cfg.work_dir + "/" + safe, {}, {}, {}, {}, {}};
  std::unique_ptr<Pico> pico;
  try {
    std::error_code ec;
    std::filesystem::remove_all(env.dir, ec);
    if (!std::filesystem::create_directories(env.dir, ec) && ec)
      env.fail({"cannot create the work directory " + env.dir + ": " + ec.message(), "", "", ""});
    if (c.custom) {
      c.custom(env);
    } else {
      pico = env.launch({c.memory, c.needs.count("origin") != 0, c.args, ""});
      Interp in{env, *pico, {}, {}, {}};
      in.vars["alarms"] = pico->hello.alarms;
      in.vars["control"] = pico->hello.control;
      in.vars["scratch"] = pico->hello.scratch;
      in.vars["worker_entry"] = pico->hello.worker_entry;
      for (const Step& s : c.steps) in.run(s);
      env.finish(*pico);
      for (const auto& text : in.console_checks)
        if (env.host_stdout.find(text) == std::string::npos)
          env.fail({"the console output lacks what the picoprocess wrote", "\"" + printable(text) + "\" on the host's stdout",
                    "\"" + printable(env.host_stdout, 200) + "\"", "console"});
    }
    out.set_outcome(PASS);
  } catch (...) {
    // A case's own failure, or anything else thrown while running it (a
    // filesystem error, say): either fails this case, never the whole run
    // (cases run on worker threads, where an escaped exception aborts).
    CaseFail f;
    try {
      throw;
    } catch (const CaseFail& cf) {
      f = cf;
    } catch (const std::exception& e) {
      f.summary = std::string("the runner failed while running the case: ") + e.what();
    } catch (...) {
      f.summary = "the runner failed while running the case";
    }
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
  }
  pico.reset();
  for (const auto& r : env.reached) out.add_rules_reached(r);
  for (const auto& m : env.measurements) out.add_measurements(m);
  out.set_duration_ms(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  if (std::error_code ec; out.outcome() == PASS) std::filesystem::remove_all(env.dir, ec);
}

}  // namespace xabi::conform
