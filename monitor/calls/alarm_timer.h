// alarm_timer.h: one picoprocess's xabi_alarm_set, as a non-blocking
// CLOCK_MONOTONIC timerfd armed at an absolute deadline (the xabi_time_now
// clock). The monitor's loop watches fd(); when it is readable it calls
// consume() and bumps alarms()->clock.
//
//   AlarmTimer t;                    // check t.valid()
//   t.set(deadline_ns);              // 0 cancels; a past deadline fires at once
//   if (t.consume()) words.bump_clock();
#pragma once

#include <cstdint>

#include "xabi/unique_fd.h"

namespace xabi::calls {

class AlarmTimer {
 public:
  AlarmTimer();
  bool valid() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  // 0, or a negative errno (host failure).
  int set(uint64_t deadline_ns);
  // Reads the expiry count: true when the timer fired since the last call.
  bool consume();

 private:
  UniqueFd fd_;
};

}  // namespace xabi::calls
