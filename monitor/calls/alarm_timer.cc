#include "alarm_timer.h"

#include <sys/timerfd.h>

#include <cerrno>

namespace xabi::calls {

AlarmTimer::AlarmTimer() : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {}

int AlarmTimer::set(uint64_t deadline_ns) {
  itimerspec its{};
  // An all-zero it_value disarms; any non-zero absolute time in the past
  // expires at once, which is exactly "a deadline already past fires at once".
  its.it_value.tv_sec = static_cast<time_t>(deadline_ns / 1000000000u);
  its.it_value.tv_nsec = static_cast<long>(deadline_ns % 1000000000u);
  if (::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &its, nullptr) != 0) return -errno;
  return 0;
}

bool AlarmTimer::consume() {
  uint64_t n = 0;
  return ::read(fd_.get(), &n, sizeof n) == static_cast<ssize_t>(sizeof n) && n > 0;
}

}  // namespace xabi::calls
