/* threads: many threads share a counter under a zutex mutex and meet at a
 * condition-variable barrier; the main thread checks the total.
 * Exit status 0 when every increment arrived, 1 otherwise. */
#include <xabi/runtime.h>

#include "xabi/xabi.h"

enum { kThreads = 16, kIncrements = 20000, kStack = 64 * 1024 };

static xabi_sdk_mutex lock;
static xabi_sdk_cond changed;
static uint64_t counter;
static int finished;
static uint32_t exited;

static void worker(uint64_t id) {
  for (int i = 0; i < kIncrements; ++i) {
    xabi_sdk_mutex_lock(&lock);
    ++counter;
    xabi_sdk_mutex_unlock(&lock);
  }
  xabi_sdk_mutex_lock(&lock);
  ++finished;
  xabi_sdk_cond_broadcast(&changed);
  xabi_sdk_mutex_unlock(&lock);
  (void)id;
  __atomic_add_fetch(&exited, 1, __ATOMIC_SEQ_CST);
  xabi_thread_exit();
}

int xabi_main(void) {
  for (int i = 0; i < kThreads; ++i) {
    uint8_t *stack = xabi_alloc(kStack);
    if (!stack) return 2;
    if (xabi_thread_create((void *)(uintptr_t)worker, stack + kStack, (uint64_t)i) <= 0) return 3;
  }
  xabi_sdk_mutex_lock(&lock);
  while (finished < kThreads) xabi_sdk_cond_wait(&changed, &lock);
  uint64_t total = counter;
  xabi_sdk_mutex_unlock(&lock);
  int64_t console = xabi_console();
  if (console >= 0)
    xabi_sdk_fprint((int32_t)console, "threads: %d threads, counter %lu (expected %lu)\n", kThreads, (unsigned long)total,
                    (unsigned long)kThreads * kIncrements);
  return total == (uint64_t)kThreads * kIncrements ? 0 : 1;
}
