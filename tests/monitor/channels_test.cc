// Channels over real sockets, a pipe as the console, poll, limits, and fd
// hygiene over thousands of connect/accept/close cycles.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "listen_endpoint.h"
#include "call_server.h"

namespace xabi::calls {
namespace {

size_t open_fds() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

int connect_unix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct CountingWatcher : FdWatcher {
  int watched = 0;
  int watch(int) override { return ++watched, 0; }
  void unwatch(int) override { --watched; }
};

class Channels : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = "/tmp/xabi-host-test-" + std::to_string(::getpid()) + ".sock";
    ASSERT_EQ(open_listen_endpoint("unix:" + path_, listen_), 0);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    pipe_r_.reset(p[0]);
    pipe_w_.reset(p[1]);
    sink_ = std::make_unique<ConsoleSink>(pipe_w_.get());
    CallServerConfig c;
    c.listen_fd = listen_.get();
    c.console = sink_.get();
    c.watcher = &watcher_;
    host_ = std::make_unique<CallServer>(c);
  }
  void TearDown() override {
    host_.reset();
    ::unlink(path_.c_str());
  }
  int64_t rd(int32_t ch, void* buf, uint64_t len) {
    dispatch::OutBytes ob{static_cast<uint8_t*>(buf), std::min<uint64_t>(len, XABI_LIMIT_IO)};
    return host_->read(ch, ob, len);
  }
  int64_t wr(int32_t ch, std::string_view s) {
    return host_->write(ch, std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()), s.size());
  }
  int32_t accept_one(UniqueFd& client) {
    client.reset(connect_unix(path_));
    EXPECT_TRUE(client.valid());
    const int64_t ch = host_->accept();
    EXPECT_GE(ch, 0);
    return static_cast<int32_t>(ch);
  }

  std::string path_;
  UniqueFd listen_, pipe_r_, pipe_w_;
  std::unique_ptr<ConsoleSink> sink_;
  CountingWatcher watcher_;
  std::unique_ptr<CallServer> host_;
};

TEST_F(Channels, AcceptReadWriteEof) {
  EXPECT_EQ(host_->accept(), XABI_E_AGAIN);
  UniqueFd client;
  const int32_t ch = accept_one(client);
  EXPECT_EQ(watcher_.watched, 1);
  char buf[64];
  EXPECT_EQ(rd(ch, buf, sizeof buf), 0);  // nothing yet: not ready, never blocks
  ASSERT_EQ(::write(client.get(), "ping", 4), 4);
  EXPECT_EQ(rd(ch, buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
  EXPECT_EQ(wr(ch, "pong"), 4);
  ASSERT_EQ(::read(client.get(), buf, sizeof buf), 4);
  EXPECT_EQ(rd(ch, buf, 0), 0);
  client.reset();
  EXPECT_EQ(rd(ch, buf, sizeof buf), XABI_E_CLOSED);
  int64_t w = 0;
  for (int i = 0; i < 4 && w >= 0; ++i) w = wr(ch, "late");  // the first may still be queued
  EXPECT_TRUE(w == XABI_E_CLOSED || w == XABI_E_IO) << w;
  EXPECT_EQ(host_->close(ch), 0);
  EXPECT_EQ(watcher_.watched, 0);
  EXPECT_EQ(host_->close(ch), XABI_E_BAD_CHANNEL);
}

TEST_F(Channels, WriteNeverBlocksWhenThePeerDoesNotRead) {
  UniqueFd client;
  const int32_t ch = accept_one(client);
  std::string chunk(XABI_LIMIT_IO, 'x');
  int64_t r = 1;
  for (int i = 0; i < 10000 && r > 0; ++i) r = wr(ch, chunk);
  EXPECT_EQ(r, 0);  // the buffer filled up: 0 = not ready
  xabi_pollfd p{ch, XABI_POLL_OUT, 0, 0};
  EXPECT_EQ(host_->poll(std::span(&p, 1), 1, 1), 0);
}

TEST_F(Channels, ErrorOrderBadChannelBeforeInval) {
  char buf[8];
  EXPECT_EQ(rd(5, buf, XABI_LIMIT_IO + 1), XABI_E_BAD_CHANNEL);
  EXPECT_EQ(host_->write(-1, {}, XABI_LIMIT_IO + 1), XABI_E_BAD_CHANNEL);
  EXPECT_EQ(host_->write(64, {}, 1), XABI_E_BAD_CHANNEL);
  const int64_t con = host_->console();
  ASSERT_GE(con, 0);
  EXPECT_EQ(rd(static_cast<int32_t>(con), buf, XABI_LIMIT_IO + 1), XABI_E_INVAL);
  EXPECT_EQ(host_->write(static_cast<int32_t>(con), {}, XABI_LIMIT_IO + 1), XABI_E_INVAL);  // no bytes came
  EXPECT_EQ(host_->write(static_cast<int32_t>(con), {}, 0), 0);
}

TEST_F(Channels, ConsoleWritesWholeAndReadsAreClosed) {
  const int64_t c1 = host_->console();
  const int64_t c2 = host_->console();
  ASSERT_EQ(c1, 0);
  ASSERT_EQ(c2, 1);
  EXPECT_EQ(wr(0, "hello\n"), 6);
  EXPECT_EQ(wr(1, "world\n"), 6);
  char buf[32];
  ASSERT_EQ(::read(pipe_r_.get(), buf, sizeof buf), 12);
  EXPECT_EQ(std::string(buf, 12), "hello\nworld\n");
  EXPECT_EQ(rd(0, buf, sizeof buf), XABI_E_CLOSED);
  EXPECT_EQ(watcher_.watched, 0);  // nothing to watch for a console
}

TEST_F(Channels, IdsAreLowestFreeAndReusedOnlyAfterClose) {
  for (int64_t i = 0; i < static_cast<int64_t>(XABI_LIMIT_CHANNELS); ++i) ASSERT_EQ(host_->console(), i);
  EXPECT_EQ(host_->console(), XABI_E_LIMIT);
  EXPECT_EQ(host_->accept(), XABI_E_LIMIT);
  EXPECT_EQ(host_->close(17), 0);
  EXPECT_EQ(host_->console(), 17);
  EXPECT_EQ(host_->open_channels(), static_cast<size_t>(XABI_LIMIT_CHANNELS));
}

TEST_F(Channels, PollReportsReadinessAndHangup) {
  UniqueFd client;
  const int32_t ch = accept_one(client);
  const int32_t con = static_cast<int32_t>(host_->console());
  xabi_pollfd p[2] = {{ch, XABI_POLL_IN, 0, 0}, {con, XABI_POLL_OUT, 0, 0}};
  EXPECT_EQ(host_->poll(p, 2, 0), 1);
  EXPECT_EQ(p[0].revents, 0u);
  EXPECT_EQ(p[1].revents, XABI_POLL_OUT);
  ASSERT_EQ(::write(client.get(), "x", 1), 1);
  EXPECT_EQ(host_->poll(p, 2, 0), 2);
  EXPECT_EQ(p[0].revents, XABI_POLL_IN);
  client.reset();
  EXPECT_EQ(host_->poll(p, 1, 0), 1);
  EXPECT_EQ(p[0].revents, XABI_POLL_IN | XABI_POLL_HUP);
  // Errors: n over the limit, reserved fields, unknown channels.
  EXPECT_EQ(host_->poll({}, XABI_LIMIT_POLL + 1, 0), XABI_E_INVAL);
  EXPECT_EQ(host_->poll({}, 0, 1), 0);
  p[1].reserved = 1;
  EXPECT_EQ(host_->poll(p, 2, 0), XABI_E_INVAL);
  p[1].reserved = 0;
  p[1].channel = 40;
  EXPECT_EQ(host_->poll(p, 2, 0), XABI_E_BAD_CHANNEL);
}

TEST_F(Channels, NoListenerNoConsoleAreUnsupported) {
  CallServer bare(CallServerConfig{});
  EXPECT_EQ(bare.accept(), XABI_E_UNSUPPORTED);
  EXPECT_EQ(bare.console(), XABI_E_UNSUPPORTED);
  EXPECT_EQ(bare.open_url("GET", "http://h/"), XABI_E_UNSUPPORTED);
}

TEST_F(Channels, ThousandsOfConnectCloseCyclesLeakNoFds) {
  const size_t before = open_fds();
  for (int i = 0; i < 3000; ++i) {
    UniqueFd client;
    const int32_t ch = accept_one(client);
    ASSERT_EQ(ch, 0);
    if (i % 2) client.reset();  // half closed by the peer first
    ASSERT_EQ(host_->close(ch), 0);
  }
  EXPECT_EQ(open_fds(), before);
  EXPECT_EQ(watcher_.watched, 0);
  // A host that goes away (the picoprocess died) releases every channel.
  std::vector<UniqueFd> clients(10);
  for (auto& c : clients) accept_one(c);
  EXPECT_EQ(host_->open_channels(), 10u);
  host_.reset();
  clients.clear();
  EXPECT_EQ(open_fds(), before - 1);  // the host's timerfd went too
  EXPECT_EQ(watcher_.watched, 0);
}

}  // namespace
}  // namespace xabi::calls
