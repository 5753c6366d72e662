// The wire codec, tested from the spec: for every HOST call, random arguments
// (boundary values from the spec's constraints, and beyond them) travel from
// the generated PAL stub through a frame to the generated host dispatch and
// back; what the host saw and what the guest got must be exactly what was
// sent (a seeded generator, 300 trials per call, and the same as a RapidCheck
// property that shrinks). Then every way to break a frame must be refused
// with its named error and without running the handler.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "loopback.h"
#include "xabi/meta.hpp"

extern "C" {
#include "xabi/invoke.h"
#include "xabi/pal_stubs.h"
#include "xabi/wire.h"
}

namespace {

using xabi::dispatch::GenericArg;
using xabi::meta::Dir;
using xabi::meta::Type;
using xabi::test::loopback;

// Records every call the host dispatch delivers, and answers with data the
// test chose.
struct Recorder : xabi::dispatch::GenericHandler {
  struct Seen {
    uint32_t id = 0;
    std::vector<uint64_t> nums;
    std::vector<std::string> bytes;
  };
  std::vector<Seen> calls;
  int64_t answer = 0;
  std::string out_data;    // written to OUT buffers (clamped to capacity)
  uint8_t inout_xor = 0;   // applied to IN_OUT arrays

  int64_t on_call(uint32_t id, std::span<GenericArg> args) override {
    Seen s;
    s.id = id;
    for (auto& a : args) {
      s.nums.push_back(a.num);
      s.bytes.emplace_back(a.bytes);
      if (a.out) {
        a.out->size = std::min(out_data.size(), a.out->capacity);
        std::memcpy(a.out->data, out_data.data(), a.out->size);
      }
      if (!a.inout.empty()) {
        s.bytes.back().assign(reinterpret_cast<const char*>(a.inout.data()), a.inout.size());
        for (auto& b : a.inout) b ^= inout_xor;
      }
    }
    calls.push_back(std::move(s));
    return answer;
  }
};

uint64_t type_max(Type t) {
  switch (t) {
    case Type::kU32: return 0xffffffffu;
    case Type::kI32:
    case Type::kChannel: return 0x7fffffffu;
    case Type::kI64: return 0x7fffffffffffffffu;
    default: return ~0ull;
  }
}

// The value a scalar has on the wire, given the raw 64 bits the guest passed.
uint64_t wire_value(Type t, uint64_t raw) {
  switch (t) {
    case Type::kU32: return static_cast<uint32_t>(raw);
    case Type::kI32:
    case Type::kChannel: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(raw)));
    default: return raw;
  }
}

// Boundary values of a parameter: its range ends and their neighbours, 0, 1
// and the type's extremes (gVisor's fuzz helpers do the same for syscalls).
std::vector<uint64_t> boundaries(const xabi::meta::ParamInfo& p) {
  std::vector<uint64_t> v = {0, 1, type_max(p.type), type_max(p.type) - 1, ~0ull};
  if (p.has_range) {
    for (int64_t d : {-1, 0, 1}) {
      v.push_back(static_cast<uint64_t>(p.range_min + d));
      v.push_back(p.range_max + static_cast<uint64_t>(d));
    }
  }
  return v;
}

struct Built {
  std::vector<uint64_t> raw;          // what the guest passes
  std::vector<std::string> storage;   // strings, IN buffers, arrays
  std::vector<std::vector<uint8_t>> outs;
};

class CodecRoundTrip : public ::testing::TestWithParam<const xabi::meta::CallInfo*> {
 protected:
  void SetUp() override {
    loopback().handler = &rec_;
    loopback().tamper = nullptr;
    xabi_pal_fill_host_calls(&table_);
  }

  uint64_t pick(const xabi::meta::ParamInfo& p) {
    auto b = boundaries(p);
    if (next_() % 3 == 0) return next_();
    return b[next_() % b.size()];
  }

  // Random arguments for `c`: lengths mostly within bounds, sometimes beyond.
  Built build(const xabi::meta::CallInfo& c) {
    Built b;
    b.raw.assign(c.params.size(), 0);
    b.storage.resize(c.params.size());
    b.outs.resize(c.params.size());
    for (size_t i = 0; i < c.params.size(); ++i) {
      const auto& p = c.params[i];
      if (p.type != Type::kPtr && p.type != Type::kCstr) b.raw[i] = pick(p);
    }
    for (size_t i = 0; i < c.params.size(); ++i) {
      const auto& p = c.params[i];
      if (p.type == Type::kCstr) {
        size_t len = next_() % (p.max_len + 6);
        std::string s;
        for (size_t k = 0; k < len; ++k) s += static_cast<char>(1 + next_() % 255);
        b.storage[i] = s;
        b.raw[i] = reinterpret_cast<uintptr_t>(b.storage[i].c_str());
      } else if (p.len_param >= 0 || p.count_param >= 0) {
        size_t bound = static_cast<size_t>(p.len_param >= 0 ? p.len_param : p.count_param);
        uint64_t elem = p.len_param >= 0 ? 1 : p.elem_size;
        uint64_t max_count = p.len_param >= 0 ? p.max_len : c.params[bound].range_max;
        // Mostly a length the wire carries; sometimes one over the bound.
        uint64_t count = next_() % 4 == 0 ? max_count + 1 + next_() % 3 : next_() % (std::min<uint64_t>(max_count, 300) + 1);
        b.raw[bound] = count;
        size_t bytes = count <= max_count ? static_cast<size_t>(count * elem) : 0;
        if (p.dir == Dir::kOut) {
          b.outs[i].assign(bytes + 16, 0xee);  // a tail to detect overruns
          b.raw[i] = reinterpret_cast<uintptr_t>(b.outs[i].data());
        } else {
          std::string s(bytes, '\0');
          for (auto& ch : s) ch = static_cast<char>(next_());
          b.storage[i] = s;
          b.raw[i] = reinterpret_cast<uintptr_t>(b.storage[i].data());
        }
      } else if (p.type == Type::kPtr) {
        b.raw[i] = pick(p);
      }
    }
    return b;
  }

  // One trial: random arguments and answers, sent and checked. Returns what
  // went wrong, or "" (so gtest and RapidCheck can both judge it).
  std::string trial(const xabi::meta::CallInfo& c);

  Recorder rec_;
  xabi_dispatch table_{};
  // Where every random choice comes from: a seeded generator for the plain
  // test, RapidCheck's generators (which shrink) for the property.
  std::mt19937_64 rng_{20261123};
  std::function<uint64_t()> next_ = [this] { return rng_(); };
};

std::string CodecRoundTrip::trial(const xabi::meta::CallInfo& c) {
  std::ostringstream err;
  Built b = build(c);
  rec_.calls.clear();
  rec_.answer = static_cast<int64_t>(next_() >> (next_() % 64));
  if (next_() % 2) rec_.answer = -rec_.answer;
  rec_.out_data.assign(next_() % 2000, '\0');
  for (auto& ch : rec_.out_data) ch = static_cast<char>(next_());
  rec_.inout_xor = static_cast<uint8_t>(next_() | 1);

  const std::vector<std::string> sent = b.storage;  // IN_OUT arrays are rewritten in place
  int64_t result = 0;
  if (xabi_invoke(&table_, c.id, b.raw.data(), &result) != 0) return "xabi_invoke refused the call";
  if (loopback().last.status != XABI_WIRE_OK) return std::string("wire status ") + xabi_wire_status_name(loopback().last.status);
  if (rec_.calls.size() != 1) return "the handler ran " + std::to_string(rec_.calls.size()) + " times";
  const auto& seen = rec_.calls[0];
  if (seen.id != c.id) err << "id " << seen.id << " arrived; ";
  for (size_t i = 0; i < c.params.size(); ++i) {
    const auto& p = c.params[i];
    if (p.type == Type::kCstr) {
      std::string want = b.storage[i].substr(0, p.max_len + 1);  // the wire carries one more than allowed
      if (seen.bytes[i] != want) err << p.name << ": string differs; ";
    } else if (p.len_param >= 0 || p.count_param >= 0) {
      if (p.dir == Dir::kOut) {
        size_t cap = b.outs[i].size() - 16;
        size_t got = std::min(rec_.out_data.size(), cap);
        if (std::memcmp(b.outs[i].data(), rec_.out_data.data(), got) != 0) err << p.name << ": OUT bytes differ; ";
        for (size_t k = got; k < b.outs[i].size(); ++k)
          if (b.outs[i][k] != 0xee) {
            err << p.name << ": overrun at " << k << "; ";
            break;
          }
      } else if (p.dir == Dir::kInOut) {
        if (seen.bytes[i] != sent[i]) err << p.name << ": IN_OUT bytes in differ; ";
        for (size_t k = 0; k < b.storage[i].size(); ++k)
          if (static_cast<uint8_t>(b.storage[i][k]) != static_cast<uint8_t>(seen.bytes[i][k] ^ rec_.inout_xor)) {
            err << p.name << ": IN_OUT byte " << k << " not returned; ";
            break;
          }
      } else if (seen.bytes[i] != b.storage[i]) {
        err << p.name << ": IN bytes differ; ";
      }
    } else if (seen.nums[i] != wire_value(p.type, b.raw[i])) {
      err << p.name << ": " << b.raw[i] << " arrived as " << seen.nums[i] << "; ";
    }
  }
  const int64_t want = c.result == Type::kPtr ? (rec_.answer > 0 ? rec_.answer : 0)  // NULL for anything not an address
                                              : rec_.answer;
  if (result != want) err << "result " << result << " instead of " << want << "; ";
  return err.str();
}

TEST_P(CodecRoundTrip, EveryArgumentArrivesAndEveryResultReturns) {
  const xabi::meta::CallInfo& c = *GetParam();
  for (int n = 0; n < 300; ++n) ASSERT_EQ(trial(c), "") << "trial " << n;
}

// The same round trip as a RapidCheck property: every random choice is drawn
// from RapidCheck, so a failure shrinks to the smallest choices (shortest
// buffers, smallest values) that still fail.
TEST_P(CodecRoundTrip, RoundTripPropertyShrinks) {
  const xabi::meta::CallInfo& c = *GetParam();
  next_ = [] { return *rc::gen::arbitrary<uint64_t>(); };
  const bool ok = rc::check(std::string("codec round trip of ") + std::string(c.name), [&] {
    const std::string e = trial(c);
    RC_ASSERT(e.empty());
  });
  EXPECT_TRUE(ok);
}

std::vector<const xabi::meta::CallInfo*> host_calls() {
  std::vector<const xabi::meta::CallInfo*> v;
  for (const auto& c : xabi::meta::kCalls)
    if (c.side == xabi::meta::Side::kHost) v.push_back(&c);
  return v;
}

INSTANTIATE_TEST_SUITE_P(HostCalls, CodecRoundTrip, ::testing::ValuesIn(host_calls()),
                         [](const auto& info) { return std::string(info.param->name); });

TEST(CodecCoverage, EveryHostCallHasAFrameLayout) {
  // The round trip above runs over meta::kCalls; make sure that list is the
  // wire's list, so no call escapes the test.
  size_t wire_calls = 0;
  for (uint32_t id = 0; id < 1024; ++id) wire_calls += xabi_wire_is_host_call(id);
  EXPECT_EQ(wire_calls, host_calls().size());
  EXPECT_GE(host_calls().size(), 9u);
}

// ------------------------------------------------------------ rejections

class CodecRejects : public ::testing::Test {
 protected:
  void SetUp() override {
    loopback().handler = &rec_;
    loopback().tamper = nullptr;
    xabi_pal_fill_host_calls(&table_);
  }

  // A valid request frame for `call` with the given guest arguments.
  std::vector<uint8_t> frame(uint32_t id, std::vector<uint64_t> raw) {
    int64_t r;
    EXPECT_EQ(xabi_invoke(&table_, id, raw.data(), &r), 0);
    EXPECT_EQ(loopback().last.status, XABI_WIRE_OK);
    rec_.calls.clear();
    return loopback().last_request;
  }

  xabi_wire_status dispatch(const std::vector<uint8_t>& f, size_t* calls = nullptr) {
    rec_.calls.clear();
    std::vector<uint8_t> out(XABI_WIRE_MAX_RESPONSE);
    auto d = xabi::dispatch::dispatch(f, rec_, out);
    if (calls) *calls = rec_.calls.size();
    if (d.status != XABI_WIRE_OK) {
      EXPECT_TRUE(rec_.calls.empty()) << "a refused frame ran the handler";
      // The answer to a refused frame is a response carrying E_BAD_FRAME.
      EXPECT_GE(d.response_size, 24u);
      EXPECT_EQ(static_cast<int64_t>(xabi_wire_get64(out.data() + 16)), XABI_E_BAD_FRAME);
    }
    return d.status;
  }

  static void set_len(std::vector<uint8_t>& f) { xabi_wire_put32(f.data() + 12, static_cast<uint32_t>(f.size())); }

  Recorder rec_;
  xabi_dispatch table_{};
};

TEST_F(CodecRejects, TruncatedFrames) {
  const char* url = "http://example.test/index.html";
  auto f = frame(XABI_CALL_OPEN_URL, {reinterpret_cast<uintptr_t>("GET"), reinterpret_cast<uintptr_t>(url)});
  for (size_t n = 0; n < f.size(); ++n) {
    std::vector<uint8_t> cut(f.begin(), f.begin() + static_cast<long>(n));
    EXPECT_EQ(dispatch(cut), n < 16 ? XABI_WIRE_TRUNCATED : XABI_WIRE_LENGTH_MISMATCH) << n;
    if (n >= 16) {
      set_len(cut);  // a consistent header over too few bytes
      EXPECT_EQ(dispatch(cut), XABI_WIRE_TRUNCATED) << n;
    }
  }
  EXPECT_EQ(dispatch(f), XABI_WIRE_OK);
}

TEST_F(CodecRejects, OversizedFrames) {
  std::string data(100, 'x');
  auto f = frame(XABI_CALL_WRITE, {3, reinterpret_cast<uintptr_t>(data.data()), data.size()});
  auto big = f;
  big.resize(XABI_WIRE_WRITE_REQUEST_MAX + 8, 0);
  set_len(big);
  EXPECT_EQ(dispatch(big), XABI_WIRE_OVERSIZED);
  // A section claiming more than the call's bound.
  auto sec = f;
  const size_t section = 32;  // header 16 + channel 4 (+4 pad) + len 8
  ASSERT_EQ(xabi_wire_get32(sec.data() + section), 100u);
  xabi_wire_put32(sec.data() + section, XABI_LIMIT_IO + 1);
  EXPECT_EQ(dispatch(sec), XABI_WIRE_OVERSIZED);
}

TEST_F(CodecRejects, WrongOrUnknownCallIds) {
  auto f = frame(XABI_CALL_CLOSE, {5});
  for (uint16_t id : {uint16_t{0}, uint16_t{XABI_CALL_TIME_NOW}, uint16_t{XABI_CALL_EXIT}, uint16_t{999}, uint16_t{0xffff}}) {
    auto g = f;
    xabi_wire_put16(g.data() + 4, id);
    EXPECT_EQ(dispatch(g), XABI_WIRE_UNKNOWN_CALL) << id;
  }
  // A frame of one call handed to another call's decoder.
  xabi_wire_read_req r{};
  EXPECT_EQ(xabi_wire_decode_read_req(f.data(), f.size(), &r), XABI_WIRE_WRONG_CALL);
}

TEST_F(CodecRejects, BadMagicFlagsPaddingAndTrailingBytes) {
  auto f = frame(XABI_CALL_CLOSE, {5});
  auto g = f;
  g[0] ^= 1;
  EXPECT_EQ(dispatch(g), XABI_WIRE_BAD_MAGIC);
  g = f;
  xabi_wire_put16(g.data() + 6, 1);
  EXPECT_EQ(dispatch(g), XABI_WIRE_NONCANONICAL);
  g = f;
  g[20] = 1;  // padding after the 4-byte channel
  EXPECT_EQ(dispatch(g), XABI_WIRE_NONCANONICAL);
  g = f;
  g.resize(g.size() + 8, 0);
  set_len(g);
  EXPECT_EQ(dispatch(g), XABI_WIRE_OVERSIZED);  // close has no sections: anything more is over its size
  std::string data(5, 'y');
  auto w = frame(XABI_CALL_WRITE, {3, reinterpret_cast<uintptr_t>(data.data()), data.size()});
  g = w;
  g[g.size() - 1] = 7;  // section padding
  EXPECT_EQ(dispatch(g), XABI_WIRE_NONCANONICAL);
  g = w;
  g.resize(g.size() + 8, 0);
  set_len(g);
  EXPECT_EQ(dispatch(g), XABI_WIRE_NONCANONICAL);
}

TEST_F(CodecRejects, SectionsMustMatchTheirLengthParameter) {
  std::string data(10, 'z');
  auto f = frame(XABI_CALL_WRITE, {3, reinterpret_cast<uintptr_t>(data.data()), data.size()});
  auto g = f;
  xabi_wire_put64(g.data() + 24, 9);  // len says 9, section carries 10
  EXPECT_EQ(dispatch(g), XABI_WIRE_LENGTH_MISMATCH);
  g = f;
  xabi_wire_put64(g.data() + 24, XABI_LIMIT_IO + 1);  // over the bound: no bytes may travel
  EXPECT_EQ(dispatch(g), XABI_WIRE_LENGTH_MISMATCH);
}

TEST_F(CodecRejects, StringsWithNul) {
  auto f = frame(XABI_CALL_OPEN_URL, {reinterpret_cast<uintptr_t>("GET"), reinterpret_cast<uintptr_t>("http://a.test/")});
  auto g = f;
  g[16 + 4 + 1] = 0;  // "G\0T"
  EXPECT_EQ(dispatch(g), XABI_WIRE_BAD_STRING);
}

TEST_F(CodecRejects, GarbageNeverRunsTheHandlerUnlessItIsAValidFrame) {
  std::mt19937_64 rng(7);
  auto seed = frame(XABI_CALL_POLL, {0, 0, 0});
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> g;
    if (i % 2) {
      g.resize(rng() % 200);
      for (auto& b : g) b = static_cast<uint8_t>(rng());
    } else {
      g = seed;  // a valid frame with random bytes flipped
      for (int k = 0; k < 3; ++k) g[rng() % g.size()] = static_cast<uint8_t>(rng());
    }
    size_t calls = 0;
    xabi_wire_status s = dispatch(g, &calls);
    if (s == XABI_WIRE_OK) {
      ++accepted;
      EXPECT_EQ(calls, 1u);
    }
  }
  // Flipping bytes of a valid frame mostly breaks it; a few flips (e.g. in the
  // sequence number or `block`) leave a valid frame, which is fine.
  EXPECT_LT(accepted, 20000u / 2);
}

// The PAL side refuses a bad response: wrong sequence, or more bytes than asked.
TEST_F(CodecRejects, PalRefusesBadResponses) {
  std::vector<uint8_t> buf(32, 0xee);
  rec_.answer = 8;
  rec_.out_data = "12345678";
  uint64_t args[] = {4, reinterpret_cast<uintptr_t>(buf.data()), 8};
  int64_t r = 0;
  ASSERT_EQ(xabi_invoke(&table_, XABI_CALL_READ, args, &r), 0);
  EXPECT_EQ(r, 8);
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 8), "12345678");

  std::fill(buf.begin(), buf.end(), 0xee);
  loopback().tamper = [](std::vector<uint8_t>& resp) { xabi_wire_put32(resp.data() + 8, xabi_wire_get32(resp.data() + 8) + 1); };
  ASSERT_EQ(xabi_invoke(&table_, XABI_CALL_READ, args, &r), 0);
  EXPECT_EQ(r, XABI_E_BAD_FRAME);
  EXPECT_EQ(buf[0], 0xee);

  // A response carrying 16 bytes for an 8-byte read.
  loopback().tamper = [](std::vector<uint8_t>& resp) {
    resp.resize(24);
    const char more[] = "0123456789abcdef";
    size_t off = 24;
    resp.resize(24 + 24);
    xabi_wire_put_section(resp.data(), resp.size(), &off, more, 16);
    xabi_wire_put32(resp.data() + 12, static_cast<uint32_t>(resp.size()));
  };
  ASSERT_EQ(xabi_invoke(&table_, XABI_CALL_READ, args, &r), 0);
  EXPECT_EQ(r, XABI_E_BAD_FRAME);
  EXPECT_EQ(buf[0], 0xee);
  loopback().tamper = nullptr;
}

}  // namespace
