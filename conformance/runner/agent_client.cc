#include "agent_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "agent_protocol.h"

namespace xabi::conform {
namespace {

Error unreachable(std::string why) { return {ConformError::kAgent, std::move(why)}; }

}  // namespace

AgentClient::~AgentClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status AgentClient::connect(const std::string& path, Clock::time_point deadline, const std::function<bool()>& alive) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return unreachable("listen path too long: " + path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  std::string last = "nothing listened";
  while (Clock::now() < deadline) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return unreachable(std::string("socket: ") + strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      fd_ = fd;
      return {};
    }
    last = strerror(errno);
    ::close(fd);
    if (!alive()) return unreachable("the host ended before it listened on " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return unreachable("the host did not listen on " + path + " in time (" + last + ")");
}

bool AgentClient::pump(Clock::time_point deadline) {
  if (closed_) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left < 0) left = 0;
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
  if (r <= 0) return Clock::now() < deadline;
  char buf[65536];
  ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  in_.append(buf, static_cast<size_t>(n));
  while (in_.size() >= 4) {
    uint32_t len;
    memcpy(&len, in_.data(), 4);
    if (len < AGENT_HEADER || len > AGENT_FRAME_MAX + 64) {
      error_ = "the agent sent a frame of impossible length " + std::to_string(len);
      closed_ = true;
      return false;
    }
    if (in_.size() < 4 + len) break;
    AgentReply r;
    memcpy(&r.seq, in_.data() + 4, 4);
    r.op = static_cast<uint8_t>(in_[8]);
    r.worker = static_cast<uint8_t>(in_[9]);
    r.status = static_cast<uint8_t>(in_[10]);
    r.payload = in_.substr(4 + AGENT_HEADER, len - AGENT_HEADER);
    replies_[r.seq] = std::move(r);
    in_.erase(0, 4 + len);
  }
  return true;
}

Result<Hello> AgentClient::read_hello(Clock::time_point deadline) {
  auto r = wait(0, deadline);
  if (!r)
    return unreachable(!error_.empty() ? error_ + ", before its hello"
                       : closed_       ? "the connection closed before the agent said hello"
                                       : "no hello from the agent in time");
  if (r->op != AGENT_OP_HELLO) return unreachable("the agent's first frame is not HELLO");
  Reader rd(r->payload);
  Hello out;
  uint32_t magic = rd.u32();
  out.abi_version = rd.u32();
  out.control = rd.i64();
  out.alarms = rd.u64();
  out.scratch = rd.u64();
  out.worker_entry = rd.u64();
  if (rd.bad || magic != AGENT_MAGIC) return unreachable("malformed HELLO from the agent");
  return out;
}

uint32_t AgentClient::send(uint8_t op, uint8_t worker, const std::string& payload) {
  uint32_t seq = next_seq_++;
  Bytes b;
  b.u32(static_cast<uint32_t>(AGENT_HEADER + payload.size())).u32(seq).u8(op).u8(worker).u8(0).u8(0);
  b.data += payload;
  size_t done = 0;
  while (done < b.data.size() && !closed_) {
    ssize_t n = ::send(fd_, b.data.data() + done, b.data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      break;
    }
    done += static_cast<size_t>(n);
  }
  return seq;
}

std::optional<AgentReply> AgentClient::wait(uint32_t seq, Clock::time_point deadline) {
  for (;;) {
    if (auto it = replies_.find(seq); it != replies_.end()) {
      AgentReply r = std::move(it->second);
      replies_.erase(it);
      return r;
    }
    if (!pump(deadline)) {
      if (auto it = replies_.find(seq); it != replies_.end()) continue;
      return std::nullopt;
    }
  }
}

void AgentClient::close_control() {
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }
  closed_ = true;
}

}  // namespace xabi::conform
