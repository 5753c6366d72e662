// A small classic-BPF interpreter for seccomp programs, written to be read
// rather than to be fast: the reference fuzz_filter runs the installed filter
// in (fuzz/fuzz_filter.cc). It accepts only what a seccomp filter built by
// libseccomp needs and refuses everything else instead of guessing:
//
//   BPF_LD|BPF_W|BPF_ABS k   A = the 32-bit word at offset k of struct
//                            seccomp_data (k a multiple of 4, k + 4 <= 64)
//   BPF_ALU|op|BPF_K k       A = A op k: ADD SUB MUL DIV MOD AND OR XOR LSH
//                            RSH (DIV/MOD by 0 and shifts >= 32 refused), NEG
//   BPF_JMP|BPF_JA k         pc += 1 + k
//   BPF_JMP|op|BPF_K         JEQ JGT JGE JSET against k, then pc += 1 + jt/jf
//   BPF_RET|BPF_K k          the filter's answer is k
//
// Every jump goes forward and lands inside the program, and the last
// instruction is a RET (checked before running, as the kernel does), so a run
// takes at most size() steps; the step count is bounded again while running.
//
//   cbpf::Outcome o = cbpf::run(program, data);
//   if (!o.ok) fail(o.error);   // "unsupported instruction 0x.. at 7"
//   o.ret                       // SECCOMP_RET_ALLOW, ..._KILL_PROCESS, ...
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xabi::fuzz::cbpf {

struct Outcome {
  bool ok = false;
  uint32_t ret = 0;          // the RET value (when ok)
  std::string error;         // why the program was refused (when !ok)
  std::vector<uint32_t> path;  // every pc executed, in order
};

// Checks the program's shape (non-empty, <= BPF_MAXINSNS, only the
// instructions above, forward in-range jumps, ends with RET). Empty: fine.
std::string check(std::span<const sock_filter> program);

// check(), then runs the program on `data`.
Outcome run(std::span<const sock_filter> program, const seccomp_data& data);

}  // namespace xabi::fuzz::cbpf
