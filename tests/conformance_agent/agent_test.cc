// xabi-agent under the real xabi-host: a small client of agent_protocol.h
// drives it over the host's unix listen endpoint and checks each command,
// the agent's refusals of malformed frames, and how the run ends.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent_protocol.h"
#include "run_xabi_host.h"
#include "sockets.h"
#include "xabi/xabi.h"
#include "xabi/host_exits.h"

namespace {

using Bytes = std::vector<uint8_t>;

// Little-endian payload builder and reader.
struct Out {
  Bytes b;
  Out& u8(uint8_t v) { return put(v, 1); }
  Out& u32(uint32_t v) { return put(v, 4); }
  Out& u64(uint64_t v) { return put(v, 8); }
  Out& bytes(const Bytes& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  Out& put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
};

struct In {
  const Bytes& b;
  size_t pos = 0;
  bool bad = false;
  uint64_t get(int n) {
    if (pos + n > b.size()) {
      bad = true;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{b[pos + i]} << (8 * i);
    pos += n;
    return v;
  }
  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  int64_t i64() { return static_cast<int64_t>(get(8)); }
  Bytes take(size_t n) {
    if (pos + n > b.size()) {
      bad = true;
      return {};
    }
    Bytes v(b.begin() + pos, b.begin() + pos + n);
    pos += n;
    return v;
  }
  bool done() const { return !bad && pos == b.size(); }
};

struct Frame {
  uint32_t seq = 0;
  uint8_t op = 0, worker = 0, status = 0, reserved = 0;
  Bytes payload;
};

struct Blob {
  uint64_t address = 0;
  Bytes data;
};

struct CallReply {
  uint8_t status = 0xff;
  int64_t result = 0;
  std::vector<Blob> blobs;
};

// One agent run: xabi-host with --listen on a fresh socket, connected.
class Agent {
 public:
  ~Agent() {
    if (fd_ >= 0) close(fd_);
    if (child_.pid > 0) xabi::test::finish_host(child_, 5000);
  }

  // Starts the host and connects; a failure carries the host's stderr.
  testing::AssertionResult start(const std::vector<std::string>& guest_args) {
    static int counter = 0;
    path_ = "/tmp/xabi-agent-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".sock";
    unlink(path_.c_str());
    std::vector<std::string> args = {"xabi-host", "run", "--listen", "unix:" + path_, XABI_AGENT_IMAGE};
    if (!guest_args.empty()) {
      args.push_back("--");
      args.insert(args.end(), guest_args.begin(), guest_args.end());
    }
    child_ = xabi::test::start_host(args);
    fd_ = xabi::test::connect_unix_retrying(path_);
    if (fd_ >= 0) return testing::AssertionSuccess();
    auto r = xabi::test::finish_host(child_, 1000);
    return testing::AssertionFailure() << "could not connect; xabi-host said: " << r.err << " (status " << r.status << ")";
  }

  void send_raw(const Bytes& b) {
    size_t done = 0;
    while (done < b.size()) {
      ssize_t n = write(fd_, b.data() + done, b.size() - done);
      ASSERT_GT(n, 0) << "write to the agent failed";
      done += static_cast<size_t>(n);
    }
  }

  void send(uint32_t seq, uint8_t op, uint8_t worker, const Bytes& payload) {
    Out f;
    f.u32(AGENT_HEADER + static_cast<uint32_t>(payload.size())).u32(seq).u8(op).u8(worker).u8(0).u8(0).bytes(payload);
    send_raw(f.b);
  }

  // The next frame, or nullopt after timeout_ms or at end of stream.
  std::optional<Frame> recv(int timeout_ms = 5000) {
    Bytes head;
    if (!read_exact(4, timeout_ms, &head)) return std::nullopt;
    const uint32_t len = head[0] | head[1] << 8 | head[2] << 16 | uint32_t{head[3]} << 24;
    if (len < AGENT_HEADER || len > AGENT_FRAME_MAX) return std::nullopt;
    Bytes rest;
    if (!read_exact(len, timeout_ms, &rest)) return std::nullopt;
    In in{rest};
    Frame f;
    f.seq = in.u32();
    f.op = in.u8();
    f.worker = in.u8();
    f.status = in.u8();
    f.reserved = in.u8();
    f.payload.assign(rest.begin() + AGENT_HEADER, rest.end());
    return f;
  }

  // Sends a request and returns the reply with the same seq (asserting it is
  // the next frame: callers that interleave workers use send/recv directly).
  Frame request(uint8_t op, uint8_t worker, const Bytes& payload) {
    const uint32_t seq = ++seq_;
    send(seq, op, worker, payload);
    auto f = recv();
    EXPECT_TRUE(f.has_value()) << "no reply to op " << int{op};
    if (!f) return {};
    EXPECT_EQ(f->seq, seq);
    EXPECT_EQ(f->op, op);
    EXPECT_EQ(f->worker, worker);
    EXPECT_EQ(f->reserved, 0);
    return *f;
  }

  uint32_t next_seq() { return ++seq_; }

  void close_control() {
    close(fd_);
    fd_ = -1;
  }

  xabi::test::HostRun finish(int timeout_ms = 5000) {
    if (fd_ >= 0) close_control();
    auto r = xabi::test::finish_host(child_, timeout_ms);
    return r;
  }

 private:
  bool read_exact(size_t n, int timeout_ms, Bytes* out) {
    out->resize(n);
    size_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (got < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      ssize_t r = read(fd_, out->data() + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }

  std::string path_;
  xabi::test::HostChild child_;
  int fd_ = -1;
  uint32_t seq_ = 0;
};

struct Hello {
  uint32_t magic = 0, abi_version = 0;
  int64_t channel = -1;
  uint64_t alarms = 0, scratch = 0, entry = 0;
};

Hello read_hello(Agent& a) {
  Hello h;
  auto f = a.recv();
  EXPECT_TRUE(f.has_value()) << "no HELLO";
  if (!f) return h;
  EXPECT_EQ(f->op, AGENT_OP_HELLO);
  EXPECT_EQ(f->seq, 0u);
  EXPECT_EQ(f->status, AGENT_OK);
  In in{f->payload};
  h.magic = in.u32();
  h.abi_version = in.u32();
  h.channel = in.i64();
  h.alarms = in.u64();
  h.scratch = in.u64();
  h.entry = in.u64();
  EXPECT_TRUE(in.done()) << "HELLO payload of " << f->payload.size() << " bytes";
  return h;
}

// Starts an agent and reads its HELLO; skips the rest of the test if it cannot.
#define START_AGENT(agent, hello, ...)                      \
  Agent agent;                                              \
  ASSERT_TRUE(agent.start({__VA_ARGS__}));                  \
  [[maybe_unused]] const Hello hello = read_hello(agent);   \
  ASSERT_EQ(hello.magic, AGENT_MAGIC)

// CALL payloads.
struct ArgSpec {
  bool blob = false;
  uint64_t value = 0;  // value, or offset for a blob
  uint8_t index = 0;
};
ArgSpec val(uint64_t v) { return {false, v, 0}; }
ArgSpec blob(uint8_t index, uint32_t offset = 0) { return {true, offset, index}; }

struct BlobSpec {
  uint32_t len = 0;
  uint8_t fill = AGENT_BLOB_ZERO;
  Bytes data;  // DATA: the bytes; BYTE: one byte
};

Bytes call_payload(uint32_t id, const std::vector<ArgSpec>& args, const std::vector<BlobSpec>& blobs = {}) {
  Out o;
  o.u32(id).u8(static_cast<uint8_t>(args.size()));
  for (const auto& a : args) {
    if (a.blob)
      o.u8(AGENT_ARG_BLOB).u8(a.index).u32(static_cast<uint32_t>(a.value));
    else
      o.u8(AGENT_ARG_VALUE).u64(a.value);
  }
  o.u8(static_cast<uint8_t>(blobs.size()));
  for (const auto& b : blobs) o.u32(b.len).u8(b.fill).bytes(b.data);
  return o.b;
}

CallReply parse_call(const Frame& f) {
  CallReply r;
  r.status = f.status;
  if (f.status != AGENT_OK) {
    EXPECT_TRUE(f.payload.empty());
    return r;
  }
  In in{f.payload};
  r.result = in.i64();
  const uint8_t n = in.u8();
  for (uint8_t i = 0; i < n; ++i) {
    Blob b;
    b.address = in.u64();
    b.data = in.take(in.u32());
    r.blobs.push_back(b);
  }
  EXPECT_TRUE(in.done()) << "CALL reply payload malformed";
  return r;
}

CallReply call(Agent& a, uint8_t worker, uint32_t id, const std::vector<ArgSpec>& args,
               const std::vector<BlobSpec>& blobs = {}) {
  return parse_call(a.request(AGENT_OP_CALL, worker, call_payload(id, args, blobs)));
}

Bytes mem_payload(uint64_t address, uint64_t len, uint8_t byte) { return Out{}.u64(address).u64(len).u8(byte).b; }

struct Spawned {
  uint8_t status = 0xff;
  int64_t result = 0;
  uint64_t entry = 0, stack = 0, arg = 0;
  uint8_t ran = 0;
};

Spawned spawn(Agent& a, uint8_t slot) {
  Frame f = a.request(AGENT_OP_SPAWN, 0, Out{}.u8(slot).b);
  Spawned s;
  s.status = f.status;
  if (f.status != AGENT_OK) return s;
  In in{f.payload};
  s.result = in.i64();
  s.entry = in.u64();
  s.stack = in.u64();
  s.arg = in.u64();
  s.ran = in.u8();
  EXPECT_TRUE(in.done());
  return s;
}

uint64_t ping(Agent& a, uint8_t worker) {
  Frame f = a.request(AGENT_OP_PING, worker, {});
  EXPECT_EQ(f.status, AGENT_OK);
  In in{f.payload};
  uint64_t t = in.u64();
  EXPECT_TRUE(in.done());
  return t;
}

TEST(Agent, HelloThenClosingEndsTheRunWithStatusZero) {
  START_AGENT(a, h);
  EXPECT_EQ(h.abi_version, 1u);
  EXPECT_GE(h.channel, 0);
  EXPECT_NE(h.alarms, 0u);
  EXPECT_NE(h.scratch, 0u);
  EXPECT_EQ(h.scratch % 16, 0u);
  EXPECT_NE(h.entry, 0u);
  EXPECT_GT(ping(a, 0), 0u);
  auto r = a.finish();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Agent, AllocFillCheckReadFree) {
  START_AGENT(a, h);
  CallReply r = call(a, 0, XABI_CALL_ALLOC, {val(4096)});
  ASSERT_EQ(r.status, AGENT_OK);
  const uint64_t page = static_cast<uint64_t>(r.result);
  ASSERT_NE(page, 0u);
  EXPECT_EQ(page % 4096, 0u);

  auto check = [&](uint8_t byte) {
    Frame f = a.request(AGENT_OP_MEM_CHECK, 0, mem_payload(page, 4096, byte));
    EXPECT_EQ(f.status, AGENT_OK);
    In in{f.payload};
    struct {
      uint64_t mismatches, first;
      uint8_t value;
    } c{in.u64(), in.u64(), in.u8()};
    EXPECT_TRUE(in.done());
    return c;
  };
  auto zero = check(0);
  EXPECT_EQ(zero.mismatches, 0u);
  EXPECT_EQ(zero.first, 4096u);

  Frame fill = a.request(AGENT_OP_MEM_FILL, 0, mem_payload(page + 100, 4096 - 100, 0xab));
  EXPECT_EQ(fill.status, AGENT_OK);
  EXPECT_TRUE(fill.payload.empty());
  auto ab = check(0xab);
  EXPECT_EQ(ab.mismatches, 100u);
  EXPECT_EQ(ab.first, 0u);
  EXPECT_EQ(ab.value, 0u);

  Frame rd = a.request(AGENT_OP_MEM_READ, 0, Out{}.u64(page + 96).u32(8).b);
  EXPECT_EQ(rd.status, AGENT_OK);
  EXPECT_EQ(rd.payload, (Bytes{0, 0, 0, 0, 0xab, 0xab, 0xab, 0xab}));

  r = call(a, 0, XABI_CALL_FREE, {val(page), val(4096)});
  EXPECT_EQ(r.status, AGENT_OK);
  EXPECT_EQ(r.result, 0);
  r = call(a, 0, XABI_CALL_FREE, {val(page), val(4096)});
  EXPECT_EQ(r.result, XABI_E_NOT_MAPPED);
  EXPECT_EQ(a.finish().status, 0);
}

TEST(Agent, CallReturnsBlobsAsTheyAreAfterTheCall) {
  START_AGENT(a, h);
  // blob 0 is 3 bytes of DATA, blob 1 (the OUT buffer) starts 16-byte aligned after it.
  CallReply r = call(a, 0, XABI_CALL_RANDOM, {blob(1), val(32)},
                     {{3, AGENT_BLOB_DATA, {1, 2, 3}}, {32, AGENT_BLOB_BYTE, {0x5a}}});
  ASSERT_EQ(r.status, AGENT_OK);
  EXPECT_EQ(r.result, 32);
  ASSERT_EQ(r.blobs.size(), 2u);
  EXPECT_EQ(r.blobs[0].address, h.scratch);
  EXPECT_EQ(r.blobs[0].data, (Bytes{1, 2, 3}));
  EXPECT_EQ(r.blobs[1].address, h.scratch + 16);
  ASSERT_EQ(r.blobs[1].data.size(), 32u);
  EXPECT_NE(r.blobs[1].data, Bytes(32, 0x5a));  // overwritten (a 2^-256 chance to fail)

  // An argument pointing into a blob at an offset.
  r = call(a, 0, XABI_CALL_RANDOM, {blob(0, 8), val(8)}, {{16, AGENT_BLOB_ZERO, {}}});
  ASSERT_EQ(r.status, AGENT_OK);
  EXPECT_EQ(r.result, 8);
  ASSERT_EQ(r.blobs.size(), 1u);
  EXPECT_EQ(Bytes(r.blobs[0].data.begin(), r.blobs[0].data.begin() + 8), Bytes(8, 0));

  // A call the table does not have.
  EXPECT_EQ(call(a, 0, 999, {}).status, AGENT_NO_CALL);
  EXPECT_EQ(call(a, 0, 0, {}).status, AGENT_NO_CALL);
  EXPECT_EQ(a.finish().status, 0);
}

TEST(Agent, SpawnedWorkerRunsCallsAndBlocksWhileMainServes) {
  START_AGENT(a, h);
  Spawned s = spawn(a, 1);
  ASSERT_EQ(s.status, AGENT_OK);
  ASSERT_GT(s.result, 0);
  EXPECT_EQ(s.ran, 1);
  EXPECT_EQ(s.entry, h.entry);
  EXPECT_EQ(s.arg, 1u);
  EXPECT_EQ(s.stack % 16, 0u);
  // Alive: cannot be spawned again.
  EXPECT_EQ(spawn(a, 1).status, AGENT_BAD_WORKER);

  CallReply t = call(a, 1, XABI_CALL_TIME_NOW, {});
  ASSERT_EQ(t.status, AGENT_OK);
  EXPECT_GT(t.result, 0);

  // Worker 1 waits on alarms()->clock with its current value ...
  Frame clock = a.request(AGENT_OP_MEM_READ, 0, Out{}.u64(h.alarms).u32(4).b);
  ASSERT_EQ(clock.status, AGENT_OK);
  ASSERT_EQ(clock.payload.size(), 4u);
  const Bytes spec = Out{}.u64(h.alarms).bytes(clock.payload).u32(0).b;
  const uint32_t wait_seq = a.next_seq();
  a.send(wait_seq, AGENT_OP_CALL, 1, call_payload(XABI_CALL_ZUTEX_WAIT, {blob(0), val(1)}, {{16, AGENT_BLOB_DATA, spec}}));
  // ... while worker 0 still answers (the next frame is the PING's, not the wait's) ...
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t now = ping(a, 0);
  // ... until worker 0 sets the alarm 20 ms ahead.
  CallReply set = call(a, 0, XABI_CALL_ALARM_SET, {val(now + 20'000'000)});
  ASSERT_EQ(set.status, AGENT_OK);
  EXPECT_EQ(set.result, 0);
  auto woke = a.recv();
  ASSERT_TRUE(woke.has_value()) << "the zutex wait never returned";
  EXPECT_EQ(woke->seq, wait_seq);
  EXPECT_EQ(woke->worker, 1);
  CallReply w = parse_call(*woke);
  EXPECT_EQ(w.status, AGENT_OK);
  // The index of the woken word; E_AGAIN if (on a loaded machine) the alarm
  // fired before worker 1 got to sleep.
  EXPECT_TRUE(w.result == 0 || w.result == XABI_E_AGAIN) << w.result;

  // thread_exit ends worker 1 without a reply; the slot can be spawned again.
  a.send(a.next_seq(), AGENT_OP_CALL, 1, call_payload(XABI_CALL_THREAD_EXIT, {}));
  Spawned again = spawn(a, 1);
  ASSERT_EQ(again.status, AGENT_OK);
  EXPECT_GT(again.result, 0);
  EXPECT_EQ(again.ran, 1);
  EXPECT_NE(again.stack, s.stack);  // the other stack: the old thread may still be on its own
  EXPECT_GT(ping(a, 1), 0u);
  EXPECT_EQ(a.finish().status, 0);
}

TEST(Agent, CommandsToOneWorkerQueueInOrderAndAThirdIsRefused) {
  START_AGENT(a, h);
  ASSERT_GT(spawn(a, 2).result, 0);
  // Worker 2 blocks on alarms()->ui (never bumped in v1) ...
  const Bytes spec = Out{}.u64(h.alarms + 8).u32(0).u32(0).b;
  const uint32_t s1 = a.next_seq(), s2 = a.next_seq(), s3 = a.next_seq();
  a.send(s1, AGENT_OP_CALL, 2, call_payload(XABI_CALL_ZUTEX_WAIT, {blob(0), val(1)}, {{16, AGENT_BLOB_DATA, spec}}));
  a.send(s2, AGENT_OP_PING, 2, {});  // queued behind it
  a.send(s3, AGENT_OP_PING, 2, {});  // no room
  auto busy = a.recv();
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->seq, s3);
  EXPECT_EQ(busy->status, AGENT_BAD_WORKER);
  // ... until worker 0 wakes it (once it sleeps: the refusal above does not
  // mean worker 2 has reached the wait yet, and a wake before it wakes no one).
  CallReply wake;
  for (int i = 0; i < 400; ++i) {
    wake = call(a, 0, XABI_CALL_ZUTEX_WAKE, {val(h.alarms + 8), val(0), val(1), val(0), val(0)});
    if (wake.status != AGENT_OK || wake.result != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(wake.status, AGENT_OK);
  EXPECT_EQ(wake.result, 1);
  auto first = a.recv(), second = a.recv();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->seq, s1);
  EXPECT_EQ(parse_call(*first).result, 0);
  EXPECT_EQ(second->seq, s2);
  EXPECT_EQ(second->status, AGENT_OK);
  EXPECT_EQ(a.finish().status, 0);
}

TEST(Agent, MalformedFramesAreRefusedAndServingGoesOn) {
  START_AGENT(a, h);
  auto status_of = [&](uint8_t op, uint8_t worker, const Bytes& payload) { return a.request(op, worker, payload).status; };
  // Too many arguments, an unknown argument kind, a blob index out of range.
  Out many;
  many.u32(XABI_CALL_TIME_NOW).u8(AGENT_MAX_ARGS + 1);
  for (unsigned i = 0; i <= AGENT_MAX_ARGS; ++i) many.u8(AGENT_ARG_VALUE).u64(0);
  many.u8(0);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, many.b), AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, Out{}.u32(10).u8(1).u8(7).u64(0).u8(0).b), AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, call_payload(XABI_CALL_RANDOM, {blob(1), val(4)}, {{4, AGENT_BLOB_ZERO, {}}})),
            AGENT_BAD_FRAME);
  // Blobs over AGENT_SCRATCH (with alignment), too many blobs, a bad fill, missing data, trailing bytes.
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0,
                      call_payload(XABI_CALL_TIME_NOW, {}, {{1, AGENT_BLOB_ZERO, {}}, {AGENT_SCRATCH - 15, AGENT_BLOB_ZERO, {}}})),
            AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, call_payload(XABI_CALL_TIME_NOW, {}, std::vector<BlobSpec>(AGENT_MAX_BLOBS + 1))),
            AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, call_payload(XABI_CALL_TIME_NOW, {}, {{4, 9, {}}})), AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, call_payload(XABI_CALL_TIME_NOW, {}, {{4, AGENT_BLOB_DATA, {1, 2}}})),
            AGENT_BAD_FRAME);
  Bytes trailing = call_payload(XABI_CALL_TIME_NOW, {});
  trailing.push_back(0);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, trailing), AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_CALL, 0, {1, 0}), AGENT_BAD_FRAME);  // truncated id
  EXPECT_EQ(status_of(AGENT_OP_MEM_READ, 0, Out{}.u64(h.scratch).u32(AGENT_SCRATCH + 1).b), AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_MEM_FILL, 0, Out{}.u64(h.scratch).u64(1).b), AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_HOG, 0, Out{}.u8(77).u64(0).b), AGENT_BAD_FRAME);
  EXPECT_EQ(status_of(AGENT_OP_PING, 0, {0}), AGENT_BAD_FRAME);
  // Unknown ops, HELLO as a request; workers that do not exist or do not run.
  EXPECT_EQ(status_of(77, 0, {}), AGENT_BAD_OP);
  EXPECT_EQ(status_of(AGENT_OP_HELLO, 0, {}), AGENT_BAD_OP);
  EXPECT_EQ(status_of(AGENT_OP_PING, AGENT_WORKERS + 1, {}), AGENT_BAD_WORKER);
  EXPECT_EQ(status_of(AGENT_OP_PING, 3, {}), AGENT_BAD_WORKER);
  EXPECT_EQ(status_of(AGENT_OP_SPAWN, 0, Out{}.u8(0).b), AGENT_BAD_WORKER);
  EXPECT_EQ(status_of(AGENT_OP_SPAWN, 0, Out{}.u8(AGENT_WORKERS + 1).b), AGENT_BAD_WORKER);
  // A request whose status byte is not 0.
  a.send_raw(Out{}.u32(AGENT_HEADER).u32(4242).u8(AGENT_OP_PING).u8(0).u8(1).u8(0).b);
  auto f = a.recv();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->seq, 4242u);
  EXPECT_EQ(f->status, AGENT_BAD_FRAME);
  // A length too short for a header, then one over AGENT_FRAME_MAX whose
  // bytes all follow: both refused, and the stream stays in step.
  a.send_raw(Out{}.u32(2).u8(0xee).u8(0xee).b);
  f = a.recv();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->status, AGENT_BAD_FRAME);
  const uint32_t big = AGENT_FRAME_MAX + 1;
  Out over;
  over.u32(big).u32(4343).u8(AGENT_OP_CALL).u8(0).u8(0).u8(0);
  over.b.resize(over.b.size() + big - AGENT_HEADER, 0x11);
  std::thread writer([&] { a.send_raw(over.b); });  // bigger than the socket buffers
  f = a.recv();
  writer.join();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->seq, 4343u);
  EXPECT_EQ(f->status, AGENT_BAD_FRAME);
  EXPECT_GT(ping(a, 0), 0u);
  EXPECT_EQ(a.finish().status, 0);
}

TEST(Agent, ArgsAreTheImagePathThenTheArguments) {
  START_AGENT(a, h, "first", "", "third arg");
  Frame f = a.request(AGENT_OP_ARGS, 0, {});
  ASSERT_EQ(f.status, AGENT_OK);
  In in{f.payload};
  std::vector<std::string> got(in.u32());
  for (auto& s : got) {
    Bytes b = in.take(in.u32());
    s.assign(b.begin(), b.end());
  }
  EXPECT_TRUE(in.done());
  EXPECT_EQ(got, (std::vector<std::string>{XABI_AGENT_IMAGE, "first", "", "third arg"}));
  EXPECT_EQ(a.finish().status, 0);
}

TEST(Agent, ForbiddenSyscallEndsTheRunWithAViolation) {
  START_AGENT(a, h);
  ASSERT_GT(ping(a, 0), 0u);
  a.send(a.next_seq(), AGENT_OP_SYSCALL, 0, Out{}.u64(39 /* getpid */).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0).b);
  auto f = a.recv();
  EXPECT_FALSE(f.has_value()) << "the picoprocess survived getpid";
  auto r = a.finish();
  EXPECT_EQ(r.status, XABI_HOST_EXIT_VIOLATION) << r.err;
}

TEST(Agent, HogExitRepliesFirstThenExits) {
  START_AGENT(a, h);
  ASSERT_GT(spawn(a, 5).result, 0);
  Frame f = a.request(AGENT_OP_HOG, 5, Out{}.u8(AGENT_HOG_EXIT).u64(7).b);
  EXPECT_EQ(f.status, AGENT_OK);
  EXPECT_TRUE(f.payload.empty());
  // Closing now would race the worker's exit with main's exit(0) at end of
  // stream: wait for the picoprocess to end the stream itself.
  EXPECT_FALSE(a.recv().has_value());
  auto r = a.finish();
  EXPECT_EQ(r.status, 7) << r.err;
}

TEST(Agent, HogCrashRepliesFirstThenDiesOfSegv) {
  START_AGENT(a, h);
  Frame f = a.request(AGENT_OP_HOG, 0, Out{}.u8(AGENT_HOG_CRASH).u64(0).b);
  EXPECT_EQ(f.status, AGENT_OK);
  auto r = a.finish();
  EXPECT_EQ(r.status, 128 + 11) << r.err;
}

TEST(Agent, SpawnsUpToTheThreadLimit) {
  START_AGENT(a, h);
  // The initial thread plus 63 workers make LIMIT_THREADS; the 64th is refused.
  for (uint8_t slot = 1; slot < XABI_LIMIT_THREADS; ++slot) {
    Spawned s = spawn(a, slot);
    ASSERT_EQ(s.status, AGENT_OK) << "slot " << int{slot};
    ASSERT_GT(s.result, 0) << "slot " << int{slot};
  }
  Spawned last = spawn(a, AGENT_WORKERS);
  ASSERT_EQ(last.status, AGENT_OK);
  EXPECT_EQ(last.result, XABI_E_LIMIT);
  EXPECT_EQ(last.ran, 0);
  EXPECT_EQ(a.request(AGENT_OP_PING, AGENT_WORKERS, {}).status, AGENT_BAD_WORKER);  // never ran
  // Every worker answers, all at once.
  std::vector<uint32_t> seqs;
  for (uint8_t slot = 1; slot < XABI_LIMIT_THREADS; ++slot) {
    seqs.push_back(a.next_seq());
    a.send(seqs.back(), AGENT_OP_CALL, slot, call_payload(XABI_CALL_TIME_NOW, {}));
  }
  std::vector<bool> seen(XABI_LIMIT_THREADS, false);
  for (size_t i = 0; i + 1 < XABI_LIMIT_THREADS; ++i) {
    auto f = a.recv();
    ASSERT_TRUE(f.has_value());
    ASSERT_GE(f->worker, 1);
    ASSERT_LT(f->worker, XABI_LIMIT_THREADS);
    EXPECT_EQ(f->seq, seqs[f->worker - 1u]);
    EXPECT_GT(parse_call(*f).result, 0);
    EXPECT_FALSE(seen[f->worker]);
    seen[f->worker] = true;
  }
  // One exits; SPAWN of its slot waits for it to go and is not refused. (Whether
  // the host has counted the thread out by then is the host's timing: the
  // agent cannot see it, so the result may still be E_LIMIT.)
  a.send(a.next_seq(), AGENT_OP_CALL, 7, call_payload(XABI_CALL_THREAD_EXIT, {}));
  Spawned again = spawn(a, 7);
  EXPECT_EQ(again.status, AGENT_OK);
  EXPECT_TRUE(again.result > 0 || again.result == XABI_E_LIMIT) << again.result;
  EXPECT_EQ(a.finish().status, 0);
}

}  // namespace
