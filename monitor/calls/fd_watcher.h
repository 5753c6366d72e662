// fd_watcher.h: how the handler tells the event loop which descriptors a
// picoprocess's channels depend on. The loop watches them and bumps
// alarms()->channels when one changes readiness.
//
//   class MyLoop : public FdWatcher { void watch(int fd) override; void unwatch(int fd) override; };
#pragma once

namespace xabi::calls {

class FdWatcher {
 public:
  virtual ~FdWatcher() = default;
  // 0 or a negative errno; a channel that cannot be watched is not opened.
  virtual int watch(int fd) = 0;
  // Called before the descriptor is closed.
  virtual void unwatch(int fd) = 0;
};

}  // namespace xabi::calls
