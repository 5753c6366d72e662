#include "cbpf.h"

#include <cstdio>
#include <cstring>

namespace xabi::fuzz::cbpf {
namespace {

std::string at(const char* what, const sock_filter& in, size_t pc) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s (code 0x%04x, k 0x%08x) at instruction %zu", what, unsigned{in.code},
                unsigned{in.k}, pc);
  return buf;
}

// Whether a jump by `off` from pc lands on an instruction.
bool lands_inside(size_t pc, uint64_t off, size_t size) { return pc + 1 + off < size; }

}  // namespace

std::string check(std::span<const sock_filter> program) {
  if (program.empty()) return "empty program";
  if (program.size() > BPF_MAXINSNS) return "more than BPF_MAXINSNS instructions";
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k % 4 != 0 || in.k > sizeof(seccomp_data) - 4) return at("load outside seccomp_data", in, pc);
        break;
      case BPF_ALU | BPF_ADD | BPF_K:
      case BPF_ALU | BPF_SUB | BPF_K:
      case BPF_ALU | BPF_MUL | BPF_K:
      case BPF_ALU | BPF_AND | BPF_K:
      case BPF_ALU | BPF_OR | BPF_K:
      case BPF_ALU | BPF_XOR | BPF_K:
      case BPF_ALU | BPF_NEG:
        break;
      case BPF_ALU | BPF_DIV | BPF_K:
      case BPF_ALU | BPF_MOD | BPF_K:
        if (in.k == 0) return at("division by zero", in, pc);
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (in.k >= 32) return at("shift by 32 or more", in, pc);
        break;
      case BPF_JMP | BPF_JA:
        if (!lands_inside(pc, in.k, program.size())) return at("jump past the end", in, pc);
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
      case BPF_JMP | BPF_JGT | BPF_K:
      case BPF_JMP | BPF_JGE | BPF_K:
      case BPF_JMP | BPF_JSET | BPF_K:
        if (!lands_inside(pc, in.jt, program.size()) || !lands_inside(pc, in.jf, program.size()))
          return at("jump past the end", in, pc);
        break;
      case BPF_RET | BPF_K:
        break;
      default:
        return at("unsupported instruction", in, pc);
    }
  }
  if (program.back().code != (BPF_RET | BPF_K)) return "the last instruction is not a RET";
  return "";
}

Outcome run(std::span<const sock_filter> program, const seccomp_data& data) {
  Outcome o;
  o.error = check(program);
  if (!o.error.empty()) return o;
  unsigned char bytes[sizeof(seccomp_data)];
  std::memcpy(bytes, &data, sizeof bytes);  // loads read the struct as the kernel lays it out
  uint32_t a = 0;
  size_t pc = 0;
  for (size_t steps = 0; steps < program.size(); ++steps) {
    // check() guarantees pc < size: jumps land inside, the last instruction returns.
    const sock_filter& in = program[pc];
    o.path.push_back(static_cast<uint32_t>(pc));
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS: std::memcpy(&a, bytes + in.k, 4); ++pc; break;
      case BPF_ALU | BPF_ADD | BPF_K: a += in.k; ++pc; break;
      case BPF_ALU | BPF_SUB | BPF_K: a -= in.k; ++pc; break;
      case BPF_ALU | BPF_MUL | BPF_K: a *= in.k; ++pc; break;
      case BPF_ALU | BPF_DIV | BPF_K: a /= in.k; ++pc; break;
      case BPF_ALU | BPF_MOD | BPF_K: a %= in.k; ++pc; break;
      case BPF_ALU | BPF_AND | BPF_K: a &= in.k; ++pc; break;
      case BPF_ALU | BPF_OR | BPF_K: a |= in.k; ++pc; break;
      case BPF_ALU | BPF_XOR | BPF_K: a ^= in.k; ++pc; break;
      case BPF_ALU | BPF_LSH | BPF_K: a <<= in.k; ++pc; break;
      case BPF_ALU | BPF_RSH | BPF_K: a >>= in.k; ++pc; break;
      case BPF_ALU | BPF_NEG: a = 0u - a; ++pc; break;
      case BPF_JMP | BPF_JA: pc += 1 + size_t{in.k}; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += 1 + (a == in.k ? in.jt : in.jf); break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += 1 + (a > in.k ? in.jt : in.jf); break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += 1 + (a >= in.k ? in.jt : in.jf); break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += 1 + ((a & in.k) != 0 ? in.jt : in.jf); break;
      case BPF_RET | BPF_K:
        o.ok = true;
        o.ret = in.k;
        return o;
      default:
        o.error = at("unsupported instruction", in, pc);  // unreachable after check()
        return o;
    }
  }
  o.error = "no RET within " + std::to_string(program.size()) + " steps";
  return o;
}

}  // namespace xabi::fuzz::cbpf
