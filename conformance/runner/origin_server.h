// The picoprocess's origin for same-origin cases: a real HTTP server (cpp-
// httplib) on 127.0.0.1, one per case that needs it, recording what it got.
//   GET  /hello      200 "hello from the origin\n"
//   ANY  /echo       200 "<METHOD> <body>"
//   anything else    404 "not found\n"
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "conformance/conform_error.h"

namespace httplib {
class Server;
}

namespace xabi::conform {

struct OriginRequest {
  std::string method, path, body;
};

class OriginServer {
 public:
  OriginServer();
  ~OriginServer();
  Status start();  // kOrigin when no port can be bound
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<OriginRequest> requests() const;
  void stop();  // closes the listening socket: connections are then refused

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<OriginRequest> seen_;
};

}  // namespace xabi::conform
