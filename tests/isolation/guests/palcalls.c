/* Guest: every PAL-local call and its error cases, checked from inside a
 * sealed picoprocess. Exit status 0 when everything holds, else the number of
 * the first failed CHECK (listed by `grep -n CHECK`; each is distinct).
 *
 * Arguments: "checks" (default, expects args "checks", "two words", "")
 * or one of the exit scenarios:
 *   "exit-minus-one"    xabi_exit(-1): status 255
 *   "main-exits-first"  the initial thread ends, another calls xabi_exit(42)
 *   "last-thread"       both threads end with xabi_thread_exit: status 0 */
#include <xabi/sdk.h>

#include "xabi/xabi.h"

#define CHECK(id, cond) \
  do {                  \
    if (!(cond))        \
      return (id);      \
  } while (0)

#define N_STACKS 72
#define STACK_SIZE 8192
static char g_stacks[N_STACKS][STACK_SIZE] __attribute__((aligned(16)));
static int g_next_stack;
static void *stack_top(void) { return g_stacks[g_next_stack++] + STACK_SIZE; }

static uint64_t region_base(void) { return (uint64_t)(uintptr_t)xabi_args() & ~((1ull << 40) - 1); }

static int64_t wait1(uint32_t *word, uint32_t expected) {
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)word, expected, 0};
  return xabi_zutex_wait(&s, 1);
}
/* Waits until *word != value (spurious wake-ups re-check). */
static void wait_while(uint32_t *word, uint32_t value) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value)
    wait1(word, value);
}
static void set_and_wake(uint32_t *word, uint32_t value) {
  __atomic_store_n(word, value, __ATOMIC_RELEASE);
  xabi_zutex_wake(word, value, XABI_ZUTEX_COUNT_MAX, 0, 0);
}

static int check_args(void) {
  const uint64_t *block = xabi_args();
  CHECK(10, block != 0 && (uintptr_t)block % 8 == 0);
  CHECK(11, block[0] == 3);
  const char *const *argv = (const char *const *)(block + 1);
  CHECK(12, strcmp(argv[0], "checks") == 0 && strcmp(argv[1], "two words") == 0);
  CHECK(13, strcmp(argv[2], "") == 0);
  CHECK(14, (uint64_t)(uintptr_t)argv[0] > (uint64_t)(uintptr_t)block);
  return 0;
}

static int check_alarms(void) {
  const struct xabi_alarms *a = (const struct xabi_alarms *)xabi_alarms();
  CHECK(20, a != 0 && (uintptr_t)a % 4 == 0 && (uint64_t)(uintptr_t)a < XABI_ADDR_LIMIT);
  CHECK(21, a->ui == 0 && a->reserved == 0);
  CHECK(22, (region_base() == ((uint64_t)(uintptr_t)a & ~((1ull << 40) - 1))));
  return 0;
}

static int check_time(void) {
  uint64_t t0 = xabi_time_now();
  CHECK(30, t0 > 0);
  for (int i = 0; i < 1000; ++i) {
    uint64_t t1 = xabi_time_now();
    CHECK(31, t1 >= t0);
    t0 = t1;
  }
  return 0;
}

static uint64_t g_tls_block[4];
static int check_tls(void) {
  CHECK(40, xabi_set_tls((void *)(uintptr_t)XABI_ADDR_LIMIT) == XABI_E_INVAL);
  CHECK(41, xabi_set_tls((void *)~(uintptr_t)0) == XABI_E_INVAL);
  g_tls_block[0] = 0x1234567890abcdefull;
  CHECK(42, xabi_set_tls(g_tls_block) == 0);
  uint64_t v;
  __asm__ volatile("mov %%fs:0, %0" : "=r"(v));
  CHECK(43, v == 0x1234567890abcdefull);
  CHECK(44, xabi_set_tls(0) == 0);
  return 0;
}

static unsigned char g_rand[65536 + 16];
static int check_random(void) {
  CHECK(50, xabi_random(g_rand, 0) == 0);
  CHECK(51, xabi_random(g_rand, 32) == 32);
  int nonzero = 0;
  for (int i = 0; i < 32; ++i)
    nonzero |= g_rand[i];
  CHECK(52, nonzero);
  CHECK(53, xabi_random(g_rand, XABI_LIMIT_RANDOM + 1) == XABI_E_INVAL);
  CHECK(54, xabi_random(g_rand, XABI_LIMIT_RANDOM) == (int64_t)XABI_LIMIT_RANDOM);
  CHECK(55, xabi_random((void *)(uintptr_t)4096, 16) == XABI_E_FAULT);
  CHECK(56, xabi_random((void *)(uintptr_t)(region_base() + (2ull << 30)), 16) == XABI_E_FAULT);
  return 0;
}

static uint32_t g_w[4] __attribute__((aligned(8)));
static int check_zutex_errors(void) {
  struct xabi_zutex_spec s[9];
  for (int i = 0; i < 9; ++i) {
    s[i].word = (uint64_t)(uintptr_t)&g_w[0];
    s[i].expected = 7; /* the word holds 0: stale */
    s[i].reserved = 0;
  }
  CHECK(60, xabi_zutex_wait(s, 0) == XABI_E_INVAL);
  CHECK(61, xabi_zutex_wait(s, 9) == XABI_E_INVAL);
  CHECK(62, xabi_zutex_wait(s, 1) == XABI_E_AGAIN);
  CHECK(63, xabi_zutex_wait(s, 8) == XABI_E_AGAIN);
  s[1].word = (uint64_t)(uintptr_t)&g_w[0] + 1;
  CHECK(64, xabi_zutex_wait(s, 2) == XABI_E_INVAL);
  s[1].word = (uint64_t)(uintptr_t)&g_w[1];
  s[1].reserved = 1;
  CHECK(65, xabi_zutex_wait(s, 2) == XABI_E_INVAL);
  s[1].reserved = 0;
  s[0].word = 4096; /* outside the region */
  CHECK(66, xabi_zutex_wait(s, 1) == XABI_E_FAULT);
  CHECK(67, xabi_zutex_wait(s, 2) == XABI_E_FAULT);
  s[0].word = region_base() + (2ull << 30); /* in the region, unmapped */
  CHECK(68, xabi_zutex_wait(s, 1) == XABI_E_FAULT);
  CHECK(69, xabi_zutex_wait(s, 2) == XABI_E_FAULT);

  CHECK(70, xabi_zutex_wake((char *)&g_w[0] + 2, 0, 1, 0, 0) == XABI_E_INVAL);
  CHECK(71, xabi_zutex_wake(&g_w[0], 0, XABI_ZUTEX_COUNT_MAX + 1u, 0, 0) == XABI_E_INVAL);
  CHECK(72, xabi_zutex_wake(&g_w[0], 0, 1, XABI_ZUTEX_COUNT_MAX + 1u, &g_w[1]) == XABI_E_INVAL);
  CHECK(73, xabi_zutex_wake(&g_w[0], 0, 1, 1, (char *)&g_w[1] + 1) == XABI_E_INVAL);
  CHECK(74, xabi_zutex_wake(&g_w[0], 0, 1, 0, (char *)&g_w[1] + 1) == 0); /* ignored */
  CHECK(75, xabi_zutex_wake(&g_w[0], 5, 1, 0, 0) == XABI_E_AGAIN);
  CHECK(76, xabi_zutex_wake(&g_w[0], 0, 0, 0, 0) == 0);
  CHECK(77, xabi_zutex_wake((void *)(uintptr_t)4096, 0, 1, 0, 0) == XABI_E_FAULT);
  CHECK(78, xabi_zutex_wake(&g_w[0], 0, 1, 1, (void *)(uintptr_t)4096) == XABI_E_FAULT);
  CHECK(79, xabi_zutex_wake((void *)(uintptr_t)(region_base() + (2ull << 30)), 0, 1, 0, 0) ==
                XABI_E_FAULT);
  return 0;
}

/* ---- threads */
static uint32_t g_started, g_time_ok, g_multi_a, g_multi_b, g_multi_done;
static int64_t g_multi_result = -100;
static uint64_t g_main_time;

static void timing_thread(uint64_t arg) {
  (void)arg;
  __atomic_store_n(&g_time_ok, xabi_time_now() >= g_main_time ? 1u : 2u, __ATOMIC_RELEASE);
  set_and_wake(&g_started, 1);
}

static void multi_thread(uint64_t arg) {
  (void)arg;
  struct xabi_zutex_spec s[2] = {{(uint64_t)(uintptr_t)&g_multi_a, 0, 0},
                                 {(uint64_t)(uintptr_t)&g_multi_b, 0, 0}};
  int64_t r;
  do
    r = xabi_zutex_wait(s, 2);
  while (__atomic_load_n(&g_multi_b, __ATOMIC_ACQUIRE) == 0); /* spurious: retry */
  g_multi_result = r;
  set_and_wake(&g_multi_done, 1);
}

static uint32_t g_rq_word, g_rq_target, g_rq_arrived, g_rq_done;
static void requeue_thread(uint64_t arg) {
  (void)arg;
  __atomic_add_fetch(&g_rq_arrived, 1, __ATOMIC_ACQ_REL);
  wait1(&g_rq_word, 0); /* woken directly, or moved to g_rq_target and woken there */
  __atomic_add_fetch(&g_rq_done, 1, __ATOMIC_ACQ_REL);
}

static uint32_t g_park, g_parked;
static void parked_thread(uint64_t arg) {
  (void)arg;
  __atomic_add_fetch(&g_parked, 1, __ATOMIC_ACQ_REL);
  wait_while(&g_park, 0);
}

static void spin(uint64_t ns) {
  const uint64_t end = xabi_time_now() + ns;
  while (xabi_time_now() < end) {
  }
}

static int check_threads(void) {
  CHECK(80, xabi_thread_create(0, stack_top(), 0) == XABI_E_INVAL);
  CHECK(81, xabi_thread_create((void *)timing_thread, (char *)stack_top() - 8, 0) == XABI_E_INVAL);
  CHECK(82, xabi_thread_create((void *)timing_thread, (void *)(uintptr_t)XABI_ADDR_LIMIT, 0) ==
                XABI_E_INVAL);

  g_main_time = xabi_time_now();
  int64_t tid = xabi_thread_create((void *)timing_thread, stack_top(), 0);
  CHECK(83, tid > 0);
  wait_while(&g_started, 0);
  CHECK(84, __atomic_load_n(&g_time_ok, __ATOMIC_ACQUIRE) == 1);

  CHECK(85, xabi_thread_create((void *)multi_thread, stack_top(), 0) > 0);
  spin(20 * 1000 * 1000); /* let it block on both words */
  set_and_wake(&g_multi_b, 1);
  wait_while(&g_multi_done, 0);
  CHECK(86, g_multi_result == 1);

  for (int i = 0; i < 2; ++i)
    CHECK(87, xabi_thread_create((void *)requeue_thread, stack_top(), 0) > 0);
  while (__atomic_load_n(&g_rq_arrived, __ATOMIC_ACQUIRE) < 2) {
  }
  int64_t moved = 0;
  const uint64_t give_up = xabi_time_now() + 5000000000ull;
  while (moved < 2 && xabi_time_now() < give_up) {
    int64_t r = xabi_zutex_wake(&g_rq_word, 0, 1, 1, &g_rq_target);
    CHECK(88, r >= 0 && r <= 2);
    moved += r;
  }
  CHECK(89, moved == 2);
  while (__atomic_load_n(&g_rq_done, __ATOMIC_ACQUIRE) < 2 && xabi_time_now() < give_up)
    xabi_zutex_wake(&g_rq_target, 0, 1, 0, 0);
  CHECK(90, g_rq_done == 2);

  /* Fill the table: 63 more threads beside this one. Threads that returned
   * above may still be on their way out, so E_LIMIT is retried briefly. */
  int created = 0;
  while (created < (int)XABI_LIMIT_THREADS - 1 && xabi_time_now() < give_up) {
    int64_t r = xabi_thread_create((void *)parked_thread, stack_top(), 0);
    if (r == XABI_E_LIMIT) {
      --g_next_stack; /* unused */
      continue;
    }
    CHECK(91, r > 0);
    ++created;
  }
  CHECK(92, created == (int)XABI_LIMIT_THREADS - 1);
  CHECK(93, xabi_thread_create((void *)parked_thread, g_stacks[0] + STACK_SIZE, 0) == XABI_E_LIMIT);
  while (__atomic_load_n(&g_parked, __ATOMIC_ACQUIRE) < (uint32_t)created) {
  }
  set_and_wake(&g_park, 1);
  return 0;
}

/* ---- exit scenarios */
static void exit42_thread(uint64_t arg) {
  (void)arg;
  spin(50 * 1000 * 1000); /* the initial thread is gone by now */
  xabi_exit(42);
}
static void returning_thread(uint64_t arg) {
  (void)arg;
  spin(20 * 1000 * 1000);
}

int xabi_main(void) {
  const uint64_t *block = xabi_args();
  const char *mode = block[0] > 0 ? ((const char *const *)(block + 1))[0] : "";
  if (strcmp(mode, "exit-minus-one") == 0)
    xabi_exit(-1);
  if (strcmp(mode, "main-exits-first") == 0) {
    xabi_thread_create((void *)exit42_thread, stack_top(), 0);
    xabi_thread_exit();
  }
  if (strcmp(mode, "last-thread") == 0) {
    xabi_thread_create((void *)returning_thread, stack_top(), 0);
    xabi_thread_exit();
  }
  int r;
  if ((r = check_args()) || (r = check_alarms()) || (r = check_time()) || (r = check_tls()) ||
      (r = check_random()) || (r = check_zutex_errors()) || (r = check_threads()))
    return r;
  return 0;
}
