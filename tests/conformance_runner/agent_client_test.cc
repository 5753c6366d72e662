// The runner's client of the agent protocol against a peer that breaks it:
// a frame whose length field the protocol does not allow ends the
// connection, and the failure says so instead of "the connection closed".
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "conformance/agent/agent_protocol.h"
#include "conformance/runner/agent_client.h"

namespace xabi::conform {
namespace {

// Listens on a fresh unix socket path, accepts one client and sends `frame`.
class Peer {
 public:
  explicit Peer(std::string frame) : path_("/tmp/xabi-agent-client-test-" + std::to_string(getpid()) + ".sock") {
    unlink(path_.c_str());
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    thread_ = std::thread([this, frame] {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      (void)!write(c, frame.data(), frame.size());
      char sink[64];
      while (read(c, sink, sizeof sink) > 0) {
      }
      close(c);
    });
  }
  ~Peer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
    unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
};

std::string length_field(uint32_t len) { return std::string(reinterpret_cast<const char*>(&len), 4); }

TEST(AgentClient, AnImpossibleFrameLengthIsNamed) {
  for (const uint32_t len : {1u, AGENT_FRAME_MAX + 65}) {
    Peer peer(length_field(len) + std::string(16, '\0'));
    AgentClient client;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    ASSERT_TRUE(client.connect(peer.path(), deadline, [] { return true; }));
    Result<Hello> hello = client.read_hello(deadline);
    ASSERT_FALSE(hello);
    EXPECT_EQ(hello.error().code, ConformError::kAgent);
    EXPECT_EQ(hello.error().detail, "the agent sent a frame of impossible length " + std::to_string(len) + ", before its hello");
    EXPECT_TRUE(client.closed());
    EXPECT_EQ(client.error(), "the agent sent a frame of impossible length " + std::to_string(len));
  }
}

TEST(AgentClient, APeerThatSaysNothingIsNotAProtocolError) {
  Peer peer("");
  AgentClient client;
  const auto deadline = Clock::now() + std::chrono::milliseconds(300);
  ASSERT_TRUE(client.connect(peer.path(), deadline, [] { return true; }));
  Result<Hello> hello = client.read_hello(deadline);
  ASSERT_FALSE(hello);
  EXPECT_EQ(hello.error().detail, "no hello from the agent in time");
  EXPECT_EQ(client.error(), "");
}

}  // namespace
}  // namespace xabi::conform
