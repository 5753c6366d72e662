// unique_fd.h: an owned file descriptor, closed once on destruction. A pure
// utility: every host may use it (hosts share only generated code and common/).
//
//   UniqueFd fd(::socket(...));
//   if (!fd) return -errno;      // or !fd.valid()
//   int raw = fd.get();          // borrow
//   int mine = fd.release();     // take ownership back
#pragma once

#include <unistd.h>

#include <utility>

namespace xabi {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace xabi
