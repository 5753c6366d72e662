// channel_table.h: a picoprocess's open channels, at most XABI_LIMIT_CHANNELS.
// Ids are the lowest free index, so an id is reused only after its close.
//
//   ChannelTable t;
//   int32_t id = t.add(std::make_unique<ConsoleChannel>(sink));   // -1: full
//   Channel* ch = t.get(id);                                       // nullptr: not open
//   std::unique_ptr<Channel> gone = t.take(id);
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "channel.h"
#include "xabi/xabi.h"

namespace xabi::calls {

class ChannelTable {
 public:
  static constexpr size_t kSize = XABI_LIMIT_CHANNELS;

  bool full() const { return count_ >= kSize; }
  size_t count() const { return count_; }
  int32_t add(std::unique_ptr<Channel> ch);
  Channel* get(int64_t id) const;
  std::unique_ptr<Channel> take(int64_t id);

 private:
  std::array<std::unique_ptr<Channel>, kSize> slots_;
  size_t count_ = 0;
};

}  // namespace xabi::calls
