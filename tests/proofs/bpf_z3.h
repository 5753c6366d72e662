// Classic BPF semantics in Z3, for the exact seccomp program xabi-host
// installs: run(program, data) is the program's return value as a formula
// over a symbolic struct seccomp_data (all fields 32-bit words, as the
// program loads them). Every path is followed; an instruction outside the
// subset below makes run_bpf() fail rather than guess.
#pragma once

#include <linux/filter.h>
#include <z3++.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "xabi/result.h"

namespace xabi::proof {

// Why run_bpf() gives no formula; the detail names the instruction.
#define XABI_BPF_PROOF_ERRORS(X)                                                 \
  X(kUnsupported, "the program uses an instruction the proof does not model")   \
  X(kOutOfProgram, "the program runs past its end")                             \
  X(kBadOperand, "an instruction reads outside seccomp_data or the scratch memory")

XABI_ERROR_CODES(BpfError, XABI_BPF_PROOF_ERRORS)

using Error = xabi::Error<BpfError>;
template <class T>
using Result = xabi::Result<T, BpfError>;

struct SeccompData {
  z3::expr nr, arch, ip_lo, ip_hi;
  std::vector<z3::expr> arg_lo, arg_hi;  // 6 each

  static SeccompData fresh(z3::context& c);
  z3::expr arg(int i) const { return z3::concat(arg_hi[i], arg_lo[i]); }  // the full 64 bits
  // The 32-bit word at byte offset k of struct seccomp_data (k % 4 == 0).
  std::optional<z3::expr> word(uint32_t k) const;
};

// The return value (BV32), or kUnsupported for an instruction outside the
// subset, kOutOfProgram for a jump out of the program or a missing return,
// kBadOperand for a load outside seccomp_data or the scratch memory.
Result<z3::expr> run_bpf(const std::vector<sock_filter>& program, const SeccompData& d);

}  // namespace xabi::proof
