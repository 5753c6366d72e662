#include "channel_table.h"

namespace xabi::calls {

int32_t ChannelTable::add(std::unique_ptr<Channel> ch) {
  for (size_t i = 0; i < kSize; ++i) {
    if (!slots_[i]) {
      slots_[i] = std::move(ch);
      ++count_;
      return static_cast<int32_t>(i);
    }
  }
  return -1;
}

Channel* ChannelTable::get(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(kSize)) return nullptr;
  return slots_[static_cast<size_t>(id)].get();
}

std::unique_ptr<Channel> ChannelTable::take(int64_t id) {
  if (!get(id)) return nullptr;
  --count_;
  return std::move(slots_[static_cast<size_t>(id)]);
}

}  // namespace xabi::calls
