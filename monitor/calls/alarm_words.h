// alarm_words.h: the picoprocess's struct xabi_alarms as the monitor sees it
// (its own mapping of the call area's read-only part). Bumping a word is an
// atomic increment followed by a shared FUTEX_WAKE of all its waiters, so a
// guest blocked in xabi_zutex_wait on it wakes up.
//
//   AlarmWords w(&ro->alarms);
//   w.bump_clock();      // the alarm fired
//   w.bump_channels();   // some channel may have become ready
#pragma once

#include <cstdint>

#include "xabi/xabi.h"

namespace xabi::calls {

class AlarmWords {
 public:
  // words: nullptr disables bumping (tests that do not care).
  explicit AlarmWords(struct xabi_alarms* words) : words_(words) {}
  void bump_clock() { bump(words_ ? &words_->clock : nullptr); }
  void bump_channels() { bump(words_ ? &words_->channels : nullptr); }
  uint32_t clock() const;
  uint32_t channels() const;

 private:
  static void bump(uint32_t* word);
  struct xabi_alarms* words_;
};

}  // namespace xabi::calls
