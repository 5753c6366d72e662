// examples/http.c as a browser or curl sees it: the real xabi-host serving the
// guest on a loopback TCP port, driven by raw sockets (and curl) with
// well-formed, pipelined, malformed, idle and slow requests.
//
// Every wait is bounded by a generous deadline (the machine may be loaded); no
// test asserts how fast anything happens, only what arrives and in what order.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "run_xabi_host.h"
#include "sockets.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The guest serves at most this many connections at once (MAX_CONNS in http.c).
constexpr int kMaxConns = 32;
// How long any single expected event may take before the test gives up.
constexpr auto kPatience = 20s;

int connect_tcp(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  close(fd);
  return -1;
}

// Retries while the host is still starting (sanitized builds start slowly).
int connect_tcp_retrying(int port) {
  const auto until = Clock::now() + kPatience;
  for (;;) {
    if (const int fd = connect_tcp(port); fd >= 0) return fd;
    if (Clock::now() >= until) return -1;
    std::this_thread::sleep_for(20ms);
  }
}

struct Response {
  int status = 0;
  std::string head;                           // status line and fields, up to the blank line
  std::map<std::string, std::string> fields;  // lower-case name -> value
  std::string body;
  std::string field(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? "" : it->second;
  }
};

// One client connection with its own read buffer, so that pipelined
// responses are split exactly where their Content-Length says.
class Conn {
 public:
  explicit Conn(int fd) : fd_(fd) {}
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() { reset(); }
  bool ok() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  bool send(const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one response; nullopt if the connection ended or `patience` passed
  // first. A response to HEAD has no body whatever its Content-Length says.
  std::optional<Response> response(bool to_head = false, std::chrono::milliseconds patience = kPatience) {
    const auto until = Clock::now() + patience;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(until)) return std::nullopt;
    Response r;
    r.head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    if (std::sscanf(r.head.c_str(), "HTTP/1.%*d %d", &r.status) != 1) return std::nullopt;
    for (size_t at = r.head.find("\r\n"); at != std::string::npos;) {
      const size_t next = r.head.find("\r\n", at + 2);
      const std::string line = r.head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        r.fields[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      at = next;
    }
    const size_t len = to_head ? 0 : std::stoul(r.field("content-length").empty() ? "0" : r.field("content-length"));
    while (buf_.size() < len)
      if (!fill(until)) return std::nullopt;
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return r;
  }

  // True when the server ends the connection (EOF or reset) before
  // `patience`; `extra` receives any bytes that came first.
  bool closed_by_server(std::string* extra = nullptr, std::chrono::milliseconds patience = kPatience) {
    const auto until = Clock::now() + patience;
    while (fill(until)) {
    }
    if (extra) *extra = buf_;
    return eof_;
  }

  // True when nothing at all arrives for `quiet` (the connection stays open).
  bool silent_for(std::chrono::milliseconds quiet) {
    const size_t before = buf_.size();
    return !fill(Clock::now() + quiet) && !eof_ && buf_.size() == before;
  }

 private:
  // Appends what arrives before `until`; false on EOF, error or time out.
  bool fill(Clock::time_point until) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char tmp[4096];
    const ssize_t n = read(fd_, tmp, sizeof tmp);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string buf_;
  bool eof_ = false;
};

std::string get(const std::string& target, const std::string& extra_fields = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_fields + "\r\n";
}

// One xabi-host running examples/http on a fresh port:
//   http [COUNT [IDLE_SECONDS]]
class HttpServer : public ::testing::Test {
 protected:
  void start(uint64_t count, int idle_seconds = 60) {
    port_ = xabi::test::free_tcp_port();
    host_ = xabi::test::start_host({"xabi-host", "run", "--listen", "tcp:127.0.0.1:" + std::to_string(port_),
                                    std::string(XABI_EXAMPLES_DIR) + "/http", "--", std::to_string(count),
                                    std::to_string(idle_seconds)});
    // The first connection waits for the listener; later ones find it.
    const int fd = connect_tcp_retrying(port_);
    ASSERT_GE(fd, 0) << "xabi-host never listened on port " << port_ << ": " << xabi::test::finish_host(host_, 1000).err;
    first_ = fd;
  }

  // A connection to the server (the first one start() made, then new ones).
  std::unique_ptr<Conn> connect() {
    const int fd = first_ >= 0 ? std::exchange(first_, -1) : connect_tcp(port_);
    return std::make_unique<Conn>(fd);
  }

  // After COUNT responses the guest exits 0; only worth waiting for when the
  // test got that far.
  void expect_clean_exit() {
    if (HasFailure()) return;
    const auto r = xabi::test::finish_host(host_);
    EXPECT_EQ(r.status, 0) << r.err;
  }

  void TearDown() override {
    if (first_ >= 0) close(first_);
  }

  int port_ = 0;
  int first_ = -1;
  xabi::test::HostChild host_;
};

// 1. A client that connects and sends nothing must not stall anyone else.
TEST_F(HttpServer, IdleConnectionDoesNotStallAnotherClient) {
  start(1);
  auto idle = connect();  // accepted first, never sends a byte
  ASSERT_TRUE(idle->ok());
  const std::string cmd = "curl -s --max-time 15 http://127.0.0.1:" + std::to_string(port_) + "/second-client";
  std::string body;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) body.append(buf, n);
  pclose(p);
  EXPECT_NE(body.find("/second-client"), std::string::npos) << "curl got: " << body;
  expect_clean_exit();
}

// 2. HEAD: the headers GET would have, Content-Length included, and no body.
TEST_F(HttpServer, HeadHasTheHeadersOfGetAndNoBody) {
  start(2);
  auto c = connect();
  ASSERT_TRUE(c->send("HEAD /page HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  auto head = c->response(true);
  ASSERT_TRUE(head);
  std::string after;
  EXPECT_TRUE(c->closed_by_server(&after));
  EXPECT_EQ(after, "") << "HEAD response carried a body";

  auto g = connect();
  ASSERT_TRUE(g->send(get("/page", "Connection: close\r\n")));
  auto page = g->response();
  ASSERT_TRUE(page);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(page->status, 200);
  EXPECT_FALSE(head->field("content-length").empty()) << head->head;
  EXPECT_EQ(head->field("content-length"), page->field("content-length"));
  EXPECT_EQ(head->field("content-type"), page->field("content-type"));
  expect_clean_exit();
}

// 3. What is not HTTP is refused with 400, and the connection closed.
TEST_F(HttpServer, MalformedRequestsAre400) {
  const std::vector<std::string> bad = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\n\r\n",
      "GET / HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n",  // whitespace before the colon
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n folded: line\r\n\r\n",
      "GET  / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",  // HTTP/1.1 without Host
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET / HTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET nopath HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
  };
  start(bad.size());
  for (const auto& req : bad) {
    SCOPED_TRACE(req);
    auto c = connect();
    ASSERT_TRUE(c->send(req));
    auto r = c->response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->head;
    EXPECT_FALSE(r->field("content-type").empty()) << r->head;
    EXPECT_TRUE(c->closed_by_server());
  }
  expect_clean_exit();
}

// 4. A 300-byte path is served in full (or refused), never cut short.
TEST_F(HttpServer, LongPathIsNeverTruncated) {
  start(1);
  const std::string path = "/" + std::string(288, 'p') + "-end-of-path";
  ASSERT_EQ(path.size(), 301u);
  auto c = connect();
  ASSERT_TRUE(c->send(get(path)));
  auto r = c->response();
  ASSERT_TRUE(r);
  if (r->status != 414) {
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find(path), std::string::npos) << r->body;
  }
  expect_clean_exit();
}

// 5. The echoed path is HTML-escaped.
TEST_F(HttpServer, PathIsHtmlEscaped) {
  start(1);
  auto c = connect();
  ASSERT_TRUE(c->send(get("/<script>alert(1)</script>?a=\"1\"&b='2'")));
  auto r = c->response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.find("<script>"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("&lt;script&gt;alert(1)&lt;/script&gt;?a=&quot;1&quot;&amp;b=&#39;2&#39;"), std::string::npos)
      << r->body;
  expect_clean_exit();
}

// 6a. HTTP/1.1 keeps the connection open until the client asks to close.
TEST_F(HttpServer, KeepAliveServesRequestsOnOneConnection) {
  start(3);
  auto c = connect();
  for (const char* path : {"/first", "/second"}) {
    ASSERT_TRUE(c->send(get(path)));
    auto r = c->response();
    ASSERT_TRUE(r) << "no response for " << path;
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find(path), std::string::npos) << r->body;
  }
  ASSERT_TRUE(c->send(get("/last", "Connection: close\r\n")));
  auto r = c->response();
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("/last"), std::string::npos) << r->body;
  EXPECT_EQ(r->field("connection"), "close");
  EXPECT_TRUE(c->closed_by_server());
  expect_clean_exit();
}

// 6b. Requests sent in one write are answered in order, HEAD framed right.
TEST_F(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  start(3);
  auto c = connect();
  ASSERT_TRUE(c->send(get("/one") + "HEAD /two HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + get("/three")));
  auto one = c->response();
  auto two = c->response(true);
  auto three = c->response();
  ASSERT_TRUE(one && two && three);
  EXPECT_NE(one->body.find("/one"), std::string::npos) << one->body;
  EXPECT_EQ(two->status, 200);
  EXPECT_NE(three->body.find("/three"), std::string::npos) << three->body;
  expect_clean_exit();
}

// 6c. HTTP/1.0 persists only when it asks to.
TEST_F(HttpServer, Http10ClosesUnlessKeepAliveAsked) {
  start(2);
  auto c = connect();
  ASSERT_TRUE(c->send("GET /kept HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto kept = c->response();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->field("connection"), "keep-alive");
  ASSERT_TRUE(c->send("GET /closed HTTP/1.0\r\n\r\n"));
  auto closed = c->response();
  ASSERT_TRUE(closed) << "the keep-alive connection was not kept";
  EXPECT_NE(closed->body.find("/closed"), std::string::npos) << closed->body;
  EXPECT_TRUE(c->closed_by_server());
  expect_clean_exit();
}

// 7. Other methods are 501; a request body is read and discarded, so the
// next request on the connection is understood.
TEST_F(HttpServer, PostIs501AndItsBodyIsSkipped) {
  start(2);
  auto c = connect();
  const std::string body = "GET /smuggled HTTP/1.1\r\n\r\n";  // must not be taken for a request
  ASSERT_TRUE(c->send("POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body + get("/after")));
  auto post = c->response();
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 501) << post->head;
  auto after = c->response();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_NE(after->body.find("/after"), std::string::npos) << after->body;
  expect_clean_exit();
}

// The other refusals, each with its status and a closed connection.
TEST_F(HttpServer, UnservableRequestsGetTheirStatus) {
  const struct {
    std::string request;
    int status;
  } cases[] = {
      {get("/" + std::string(2000, 'x')), 414},                // target longer than the guest takes
      {get("/" + std::string(9000, 'x')), 414},                // longer than the whole request buffer
      {get("/", std::string(100, 'h') + ": " + std::string(9000, 'v') + "\r\n"), 431},  // head too large
      {"GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505},
      {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
  };
  start(std::size(cases));
  for (const auto& k : cases) {
    SCOPED_TRACE(k.request.substr(0, 60));
    auto c = connect();
    ASSERT_TRUE(c->send(k.request));
    auto r = c->response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, k.status) << r->head;
    EXPECT_TRUE(c->closed_by_server());
  }
  expect_clean_exit();
}

// 8. An idle connection is closed after the idle timeout (1 s here).
TEST_F(HttpServer, IdleConnectionIsClosedAfterTheTimeout) {
  start(1, 1);
  auto idle = connect();
  std::string extra;
  EXPECT_TRUE(idle->closed_by_server(&extra)) << "idle connection still open after " << kPatience.count() << " s";
  EXPECT_EQ(extra, "");
  // ... and the server still serves. (A connection the server accepts can
  // itself time out if this thread stalls for a second before sending on a
  // loaded machine: then try again.)
  std::optional<Response> r;
  for (int attempt = 0; attempt < 5 && !r; ++attempt) {
    auto c = connect();
    if (c->send(get("/still-here"))) r = c->response();
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  expect_clean_exit();
}

// A request head dribbled out a byte at a time does not hold its slot.
TEST_F(HttpServer, SlowRequestHeadIsCutOff) {
  start(1, 1);
  auto c = connect();
  const std::string req = get("/slow", std::string(200, 'X') + ": y\r\n");
  const auto until = Clock::now() + kPatience;
  bool cut_off = false;  // the server answered or closed before the head was complete
  for (size_t i = 0; i < req.size() && !cut_off && Clock::now() < until; ++i)
    cut_off = !c->send(req.substr(i, 1)) || !c->silent_for(100ms);
  EXPECT_TRUE(cut_off) << "the whole head was dribbled in and the server waited for it";
  std::string extra;
  EXPECT_TRUE(c->closed_by_server(&extra));
  EXPECT_EQ(extra.rfind("HTTP/1.1 408", 0), 0u) << extra;
  expect_clean_exit();
}

// While every slot is held the next connection waits; it is served as soon as
// one closes.
TEST_F(HttpServer, FullServerQueuesConnectionsUntilOneCloses) {
  start(kMaxConns + 1);
  std::vector<std::unique_ptr<Conn>> held;
  for (int i = 0; i < kMaxConns; ++i) {
    held.push_back(connect());
    ASSERT_TRUE(held.back()->ok());
    ASSERT_TRUE(held.back()->send(get("/held")));  // a response proves it holds a slot
    ASSERT_TRUE(held.back()->response()) << "connection " << i;
  }
  auto waiting = connect();
  ASSERT_TRUE(waiting->ok());  // the kernel's backlog takes it
  ASSERT_TRUE(waiting->send(get("/waiting")));
  EXPECT_TRUE(waiting->silent_for(1s)) << "a connection beyond the limit was served";
  held.front()->reset();
  auto r = waiting->response();
  ASSERT_TRUE(r) << "not served after a slot freed";
  EXPECT_NE(r->body.find("/waiting"), std::string::npos) << r->body;
  expect_clean_exit();
}

}  // namespace
