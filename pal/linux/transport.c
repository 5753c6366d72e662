/*
 * transport.c: see transport.h. The protocol, from host_link.h:
 *   claim a FREE slot (CAS FREE -> OWNED); encode into slot.req; store
 *   req_len, then state = REQUEST; set the slot's bit in header.posted (so the
 *   monitor looks at this slot, not all 64); ring the doorbell if monitor_sleeping;
 *   spin (bounded, yielding between bursts) for state == RESPONSE; then
 *   waiter = 1, re-check, FUTEX_WAIT on &state; read resp; state = FREE.
 * The seq_cst store of REQUEST (and the posted bit) followed by the seq_cst load of
 * monitor_sleeping pairs with the monitor's "monitor_sleeping = 1, fence,
 * re-scan" (a Dekker handshake): the monitor either sees the request or we see
 * the flag and ring. Likewise waiter = 1 / re-check pairs with the monitor's
 * "state = RESPONSE, load waiter, FUTEX_WAKE".
 */
#include "transport.h"

#include <stddef.h>
#include <stdint.h>

#include "host_link.h"
#include "raw_syscall.h"
#include "xabi/pal_stubs.h"

/* Spin budget: bursts of pause polls (~25 ns each on this machine) with a
 * sched_yield between bursts, so a guest that shares a CPU with the monitor
 * lets it run. 8 x 256 polls is about 50 us: one cross-CPU wake-up
 * (docs/callpath.md). */
#define SPIN_BURST 256
#define SPIN_BURSTS 8
/* FUTEX_WAIT timeout: a safety net only (re-ring the doorbell if the
 * monitor went to sleep meanwhile); the monitor wakes us directly. */
#define WAIT_NS 10000000L

struct ktimespec {
  long tv_sec;
  long tv_nsec;
};

/* Written once by xabi_pal_transport_init before any other thread exists. */
static struct xabi_link_header *g_area;
static uint32_t g_seq;

static struct xabi_link_slot *slot_at(uint32_t i) {
  return (struct xabi_link_slot *)((uint8_t *)g_area + XABI_LINK_SLOTS_OFFSET) + i;
}

static void futex_wait(uint32_t *word, uint32_t expected) {
  struct ktimespec ts = {0, WAIT_NS};
  /* Shared: the monitor wakes us from another process. */
  xabi_raw_syscall6(XABI_NR_FUTEX, (long)word, XABI_ALLOW_FUTEX_WAIT, (long)expected, (long)&ts, 0, 0);
}

static void ring_doorbell(void) {
  uint64_t one = 1;
  xabi_raw_syscall3(XABI_NR_WRITE, XABI_LINK_FD_DOORBELL, (long)&one, sizeof one);
}

static void ring_if_sleeping(void) {
  if (__atomic_load_n(&g_area->monitor_sleeping, __ATOMIC_SEQ_CST)) ring_doorbell();
}

void xabi_pal_transport_init(void *call_area) { g_area = (struct xabi_link_header *)call_area; }

int64_t xabi_pal_frame_begin(struct xabi_pal_frame *f) {
  if (!g_area) return XABI_E_NO_RESOURCES;
  for (;;) {
    for (uint32_t i = 0; i < XABI_LINK_SLOTS; i++) {
      struct xabi_link_slot *s = slot_at(i);
      uint32_t expected = XABI_LINK_FREE;
      if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) == XABI_LINK_FREE &&
          __atomic_compare_exchange_n(&s->state, &expected, XABI_LINK_OWNED, 0, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED)) {
        f->req = s->req;
        f->req_cap = XABI_WIRE_MAX_REQUEST;
        f->resp = 0;
        f->resp_len = 0;
        f->seq = __atomic_add_fetch(&g_seq, 1, __ATOMIC_RELAXED);
        f->impl = s;
        return 0;
      }
    }
    /* Every slot busy (one per thread, so only when a slot is stuck): wait
     * a little on the last one's state, then look again. */
    struct xabi_link_slot *last = slot_at(XABI_LINK_SLOTS - 1);
    uint32_t v = __atomic_load_n(&last->state, __ATOMIC_ACQUIRE);
    if (v != XABI_LINK_FREE) futex_wait(&last->state, v);
  }
}

int64_t xabi_pal_frame_call(struct xabi_pal_frame *f, size_t req_len) {
  struct xabi_link_slot *s = (struct xabi_link_slot *)f->impl;
  if (req_len > XABI_WIRE_MAX_REQUEST) return XABI_E_BAD_FRAME;
  __atomic_store_n(&s->waiter, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&s->req_len, (uint32_t)req_len, __ATOMIC_RELAXED);
  __atomic_store_n(&s->state, XABI_LINK_REQUEST, __ATOMIC_SEQ_CST);
  __atomic_or_fetch(&g_area->posted, 1ull << (uint32_t)(s - slot_at(0)), __ATOMIC_SEQ_CST);
  ring_if_sleeping();

  for (int burst = 0; burst < SPIN_BURSTS; burst++) {
    for (int i = 0; i < SPIN_BURST; i++) {
      if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == XABI_LINK_RESPONSE) goto answered;
      __builtin_ia32_pause();
    }
    xabi_raw_syscall1(XABI_NR_SCHED_YIELD, 0);
  }
  __atomic_store_n(&s->waiter, 1, __ATOMIC_SEQ_CST);
  for (;;) {
    uint32_t st = __atomic_load_n(&s->state, __ATOMIC_SEQ_CST);
    if (st == XABI_LINK_RESPONSE) break;
    ring_if_sleeping();
    futex_wait(&s->state, st);
  }
answered:
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  {
    uint32_t n = __atomic_load_n(&s->resp_len, __ATOMIC_RELAXED);
    if (n > XABI_WIRE_MAX_RESPONSE) return XABI_E_BAD_FRAME;
    f->resp = s->resp;
    f->resp_len = n;
  }
  return 0;
}

void xabi_pal_frame_end(struct xabi_pal_frame *f) {
  struct xabi_link_slot *s = (struct xabi_link_slot *)f->impl;
  __atomic_store_n(&s->waiter, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&s->state, XABI_LINK_FREE, __ATOMIC_RELEASE);
}
