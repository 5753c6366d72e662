// The runner's end of the agent protocol (conformance/agent/agent_protocol.h):
// a unix-socket connection to the host's listen endpoint, on which the agent
// inside the picoprocess answers commands. Every wait has a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conformance/conform_error.h"

namespace xabi::conform {

using Clock = std::chrono::steady_clock;

class Bytes {
 public:
  Bytes& u8(uint8_t v) { return raw(&v, 1); }
  Bytes& u16(uint16_t v) { return raw(&v, 2); }
  Bytes& u32(uint32_t v) { return raw(&v, 4); }
  Bytes& u64(uint64_t v) { return raw(&v, 8); }
  Bytes& raw(const void* p, size_t n) {
    data.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string data;
};

// Reads a reply payload; any overrun sets `bad` and yields zeros.
class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}
  uint8_t u8() { return get<uint8_t>(); }
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  int64_t i64() { return static_cast<int64_t>(get<uint64_t>()); }
  std::string bytes(size_t n) {
    if (s_.size() - pos_ < n) {
      bad = true;
      return {};
    }
    std::string r = s_.substr(pos_, n);
    pos_ += n;
    return r;
  }
  bool bad = false;

 private:
  template <class T>
  T get() {
    T v{};
    if (s_.size() - pos_ < sizeof v) {
      bad = true;
      return v;
    }
    memcpy(&v, s_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  const std::string& s_;
  size_t pos_ = 0;
};

struct AgentReply {
  uint32_t seq = 0;
  uint8_t op = 0, worker = 0, status = 0;
  std::string payload;
};

struct Hello {
  uint32_t abi_version = 0;
  int64_t control = -1;
  uint64_t alarms = 0, scratch = 0, worker_entry = 0;
};

class AgentClient {
 public:
  ~AgentClient();
  // Connects to the unix socket at `path`, retrying until `deadline` (the
  // host may not listen yet); `alive` is asked between attempts and stops
  // the wait early when the host has ended. Both fail with kAgent, the
  // detail saying what happened ("the host ended before it listened on ...").
  Status connect(const std::string& path, Clock::time_point deadline, const std::function<bool()>& alive);
  Result<Hello> read_hello(Clock::time_point deadline);

  // Sends a command; returns its seq.
  uint32_t send(uint8_t op, uint8_t worker, const std::string& payload);
  // The reply to `seq` (others that arrive first are kept). nullopt: the
  // deadline passed, or the connection ended (then closed() is true).
  std::optional<AgentReply> wait(uint32_t seq, Clock::time_point deadline);
  bool closed() const { return closed_; }
  void close_control();  // the agent then exits 0
  // Why the client closed the connection itself (a frame the protocol does
  // not allow); empty if it did not.
  const std::string& error() const { return error_; }

 private:
  bool pump(Clock::time_point deadline);  // reads what is there; false on deadline/close
  int fd_ = -1;
  uint32_t next_seq_ = 1;
  std::string in_;
  std::map<uint32_t, AgentReply> replies_;
  bool closed_ = false;
  std::string error_;
};

}  // namespace xabi::conform
