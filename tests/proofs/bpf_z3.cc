#include "bpf_z3.h"

namespace xabi::proof {

SeccompData SeccompData::fresh(z3::context& c) {
  SeccompData d{c.bv_const("nr", 32), c.bv_const("arch", 32), c.bv_const("ip_lo", 32), c.bv_const("ip_hi", 32), {}, {}};
  for (int i = 0; i < 6; ++i) {
    d.arg_lo.push_back(c.bv_const(("arg" + std::to_string(i) + "_lo").c_str(), 32));
    d.arg_hi.push_back(c.bv_const(("arg" + std::to_string(i) + "_hi").c_str(), 32));
  }
  return d;
}

std::optional<z3::expr> SeccompData::word(uint32_t k) const {
  if (k % 4 != 0) return std::nullopt;
  switch (k) {
    case 0: return nr;
    case 4: return arch;
    case 8: return ip_lo;  // little-endian: the low word first
    case 12: return ip_hi;
    default: break;
  }
  if (k < 16 || k >= 64) return std::nullopt;
  const uint32_t i = (k - 16) / 8;
  return (k - 16) % 8 == 0 ? arg_lo[i] : arg_hi[i];
}

namespace {

struct Machine {
  const std::vector<sock_filter>& prog;
  const SeccompData& d;
  z3::context& c;

  static Error fail(BpfError code, const std::string& why, size_t pc) {
    return {code, why + " at instruction " + std::to_string(pc)};
  }

  // Follows every path from pc with accumulator a, index x and scratch m.
  Result<z3::expr> eval(size_t pc, z3::expr a, z3::expr x, std::vector<z3::expr> m) {
    for (;;) {
      if (pc >= prog.size()) return fail(BpfError::kOutOfProgram, "ran off the end", pc);
      const sock_filter& in = prog[pc];
      const uint16_t code = in.code;
      const z3::expr k = c.bv_val(in.k, 32);
      switch (BPF_CLASS(code)) {
        case BPF_LD:
          if (BPF_MODE(code) == BPF_ABS && BPF_SIZE(code) == BPF_W) {
            auto w = d.word(in.k);
            if (!w) return fail(BpfError::kBadOperand, "load outside seccomp_data", pc);
            a = *w;
          } else if (BPF_MODE(code) == BPF_IMM) {
            a = k;
          } else if (BPF_MODE(code) == BPF_MEM && in.k < 16) {
            a = m[in.k];
          } else {
            return fail(BpfError::kUnsupported, "unsupported load", pc);
          }
          ++pc;
          break;
        case BPF_LDX:
          if (BPF_MODE(code) == BPF_IMM) x = k;
          else if (BPF_MODE(code) == BPF_MEM && in.k < 16) x = m[in.k];
          else return fail(BpfError::kUnsupported, "unsupported ldx", pc);
          ++pc;
          break;
        case BPF_ST:
          if (in.k >= 16) return fail(BpfError::kBadOperand, "scratch out of range", pc);
          m[in.k] = a;
          ++pc;
          break;
        case BPF_STX:
          if (in.k >= 16) return fail(BpfError::kBadOperand, "scratch out of range", pc);
          m[in.k] = x;
          ++pc;
          break;
        case BPF_ALU: {
          const z3::expr src = BPF_SRC(code) == BPF_X ? x : k;
          switch (BPF_OP(code)) {
            case BPF_ADD: a = a + src; break;
            case BPF_SUB: a = a - src; break;
            case BPF_MUL: a = a * src; break;
            case BPF_OR: a = a | src; break;
            case BPF_AND: a = a & src; break;
            case BPF_XOR: a = a ^ src; break;
            case BPF_LSH: a = z3::shl(a, src); break;
            case BPF_RSH: a = z3::lshr(a, src); break;
            case BPF_NEG: a = -a; break;
            default: return fail(BpfError::kUnsupported, "unsupported alu op", pc);
          }
          ++pc;
          break;
        }
        case BPF_JMP: {
          if (BPF_OP(code) == BPF_JA) {
            pc += 1 + in.k;
            break;
          }
          const z3::expr src = BPF_SRC(code) == BPF_X ? x : k;
          z3::expr cond = c.bool_val(false);
          switch (BPF_OP(code)) {
            case BPF_JEQ: cond = a == src; break;
            case BPF_JGT: cond = z3::ugt(a, src); break;
            case BPF_JGE: cond = z3::uge(a, src); break;
            case BPF_JSET: cond = (a & src) != c.bv_val(0, 32); break;
            default: return fail(BpfError::kUnsupported, "unsupported jump", pc);
          }
          auto t = eval(pc + 1 + in.jt, a, x, m);
          if (!t) return t.error();
          auto f = eval(pc + 1 + in.jf, a, x, m);
          if (!f) return f.error();
          return z3::ite(cond, t.value(), f.value());
        }
        case BPF_RET:
          if (BPF_RVAL(code) == BPF_K) return k;
          if (BPF_RVAL(code) == BPF_A) return a;
          return fail(BpfError::kUnsupported, "unsupported return", pc);
        case BPF_MISC:
          if (BPF_MISCOP(code) == BPF_TAX) x = a;
          else if (BPF_MISCOP(code) == BPF_TXA) a = x;
          else return fail(BpfError::kUnsupported, "unsupported misc op", pc);
          ++pc;
          break;
        default:
          return fail(BpfError::kUnsupported, "unknown instruction class", pc);
      }
    }
  }
};

}  // namespace

Result<z3::expr> run_bpf(const std::vector<sock_filter>& program, const SeccompData& d) {
  z3::context& c = d.nr.ctx();
  Machine mach{program, d, c};
  std::vector<z3::expr> m(16, c.bv_val(0, 32));
  return mach.eval(0, c.bv_val(0, 32), c.bv_val(0, 32), m);
}

}  // namespace xabi::proof
