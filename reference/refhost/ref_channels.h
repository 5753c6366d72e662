// ref_channels.h: what stands behind a channel id in the reference host.
//
//   kSocket   a connection taken from the listen endpoint (non-blocking fd)
//   kUrl      an HTTP request per xabi_open_url: bytes written before the
//             first read are the body; the first read (or a poll for POLL_IN)
//             hands the request to a worker thread (httplib); once it is done,
//             reads yield "HTTP/1.1 <status> <reason>", headers, blank line, body
//   kConsole  writes go to our standard output; reads see end of stream
//
// Results are xabi error codes. Nothing here blocks.
#pragma once

#include <cstdint>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace xabi::refhost {

// Opens "unix:PATH" or "tcp:HOST:PORT" as a non-blocking listening socket;
// returns the fd or -errno (-EINVAL for a malformed spec).
int open_listen(const std::string& spec);

// An HTTP exchange run by a detached worker thread. The worker holds its own
// reference, so closing the channel early is safe; it writes 1 to wake_fd
// when it finishes (the loop then re-examines channel readiness).
//
// Every byte a job holds (its body, its response) is charged to the
// picoprocess's LIMIT_HOST_BYTES (held_bytes()) until the job is destroyed.
struct UrlJob {
  ~UrlJob();
  enum class Phase { kCollecting, kSent, kDone, kFailed };
  std::string method, host, path;
  int port = 80;
  std::string body;  // kCollecting only (the loop thread)
  std::mutex mu;     // guards phase and response once sent
  Phase phase = Phase::kCollecting;
  std::string response;
  size_t read_off = 0;  // loop thread only
  std::atomic<size_t> charged{0};  // bytes charged to the budget
};

// Bytes held for the picoprocess (one per refhost process), <= LIMIT_HOST_BYTES.
size_t held_bytes();
// Every open channel costs the budget kChannelCost (the refhost's own
// structures for it): reserve() is all or nothing, release() gives it back.
inline constexpr size_t kChannelCost = 4096;
bool reserve_channel();
void release_channel();

struct Channel {
  enum class Kind { kSocket, kUrl, kConsole };
  Kind kind = Kind::kConsole;
  int fd = -1;                  // kSocket
  std::shared_ptr<UrlJob> url;  // kUrl
  bool failed = false;          // kSocket: a reset was seen; E_IO from now on

  int64_t read(uint8_t* buf, size_t len);
  int64_t write(const uint8_t* buf, size_t len);
  // The xabi POLL_ bits that hold now among `events` (POLL_HUP always
  // reported). poll() may send a URL request (for POLL_IN); readiness() never
  // changes anything.
  uint32_t poll(uint32_t events);
  uint32_t readiness() const;
  void close();

  static int wake_fd;  // set once by the loop before any channel exists
  static bool console_ok;
};

}  // namespace xabi::refhost
