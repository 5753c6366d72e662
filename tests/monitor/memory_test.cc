// xabi_alloc / xabi_free against a real memfd mapped here, so zero-filling
// after free is observed, not assumed.
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "call_server.h"

namespace xabi::calls {
namespace {

constexpr uint64_t kQuota = 64 * XABI_PAGE;

class Memory : public ::testing::Test {
 protected:
  void SetUp() override {
    fd_.reset(::memfd_create("arena", MFD_CLOEXEC));
    ASSERT_TRUE(fd_.valid());
    ASSERT_EQ(::ftruncate(fd_.get(), kQuota), 0);
    map_ = static_cast<uint8_t*>(::mmap(nullptr, kQuota, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0));
    ASSERT_NE(map_, MAP_FAILED);
    CallServerConfig c;
    c.arena_base = reinterpret_cast<uint64_t>(map_);
    c.arena_size = kQuota;
    c.arena_fd = fd_.get();
    host_ = std::make_unique<CallServer>(c);
  }
  void TearDown() override { ::munmap(map_, kQuota); }
  uint8_t* at(uint64_t a) { return reinterpret_cast<uint8_t*>(a); }

  UniqueFd fd_;
  uint8_t* map_ = nullptr;
  std::unique_ptr<CallServer> host_;
};

TEST_F(Memory, AllocRoundsUpAndNeverOverlaps) {
  const uint64_t a = host_->alloc(1);
  const uint64_t b = host_->alloc(XABI_PAGE + 1);
  ASSERT_NE(a, 0u);
  ASSERT_NE(b, 0u);
  EXPECT_EQ(a % XABI_PAGE, 0u);
  EXPECT_EQ(b % XABI_PAGE, 0u);
  EXPECT_TRUE(b >= a + XABI_PAGE || a >= b + 2 * XABI_PAGE);
  EXPECT_EQ(host_->allocated(), 3 * XABI_PAGE);
}

TEST_F(Memory, BadLengthsAreNull) {
  EXPECT_EQ(host_->alloc(0), 0u);
  EXPECT_EQ(host_->alloc(XABI_LIMIT_ALLOC + 1), 0u);
  EXPECT_EQ(host_->alloc(~0ull), 0u);
}

TEST_F(Memory, FreeErrorsFollowTheRules) {
  const uint64_t a = host_->alloc(2 * XABI_PAGE);
  ASSERT_NE(a, 0u);
  EXPECT_EQ(host_->free(a, 0), XABI_E_INVAL);
  EXPECT_EQ(host_->free(a + 1, XABI_PAGE), XABI_E_INVAL);
  EXPECT_EQ(host_->free(a, XABI_PAGE + 1), XABI_E_INVAL);
  EXPECT_EQ(host_->free(a, 3 * XABI_PAGE), XABI_E_NOT_MAPPED);
  EXPECT_EQ(host_->free(a - XABI_PAGE, XABI_PAGE), XABI_E_NOT_MAPPED);
  EXPECT_EQ(host_->free(~0ull & ~uint64_t{XABI_PAGE - 1}, 2 * XABI_PAGE), XABI_E_NOT_MAPPED);  // wraps
  EXPECT_EQ(host_->allocated(), 2 * XABI_PAGE);  // nothing freed by an error
  EXPECT_EQ(host_->free(a, 2 * XABI_PAGE), 0);
  EXPECT_EQ(host_->free(a, XABI_PAGE), XABI_E_NOT_MAPPED);
}

TEST_F(Memory, PartialFreeAndSpanningAdjacentAllocations) {
  const uint64_t a = host_->alloc(XABI_PAGE);
  const uint64_t b = host_->alloc(XABI_PAGE);
  ASSERT_EQ(b, a + XABI_PAGE);  // first fit packs them
  EXPECT_EQ(host_->free(a, 2 * XABI_PAGE), 0);  // one free over both
  const uint64_t c = host_->alloc(4 * XABI_PAGE);
  EXPECT_EQ(host_->free(c + XABI_PAGE, XABI_PAGE), 0);  // a hole in the middle
  EXPECT_EQ(host_->free(c + XABI_PAGE, XABI_PAGE), XABI_E_NOT_MAPPED);
  EXPECT_EQ(host_->allocated(), 3 * XABI_PAGE);
}

TEST_F(Memory, FreedPagesComeBackZeroFilled) {
  const uint64_t a = host_->alloc(4 * XABI_PAGE);
  ASSERT_NE(a, 0u);
  std::memset(at(a), 0xAB, 4 * XABI_PAGE);
  ASSERT_EQ(host_->free(a + XABI_PAGE, 2 * XABI_PAGE), 0);
  EXPECT_EQ(at(a)[XABI_PAGE - 1], 0xAB);                        // kept
  EXPECT_EQ(at(a)[XABI_PAGE], 0);                               // punched
  EXPECT_EQ(at(a)[3 * XABI_PAGE - 1], 0);
  EXPECT_EQ(at(a)[3 * XABI_PAGE], 0xAB);                        // kept
  const uint64_t b = host_->alloc(2 * XABI_PAGE);
  EXPECT_EQ(b, a + XABI_PAGE);  // the hole is reused
  for (uint64_t i = 0; i < 2 * XABI_PAGE; ++i) ASSERT_EQ(at(b)[i], 0) << i;
  EXPECT_EQ(host_->host_failures(), 0u);
}

TEST_F(Memory, QuotaExhaustionThenRecovery) {
  std::vector<uint64_t> got;
  for (;;) {
    const uint64_t a = host_->alloc(XABI_PAGE * 3);
    if (!a) break;
    got.push_back(a);
  }
  EXPECT_EQ(got.size(), 64u / 3);
  EXPECT_NE(host_->alloc(XABI_PAGE), 0u);  // one page left
  EXPECT_EQ(host_->alloc(XABI_PAGE), 0u);  // now full
  EXPECT_EQ(host_->alloc(kQuota), 0u);
  ASSERT_EQ(host_->free(got[3], 3 * XABI_PAGE), 0);
  EXPECT_EQ(host_->alloc(3 * XABI_PAGE), got[3]);
}

}  // namespace
}  // namespace xabi::calls
