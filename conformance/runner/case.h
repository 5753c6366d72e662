// A conformance case: how to launch the picoprocess and a list of steps the
// runner performs through the agent, with what each step must observe. Cases
// come from three places, all ending up as this one structure: data files
// (conformance/cases/*.cases, read by case_file.cc), the spec's meta tables
// (spec_cases.cc: boundary values of every parameter) and the spec's
// allow-list (isolation_cases.cc). Fault-isolation cases (two picoprocesses)
// are code: fault_cases.cc.
//
// Model cases (tests/model/rules.cases) are written in the same language but
// need no host: their judge steps give a call, its arguments and a result, and
// the verdict the reference model must reach (model_cases.h turns them into
// the model's inputs). The parser is told which kind a file holds and refuses
// the other kind's steps, so xabi-conform never runs a judge step.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "case_status.h"
#include "conformance/conform_error.h"
#include "reference/value.h"

namespace xabi::conform {

// An integer expression: terms added left to right; a term is a product of
// factors; a factor is a number, a spec constant or error (PAGE, E_AGAIN), or
// a variable ($name) bound by an earlier step.
struct Expr {
  struct Factor {
    bool is_var = false;
    std::string var;
    int64_t value = 0;
  };
  struct Term {
    int sign = 1;
    std::vector<Factor> factors;
  };
  std::vector<Term> terms;
  std::string text;
};

// The value of `e`, reading each variable through value_of(name).
template <class ValueOf>
ref::Int eval_expr(const Expr& e, ValueOf&& value_of) {
  ref::Int total = 0;
  for (const auto& t : e.terms) {
    ref::Int prod = 1;
    for (const auto& f : t.factors) prod *= f.is_var ? ref::Int(value_of(f.var)) : ref::Int(f.value);
    total += t.sign * prod;
  }
  return total;
}

// One argument of a call.
struct Operand {
  enum class Kind {
    kExpr,     // a number (also a plain address)
    kString,   // "text", "a"*3+"b": a C string (CSTR) or the bytes of an IN buffer
    kZero,     // zero:N   an N-byte buffer of zeros (OUT buffers)
    kFill,     // fill:N:B N bytes of value B
    kStructs,  // struct:NAME{f=e,...}|{...}  array elements (unset fields zero); *K repeats
  };
  Kind kind = Kind::kExpr;
  Expr expr;
  std::string text;  // kString; with {origin} replaced at run time
  Expr len;          // kZero, kFill
  uint8_t byte = 0;  // kFill
  std::string struct_name;
  std::vector<std::vector<std::pair<std::string, Expr>>> elems;
  std::string source;  // as written
};

enum class Cmp { kNone, kEq, kNe, kGt, kGe, kLt, kLe };

// What a step's result must satisfy beyond the model's verdict.
struct Check {
  Cmp cmp = Cmp::kNone;
  Expr rhs;
  std::optional<std::string> data;  // the first OUT buffer's first `result` bytes
  // bits E.FIELD MASK / nobits: a field of an array element after the call
  struct Bits {
    int elem = 0;
    std::string field;
    Expr mask;
    bool set = true;
  };
  std::vector<Bits> bits;
};

struct Step {
  enum class Kind {
    kCall,          // call NAME ARGS... [-> $v] [expect ...] [retry V]
    kAwait,         // await W [checks]: the result of worker W's async call
    kSpawn,         // spawn W
    kThreadExit,    // thread_exit W
    kExit,          // exit E: xabi_exit, then the host must report E % 256
    kPeerConnect,   // peer connect P
    kPeerSend,      // peer send P "text"|fill:N:B
    kPeerRecv,      // peer recv P "text"
    kPeerClose,     // peer close P
    kPeerReset,     // peer reset P: closes with a TCP/unix reset where the socket allows (SO_LINGER 0)
    kPeerEof,       // peer eof P
    kMemFill,       // mem fill ADDR LEN BYTE
    kMemCheck,      // mem check ADDR LEN BYTE
    kSyscall,       // syscall NR ARGS... denied
    kEscape,        // escape NAME ends: one escape instruction (agent_protocol.h's AGENT_ESCAPES); call = NAME
    kCloneStorm,    // clone-storm N [clauses]: raw thread clones past the PAL; the result is how many started
    kHandover,      // handover W: worker W serves the control channel, the initial thread exits
    kProbe,         // probe CALL [clauses]: a bare picoprocess (no listen, no console) makes CALL()
    kSleep,         // sleep MS
    kOriginSaw,     // origin saw METHOD PATH ["body"]
    kOriginStop,    // origin stop: the origin server goes away (requests then fail)
    kArgs,          // args "a" "b": what xabi_args shows after the image name
    kLet,           // let $v = EXPR
    kConsoleSaw,    // console saw "text": the host's stdout contains it (at the end)
    kStderrSaw,     // stderr saw "text": the host's stderr contains it (at the end)
    // Model cases only (no host):
    kJudge,       // [on T] judge CALL ARGS... -> RESULT VERDICT: the model must reach VERDICT on RESULT
    kJudgeBegin,  // [on T] judge begin CALL ARGS...: thread T starts a blocking call
  };
  // What a judge step demands of the model.
  enum class Verdict {
    kOk,         // ok RULE.OUTCOME: allowed, by that rule and outcome
    kViolation,  // violation RULE: refused by that rule
    kBadCall,    // bad_call: a malformed observation (its call and arguments are taken as written)
  };
  Kind kind = Kind::kCall;
  int line = 0;
  std::string text;  // the step as written, for traces
  int worker = 0;  // judge steps: the caller's thread id, as the host numbered it
  bool async = false;
  std::string call;
  std::vector<Operand> args;
  std::string bind;  // without '$'
  Check check;
  std::optional<Expr> retry;  // repeat while result == this
  std::string name;           // peer name
  std::vector<std::string> strings;
  // peer send|recv fill:N:B: kept as (N, B) and expanded when the step runs,
  // so a short case file cannot make the parser allocate gigabytes.
  uint64_t fill_len = 0;
  uint8_t fill_byte = 0;
  bool is_fill = false;
  std::vector<Expr> exprs;  // kJudge: exprs[0] is the result
  Verdict verdict = Verdict::kOk;
  std::string rule, outcome;
};

struct Case {
  bool model = false;  // a model case: judge steps only, run on the reference model alone
  std::string id;     // "channels/lifecycle"
  std::string group;  // a spec group, "isolation" or "fault"
  std::string call;   // the call it is about ("" for scenarios across calls)
  std::string file;   // where it was defined ("spec", "allow-list", a path)
  int line = 0;
  std::set<std::string> needs;  // capabilities (model cases: what the model is told the host offers)
  uint64_t memory = 64ull << 20;
  bool origin = true;           // launch with an origin
  std::string origin_url;       // model cases: the picoprocess's origin (host cases get the runner's server)
  std::vector<std::string> args;
  std::string stdin_text;       // stdin "text": the host's standard input (default: /dev/null)
  bool has_stdin = false;
  double timeout_s = 0;         // 0: the adapter's
  bool quick = false;           // part of --quick
  std::vector<Step> steps;
  // Code cases (fault isolation, fd inspection) run this instead of steps.
  std::function<CaseStatus(struct CaseEnv&)> custom;
};

// Which cases a file holds: host cases (conformance/cases, run by xabi-conform)
// or model cases (judge steps, tests/model). Each refuses the other's steps.
enum class CaseKind { kHost, kModel };

// Parses a case file; errors are "file:line: message". Returns false on error.
bool parse_case_file(const std::string& path, std::vector<Case>& out, std::vector<std::string>& errors,
                     CaseKind kind = CaseKind::kHost);
bool parse_case_text(const std::string& text, const std::string& path, std::vector<Case>& out,
                     std::vector<std::string>& errors, CaseKind kind = CaseKind::kHost);
// One host step line (as in a case file), e.g. for generated cases; else
// kCaseSyntax, the detail the message a case file's error would carry.
Result<Step> parse_step(const std::string& line);

// The escape instructions of `escape NAME ends` (AGENT_ESCAPES in
// agent_protocol.h): the agent's kind for a name (0: none), and what it is.
uint32_t escape_kind(const std::string& name);
std::string escape_what(uint32_t kind);

}  // namespace xabi::conform
