// write_file_atomically (report_writers.h): a reader of report.json, junit.xml
// or report.html never sees half a file, even when the run is killed.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "conformance/report/report_writers.h"

namespace xabi::conform {

Status write_file_atomically(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const auto fail = [&](const std::string& what) { return Error{ConformError::kIo, what + " " + tmp + ": " + std::strerror(errno)}; };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create");
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      return fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return fail("cannot flush");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return Error{ConformError::kIo, "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno)};
  }
  return {};
}

}  // namespace xabi::conform
