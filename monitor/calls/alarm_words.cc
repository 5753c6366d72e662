#include "alarm_words.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "mutant.h"

namespace xabi::calls {

void AlarmWords::bump(uint32_t* word) {
  if (!word) return;
  __atomic_fetch_add(word, 1, __ATOMIC_SEQ_CST);
  if (XABI_MUTANT(alarm_words_no_wake)) return;
  // Shared futex (no PRIVATE flag): the waiters are in another process that
  // maps the same memfd page.
  ::syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

uint32_t AlarmWords::clock() const { return words_ ? __atomic_load_n(&words_->clock, __ATOMIC_SEQ_CST) : 0; }
uint32_t AlarmWords::channels() const {
  return words_ ? __atomic_load_n(&words_->channels, __ATOMIC_SEQ_CST) : 0;
}

}  // namespace xabi::calls
