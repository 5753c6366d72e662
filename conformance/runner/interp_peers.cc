// The world outside the picoprocess: peers on its listen endpoint (a Unix
// socket the runner connects, sends on, reads and closes) and the HTTP origin.
#include "interp.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "step_text.h"

namespace xabi::conform::detail {

CaseOr<int> Interp::peer(const Step& s) {
  auto it = p.peers.find(s.name);
  if (it == p.peers.end()) return CaseFail{"peer " + s.name + " is not connected", "", "", ""};
  return it->second;
}

CaseStatus Interp::peer_step(const Step& s) {
  switch (s.kind) {
    case Step::Kind::kPeerConnect: {
      int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      memcpy(a.sun_path, p.listen.c_str(), p.listen.size() + 1);
      if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        return CaseFail{"peer " + s.name + " could not connect to the listen endpoint", "a connection", strerror(errno), ""};
      p.peers[s.name] = fd;
      env.note(0, s.text, "connected", "ok");
      return {};
    }
    case Step::Kind::kPeerSend: {
      XABI_CASE_LET(fd, peer(s));
      const std::string d = s.is_fill ? std::string(s.fill_len, static_cast<char>(s.fill_byte)) : s.strings[0];
      size_t done = 0;
      while (done < d.size()) {
        pollfd pf{fd, POLLOUT, 0};
        if (poll(&pf, 1, 100) <= 0) {
          if (Clock::now() > env.deadline) return CaseFail{"peer " + s.name + " could not send in time", "", "", ""};
          continue;
        }
        ssize_t n = send(fd, d.data() + done, d.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
          // The host's end is closed (the picoprocess closed the channel):
          // not a fault of the host; what the picoprocess sees is checked by its calls.
          env.note(0, s.text, "the host's end is closed", "ok");
          return {};
        }
        if (n <= 0) return CaseFail{"peer " + s.name + " send failed", "", strerror(errno), ""};
        done += static_cast<size_t>(n);
      }
      env.note(0, s.text, std::to_string(d.size()) + " bytes sent", "ok");
      return {};
    }
    case Step::Kind::kPeerRecv:
    case Step::Kind::kPeerEof: {
      XABI_CASE_LET(fd, peer(s));
      bool eof_wanted = s.kind == Step::Kind::kPeerEof;
      std::string want = eof_wanted ? "" : s.is_fill ? std::string(s.fill_len, static_cast<char>(s.fill_byte)) : s.strings[0], got;
      bool eof = false;
      while ((eof_wanted || got.size() < want.size()) && !eof) {
        pollfd pf{fd, POLLIN, 0};
        int pr = poll(&pf, 1, 50);
        if (pr <= 0) {
          if (Clock::now() > env.deadline) break;
          continue;
        }
        char buf[65536];
        size_t room = eof_wanted ? sizeof buf : std::min(sizeof buf, want.size() - got.size());
        ssize_t n = recv(fd, buf, room, 0);
        if (n <= 0) eof = true;
        else got.append(buf, static_cast<size_t>(n));
      }
      if (eof_wanted) {
        if (!eof || !got.empty())
          return CaseFail{"peer " + s.name + " expected the end of the stream", "end of stream, no more bytes",
                          eof ? "bytes \"" + printable(got) + "\" before it" : "no end within the case timeout", ""};
        env.note(0, s.text, "end of stream", "ok");
      } else {
        if (got != want)
          return CaseFail{"peer " + s.name + " received other bytes than the picoprocess should have sent", "\"" + printable(want) + "\"",
                          "\"" + printable(got) + "\"" + (eof ? " then end of stream" : ""), ""};
        env.note(0, s.text, std::to_string(got.size()) + " bytes", "ok");
      }
      return {};
    }
    case Step::Kind::kPeerClose:
    case Step::Kind::kPeerReset: {
      XABI_CASE_LET(fd, peer(s));
      if (s.kind == Step::Kind::kPeerReset) {
        // Unread bytes plus SO_LINGER 0: the close aborts the connection, so
        // the host's next send on it fails (a reset: the spec's E_IO).
        const linger l{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      }
      close(fd);
      p.peers.erase(s.name);
      env.note(0, s.text, s.kind == Step::Kind::kPeerReset ? "reset" : "closed", "ok");
      return {};
    }
    default:
      return {};
  }
}

CaseStatus Interp::origin_saw(const Step& s) {
  if (!p.origin) return CaseFail{"origin saw: the case was launched without an origin", "", "", ""};
  for (;;) {
    for (const auto& r : p.origin->requests())
      if (r.method == s.strings[0] && r.path == s.strings[1] && (s.strings.size() < 3 || r.body == s.strings[2])) {
        env.note(0, s.text, "seen", "ok");
        return {};
      }
    if (Clock::now() > env.deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::string seen;
  for (const auto& r : p.origin->requests()) seen += r.method + " " + r.path + " \"" + printable(r.body, 40) + "\"; ";
  return CaseFail{"the origin did not receive the request", s.strings[0] + " " + s.strings[1], seen.empty() ? "no request" : seen, ""};
}

}  // namespace xabi::conform::detail
