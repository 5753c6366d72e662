/* xabi-agent: the guest the conformance runner drives (agent_protocol.h).
 *
 *   xabi-host run --listen unix:PATH build/conformance/agent/xabi-agent [-- ARGS]
 *
 * The agent must not disturb the state the runner is checking, so it makes no
 * ABI call of its own that changes the spec's model state beyond those the
 * protocol names: no xabi_alloc (everything below is static), no threads but
 * SPAWN's, no channel but the accepted control channel. Its own reads, writes
 * and zutex waits on the control channel and on its own words are fine.
 *
 * Threads. Worker 0 is the initial thread: it owns the control channel, reads
 * and parses frames, runs worker-0 commands inline and writes every reply.
 * Workers 1..AGENT_WORKERS are threads made by SPAWN; each has two mailboxes.
 * A mailbox holds a command frame (main copies it in), then the reply the
 * worker builds over it, until main has written the reply. So one command may
 * run while one more waits (commands to one worker run in order); a third
 * before the first reply has gone out gets AGENT_BAD_WORKER ("busy"), never
 * a lost or overwritten command. Main waits with one xabi_zutex_wait on two
 * words: the channels alarm (read before each read attempt) and g_replies
 * (bumped by workers after posting a reply, read before scanning mailboxes),
 * so no wake-up is lost.
 *
 * Validation. Every length and count in a frame is checked against what was
 * received and the protocol's limits; anything off gets AGENT_BAD_FRAME and
 * the agent keeps serving. Addresses the runner names (MEM_*, CALL values) are
 * used as given: a fault there is the observation. */
#include <xabi/runtime.h>
#include <xabi/sdk.h>

#include "agent_protocol.h"
#include "xabi/invoke.h"
#include "xabi/linux_syscalls.h"
#include "xabi/xabi.h"

/* ---- storage (all static: the agent allocates nothing) */

/* The largest frame a worker can need, length field included: a valid CALL
 * carries at most AGENT_SCRATCH bytes of blob data plus a few hundred bytes
 * of header, and a reply at most AGENT_SCRATCH bytes plus blob headers. */
#define BOX_SIZE (AGENT_SCRATCH + 1024u)
#define STACK_SIZE (32u * 1024u)
/* One whole frame (4 + AGENT_FRAME_MAX) plus room for the next read. */
#define IN_SIZE (4u + AGENT_FRAME_MAX + 4096u)
#define REPLY_HEADER (4u + AGENT_HEADER) /* len, seq, op, worker, status, reserved */

enum box_state {
  BOX_FREE = 0,    /* main may copy a command in */
  BOX_CMD = 1,     /* a command waits for (or runs on) the worker */
  BOX_REPLY = 2,   /* the worker's reply waits for main to write it */
  BOX_DROPPED = 3, /* the command ended the thread: no reply */
  BOX_SERVE = 4,   /* HANDOVER: the worker becomes the control channel's server */
};

struct mailbox {
  uint32_t state; /* enum box_state; the worker waits on it */
  uint32_t len;   /* reply bytes, length field included */
  uint8_t data[BOX_SIZE] __attribute__((aligned(16)));
};

struct worker {
  struct mailbox box[2]; /* command j lives in box[j & 1] */
  uint8_t scratch[AGENT_SCRATCH] __attribute__((aligned(16)));
  /* Main's own fields. */
  uint32_t head;       /* commands handed over */
  uint32_t sendidx;    /* commands whose reply main has written (or dropped) */
  uint32_t exiting;    /* a CALL thread_exit was handed over ... */
  uint32_t exit_index; /* ... as command number exit_index */
  uint32_t stack_sel;  /* which of the slot's two stacks the next SPAWN uses */
  /* Shared words (atomics; zutex waits on alive, ran, done). */
  uint32_t alive; /* 1 from SPAWN until the thread calls thread_exit */
  uint32_t ran;   /* set by the new thread as its first act */
  uint32_t done;  /* commands finished (reply posted) */
  /* The worker thread's own: the next command number it runs. */
  uint32_t tail;
};

static struct worker g_w[AGENT_WORKERS + 1]; /* [0]: the initial thread */
/* Two stacks per slot: a thread that called thread_exit may still be on its
 * stack for a moment after it cleared `alive`, so a respawn uses the other. */
static uint8_t g_stacks[AGENT_WORKERS][2][STACK_SIZE] __attribute__((aligned(16)));
static uint8_t g_in[IN_SIZE];
static uint32_t g_fill; /* bytes in g_in */
static uint32_t g_skip; /* bytes of an over-long frame still to discard */
static uint32_t g_replies;
static uint32_t g_server; /* the worker slot serving the control channel (0: the initial thread) */
static int32_t g_ch;
static const struct xabi_alarms *g_alarms;

/* ---- small helpers */

static uint32_t load(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void store(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

static void wait1(const uint32_t *word, uint32_t seen) {
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)word, seen, 0};
  (void)xabi_zutex_wait(&s, 1); /* spurious returns are fine: callers re-check */
}

static void wait2(const uint32_t *a, uint32_t a_seen, const uint32_t *b, uint32_t b_seen) {
  struct xabi_zutex_spec s[2] = {{(uint64_t)(uintptr_t)a, a_seen, 0}, {(uint64_t)(uintptr_t)b, b_seen, 0}};
  (void)xabi_zutex_wait(s, 2);
}

static void bump_replies(void) {
  __atomic_add_fetch(&g_replies, 1, __ATOMIC_SEQ_CST);
  xabi_sdk_wake_all(&g_replies);
}

static uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Bounds-checked little-endian reader over a payload. */
struct rd {
  const uint8_t *p;
  uint32_t left;
  int bad;
};

static uint64_t get(struct rd *r, uint32_t n) {
  uint64_t v = 0;
  if (r->bad || r->left < n) {
    r->bad = 1;
    return 0;
  }
  memcpy(&v, r->p, n); /* x86-64 is little-endian, as the protocol */
  r->p += n;
  r->left -= n;
  return v;
}

static const uint8_t *take(struct rd *r, uint32_t n) {
  const uint8_t *p = r->p;
  if (r->bad || r->left < n) {
    r->bad = 1;
    return 0;
  }
  r->p += n;
  r->left -= n;
  return p;
}

/* Bounds-checked writer of a reply payload into a mailbox-sized buffer. */
struct wr {
  uint8_t *base;
  uint32_t len;
  int over;
};

static void put(struct wr *w, uint64_t v, uint32_t n) {
  if (w->over || BOX_SIZE - w->len < n) {
    w->over = 1;
    return;
  }
  memcpy(w->base + w->len, &v, n);
  w->len += n;
}

static void put_bytes(struct wr *w, const void *src, uint64_t n) {
  if (w->over || BOX_SIZE - w->len < n) {
    w->over = 1;
    return;
  }
  memmove(w->base + w->len, src, (size_t)n); /* src may be anywhere, even this buffer */
  w->len += (uint32_t)n;
}

/* ---- the control channel */

/* Writes all of buf; a dead control channel ends the agent (exit 0). */
static void send(const void *buf, uint32_t len) {
  if (xabi_sdk_write_all(g_ch, buf, len) < 0) xabi_exit(0);
}

static void send_status(uint32_t seq, uint8_t op, uint8_t worker, uint8_t status) {
  uint8_t f[REPLY_HEADER] = {0};
  wr32(f, AGENT_HEADER);
  wr32(f + 4, seq);
  f[8] = op;
  f[9] = worker;
  f[10] = status;
  send(f, sizeof f);
}

/* ---- executing one command */

/* What a command leaves to do once its reply has been written (HOG). */
struct after {
  int hog;
  uint8_t kind;
  uint64_t param;
  uint32_t handover; /* HANDOVER: the slot that serves next */
};

static void worker_entry(uint64_t slot);
static void serve(void);

/* A worker is about to call thread_exit: its command gets no reply, and main
 * may reuse the slot once `alive` is 0. */
static void leaving(uint32_t wi) {
  if (wi == 0) return; /* the initial thread: the agent just stops serving */
  struct worker *w = &g_w[wi];
  store(&w->box[w->tail & 1].state, BOX_DROPPED);
  store(&w->alive, 0);
  xabi_sdk_wake_all(&w->alive);
  bump_replies();
}

static uint8_t do_call(uint32_t wi, struct rd *r, struct wr *o) {
  uint8_t *scratch = g_w[wi].scratch;
  uint64_t a[AGENT_MAX_ARGS] = {0}; /* arguments the runner did not send are 0 */
  uint8_t kind[AGENT_MAX_ARGS], bidx[AGENT_MAX_ARGS];
  uint64_t val[AGENT_MAX_ARGS];
  uint64_t base[AGENT_MAX_BLOBS];
  uint32_t blen[AGENT_MAX_BLOBS];

  const uint32_t id = (uint32_t)get(r, 4);
  const uint32_t nargs = (uint32_t)get(r, 1);
  if (r->bad || nargs > AGENT_MAX_ARGS) return AGENT_BAD_FRAME;
  for (uint32_t i = 0; i < nargs; ++i) {
    kind[i] = (uint8_t)get(r, 1);
    bidx[i] = 0;
    if (kind[i] == AGENT_ARG_VALUE) {
      val[i] = get(r, 8);
    } else if (kind[i] == AGENT_ARG_BLOB) {
      bidx[i] = (uint8_t)get(r, 1);
      val[i] = get(r, 4);
    } else {
      return AGENT_BAD_FRAME;
    }
  }
  const uint32_t nblobs = (uint32_t)get(r, 1);
  if (r->bad || nblobs > AGENT_MAX_BLOBS) return AGENT_BAD_FRAME;
  uint32_t off = 0;
  for (uint32_t b = 0; b < nblobs; ++b) {
    const uint32_t len = (uint32_t)get(r, 4);
    const uint8_t fill = (uint8_t)get(r, 1);
    off = (off + 15u) & ~15u;
    if (r->bad || off > AGENT_SCRATCH || len > AGENT_SCRATCH - off) return AGENT_BAD_FRAME;
    uint8_t *dst = scratch + off;
    if (fill == AGENT_BLOB_ZERO) {
      memset(dst, 0, len);
    } else if (fill == AGENT_BLOB_DATA) {
      const uint8_t *src = take(r, len);
      if (!src) return AGENT_BAD_FRAME;
      memcpy(dst, src, len);
    } else if (fill == AGENT_BLOB_BYTE) {
      const uint8_t v = (uint8_t)get(r, 1);
      if (r->bad) return AGENT_BAD_FRAME;
      memset(dst, v, len);
    } else {
      return AGENT_BAD_FRAME;
    }
    base[b] = (uint64_t)(uintptr_t)dst;
    blen[b] = len;
    off += len;
  }
  if (r->bad || r->left != 0) return AGENT_BAD_FRAME; /* trailing bytes: a runner bug */
  for (uint32_t i = 0; i < nargs; ++i) {
    if (kind[i] == AGENT_ARG_VALUE) {
      a[i] = val[i];
    } else {
      if (bidx[i] >= nblobs) return AGENT_BAD_FRAME;
      a[i] = base[bidx[i]] + val[i]; /* any offset: pointing past a blob is a legitimate test */
    }
  }

  const struct xabi_dispatch *t = xabi_dispatch_table;
  if (id == XABI_CALL_THREAD_EXIT && id <= t->n_calls && t->thread_exit) {
    leaving(wi);
    t->thread_exit();
  }
  int64_t result = 0;
  if (xabi_invoke(t, id, a, &result) != 0) return AGENT_NO_CALL;
  put(o, (uint64_t)result, 8);
  put(o, nblobs, 1);
  for (uint32_t b = 0; b < nblobs; ++b) {
    put(o, base[b], 8);
    put(o, blen[b], 4);
    put_bytes(o, (const void *)(uintptr_t)base[b], blen[b]);
  }
  return AGENT_OK;
}

/* Waits until slot w's thread, whose last command is a thread_exit, is gone.
 * 1 when it is; 0 when it is not going (earlier commands still run, or the
 * thread_exit command was refused). The path from taking the command to
 * thread_exit never blocks, so this wait is short. */
static int wait_gone(struct worker *w) {
  if (!w->exiting || load(&w->done) < w->exit_index) return 0;
  for (;;) {
    const uint32_t alive = load(&w->alive), done = load(&w->done);
    if (!alive) return 1;
    if (done > w->exit_index) {
      w->exiting = 0;
      return 0;
    }
    wait2(&w->alive, alive, &w->done, done);
  }
}

static uint8_t do_spawn(struct rd *r, struct wr *o) {
  const uint32_t slot = (uint32_t)get(r, 1);
  if (r->bad || r->left != 0) return AGENT_BAD_FRAME;
  if (slot < 1 || slot > AGENT_WORKERS) return AGENT_BAD_WORKER;
  struct worker *w = &g_w[slot];
  if (load(&w->alive) && !wait_gone(w)) return AGENT_BAD_WORKER; /* its thread still runs */
  w->stack_sel ^= 1u;
  uint8_t *stack = g_stacks[slot - 1][w->stack_sel] + STACK_SIZE;
  /* Fresh counters for the new thread; replies of the old one main has not
   * written yet stay in their mailboxes and go out in order (sendidx). */
  w->tail = w->head;
  store(&w->done, w->head);
  w->exiting = 0;
  store(&w->ran, 0);
  store(&w->alive, 1);
  const int64_t result = xabi_thread_create((void *)(uintptr_t)worker_entry, stack, slot);
  uint8_t ran = 0;
  if (result > 0) {
    while (!load(&w->ran)) wait1(&w->ran, 0);
    ran = 1;
  } else {
    store(&w->alive, 0);
  }
  put(o, (uint64_t)result, 8);
  put(o, (uint64_t)(uintptr_t)worker_entry, 8);
  put(o, (uint64_t)(uintptr_t)stack, 8);
  put(o, slot, 8);
  put(o, ran, 1);
  return AGENT_OK;
}

static int64_t raw_syscall(uint64_t nr, const uint64_t a[6]) {
  int64_t ret;
  register uint64_t r10 __asm__("r10") = a[3];
  register uint64_t r8 __asm__("r8") = a[4];
  register uint64_t r9 __asm__("r9") = a[5];
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

/* ---- ESCAPE: one instruction that only a kernel or a device could answer */

static int do_escape(uint32_t kind) {
  switch (kind) {
    case AGENT_ESCAPE_INT80: __asm__ volatile("mov $20, %%eax\n int $0x80" ::: "rax", "memory"); break;
    case AGENT_ESCAPE_SYSENTER: __asm__ volatile("sysenter" ::: "rcx", "r11", "memory"); break;
    case AGENT_ESCAPE_INT_N: __asm__ volatile("int $0x21" ::: "memory"); break;
    case AGENT_ESCAPE_HLT: __asm__ volatile("hlt" ::: "memory"); break;
    case AGENT_ESCAPE_CLI: __asm__ volatile("cli" ::: "memory"); break;
    case AGENT_ESCAPE_OUT: __asm__ volatile("xor %%eax, %%eax\n out %%al, $0x80" ::: "rax", "memory"); break;
    case AGENT_ESCAPE_IN: __asm__ volatile("in $0x60, %%al" ::: "rax", "memory"); break;
    case AGENT_ESCAPE_OUT_DX: __asm__ volatile("mov $0x3f8, %%edx\n mov $0x41, %%eax\n out %%al, %%dx" ::: "rax", "rdx", "memory"); break;
    case AGENT_ESCAPE_RDMSR: __asm__ volatile("mov $0xc0000080, %%ecx\n rdmsr" ::: "rax", "rcx", "rdx", "memory"); break;
    case AGENT_ESCAPE_MOV_CR3: __asm__ volatile("xor %%eax, %%eax\n mov %%rax, %%cr3" ::: "rax", "memory"); break;
    case AGENT_ESCAPE_CALL_PORT_BYTE: __asm__ volatile("mov $1, %%eax\n out %%al, $0xe2" ::: "rax", "memory"); break;
    case AGENT_ESCAPE_PORT_E3: __asm__ volatile("mov $1, %%eax\n out %%eax, $0xe3" ::: "rax", "memory"); break;
    default: return AGENT_BAD_FRAME;
  }
  return AGENT_OK;
}

/* ---- CLONE_STORM: raw thread clones past the PAL */

#define STORM_STACK 4096u
static uint8_t g_storm_stacks[AGENT_STORM_MAX][STORM_STACK] __attribute__((aligned(16)));
static int g_storm_tids[AGENT_STORM_MAX];
static uint32_t g_storm_park __attribute__((used)); /* the storm's threads wait on it; nobody wakes them */

/* clone(the allow-list's thread flags, stack, &tid, &tid, tls = 0); the child
 * parks at once, touching nothing but registers. */
static long storm_clone(void *stack_top, int *tid) {
  register long r10 __asm__("r10") = (long)(uintptr_t)tid;
  register long r8 __asm__("r8") = 0;
  long ret;
  __asm__ volatile(
      "syscall\n"
      "test %%rax, %%rax\n"
      "jnz 2f\n"
      "1:\n"
      "mov $202, %%eax\n" /* futex(&g_storm_park, FUTEX_WAIT, 0, NULL) */
      "lea g_storm_park(%%rip), %%rdi\n"
      "xor %%esi, %%esi\n"
      "xor %%edx, %%edx\n"
      "xor %%r10d, %%r10d\n"
      "syscall\n"
      "jmp 1b\n"
      "2:\n"
      : "=a"(ret)
      : "a"((long)XABI_NR_CLONE), "D"((unsigned long)XABI_ALLOW_CLONE_THREAD_FLAGS), "S"(stack_top), "d"(tid), "r"(r10), "r"(r8)
      : "rcx", "r11", "memory");
  return ret;
}

static uint32_t g_storm_used; /* stacks handed out so far (a storm's threads never end) */

static uint8_t do_clone_storm(struct rd *r, struct wr *o) {
  const uint32_t count = (uint32_t)get(r, 4);
  if (r->bad || r->left != 0 || count > AGENT_STORM_MAX - g_storm_used) return AGENT_BAD_FRAME;
  uint32_t started = 0;
  int64_t failure = 0;
  for (; started < count; ++started) {
    const uint32_t i = g_storm_used;
    const long t = storm_clone(g_storm_stacks[i] + STORM_STACK, &g_storm_tids[i]);
    if (t < 0) {
      failure = t;
      break;
    }
    ++g_storm_used;
  }
  put(o, started, 4);
  put(o, (uint64_t)failure, 8);
  return AGENT_OK;
}

static uint8_t do_args(struct wr *o) {
  const uint64_t *block = (const uint64_t *)xabi_args();
  const uint64_t n = block[0];
  if (n > 0xffffffffu) return AGENT_BAD_FRAME;
  put(o, n, 4);
  for (uint64_t i = 0; i < n && !o->over; ++i) {
    const char *s = (const char *)(uintptr_t)block[1 + i];
    const size_t len = strlen(s);
    put(o, len, 4);
    put_bytes(o, s, len);
  }
  /* An argument block larger than a mailbox cannot be sent whole. */
  return o->over ? AGENT_BAD_FRAME : AGENT_OK;
}

/* Runs the command in `frame` (length field first; the whole frame present,
 * its length between AGENT_HEADER and the buffer size) as worker wi, and
 * builds the reply frame in `out`. `out` may be `frame` itself: every request
 * field is read before the first reply byte is written. Returns the reply's
 * length (calls that end the thread or the process never return). */
static uint32_t execute(uint32_t wi, const uint8_t *frame, uint8_t *out, struct after *after) {
  const uint32_t seq = rd32(frame + 4);
  const uint8_t op = frame[8];
  struct rd r = {frame + REPLY_HEADER, rd32(frame) - AGENT_HEADER, 0};
  struct wr o = {out, REPLY_HEADER, 0};
  uint8_t status = AGENT_OK;
  after->hog = 0;
  after->handover = 0;

  switch (op) {
    case AGENT_OP_CALL:
      status = do_call(wi, &r, &o);
      break;
    case AGENT_OP_SPAWN:
      status = wi == 0 ? do_spawn(&r, &o) : AGENT_BAD_WORKER; /* only worker 0 spawns */
      break;
    case AGENT_OP_MEM_FILL:
    case AGENT_OP_MEM_CHECK: {
      const uint64_t addr = get(&r, 8), len = get(&r, 8);
      const uint8_t byte = (uint8_t)get(&r, 1);
      if (r.bad || r.left != 0) {
        status = AGENT_BAD_FRAME;
        break;
      }
      volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr; /* the runner's address, as given */
      if (op == AGENT_OP_MEM_FILL) {
        for (uint64_t i = 0; i < len; ++i) p[i] = byte;
        break;
      }
      uint64_t mismatches = 0, first = len;
      uint8_t first_value = 0;
      for (uint64_t i = 0; i < len; ++i) {
        const uint8_t v = p[i];
        if (v == byte) continue;
        if (mismatches++ == 0) {
          first = i;
          first_value = v;
        }
      }
      put(&o, mismatches, 8);
      put(&o, first, 8);
      put(&o, first_value, 1);
      break;
    }
    case AGENT_OP_MEM_READ: {
      const uint64_t addr = get(&r, 8);
      const uint32_t len = (uint32_t)get(&r, 4);
      if (r.bad || r.left != 0 || len > AGENT_SCRATCH) {
        status = AGENT_BAD_FRAME;
        break;
      }
      put_bytes(&o, (const void *)(uintptr_t)addr, len);
      break;
    }
    case AGENT_OP_SYSCALL: {
      const uint64_t nr = get(&r, 8);
      uint64_t a[6];
      for (int i = 0; i < 6; ++i) a[i] = get(&r, 8);
      if (r.bad || r.left != 0) {
        status = AGENT_BAD_FRAME;
        break;
      }
      put(&o, (uint64_t)raw_syscall(nr, a), 8);
      break;
    }
    case AGENT_OP_ESCAPE: {
      const uint32_t kind = (uint32_t)get(&r, 1);
      if (r.bad || r.left != 0) {
        status = AGENT_BAD_FRAME;
        break;
      }
      status = do_escape(kind);
      if (status == AGENT_OK) put(&o, 0, 8);
      break;
    }
    case AGENT_OP_ARGS:
      status = r.left != 0 ? AGENT_BAD_FRAME : do_args(&o);
      break;
    case AGENT_OP_CLONE_STORM:
      status = wi == 0 ? do_clone_storm(&r, &o) : AGENT_BAD_WORKER;
      break;
    case AGENT_OP_HANDOVER: {
      const uint32_t slot = (uint32_t)get(&r, 1);
      if (r.bad || r.left != 0) status = AGENT_BAD_FRAME;
      else if (wi != 0 || slot < 1 || slot > AGENT_WORKERS || !load(&g_w[slot].alive) || g_w[slot].head != g_w[slot].tail)
        status = AGENT_BAD_WORKER; /* only from the initial thread, to an idle live worker */
      else
        after->handover = slot;
      break;
    }
    case AGENT_OP_PING:
      if (r.left != 0)
        status = AGENT_BAD_FRAME;
      else
        put(&o, xabi_time_now(), 8);
      break;
    case AGENT_OP_HOG: {
      const uint8_t kind = (uint8_t)get(&r, 1);
      const uint64_t param = get(&r, 8);
      if (r.bad || r.left != 0 || kind > AGENT_HOG_EXIT) {
        status = AGENT_BAD_FRAME;
        break;
      }
      after->hog = 1;
      after->kind = kind;
      after->param = param;
      break;
    }
    default: /* HELLO is the agent's to send; anything else is unknown */
      status = AGENT_BAD_OP;
      break;
  }
  if (status != AGENT_OK || o.over) {
    o.len = REPLY_HEADER; /* error replies carry no payload */
    if (status == AGENT_OK) status = AGENT_BAD_FRAME;
  }
  wr32(out, o.len - 4);
  wr32(out + 4, seq);
  out[8] = op;
  out[9] = (uint8_t)wi;
  out[10] = status;
  out[11] = 0;
  return o.len;
}

/* HOG, after its reply has been written. MEMORY returns (the worker serves
 * on, its memory kept); the others never do. */
static void hog(const struct after *a) {
  static uint32_t never; /* nobody wakes it */
  switch (a->kind) {
    case AGENT_HOG_SPIN:
      for (;;) __asm__ volatile("" ::: "memory");
    case AGENT_HOG_CRASH: {
      uintptr_t p = 8;
      __asm__ volatile("" : "+r"(p)); /* hide the constant address from the compiler */
      *(volatile uint8_t *)p = 1;
      for (;;) __asm__ volatile("" ::: "memory"); /* a host that let the write pass */
    }
    case AGENT_HOG_MEMORY:
      if (a->param == 0) return;
      for (;;) {
        volatile uint8_t *p = (volatile uint8_t *)xabi_alloc(a->param);
        if (!p) return;
        for (uint64_t off = 0; off < a->param; off += XABI_PAGE) p[off] = 1;
      }
    case AGENT_HOG_BLOCK:
      for (;;) wait1(&never, 0);
    default: /* AGENT_HOG_EXIT; execute() refused other kinds */
      xabi_exit((int32_t)a->param);
  }
}

/* ---- workers 1..AGENT_WORKERS */

static void worker_entry(uint64_t slot) {
  /* A thread the runner made itself (CALL thread_create with this entry and
   * an argument that is no slot) has nothing to serve. */
  if (slot < 1 || slot > AGENT_WORKERS) xabi_thread_exit();
  struct worker *w = &g_w[slot];
  store(&w->ran, 1);
  xabi_sdk_wake_all(&w->ran);
  for (;;) {
    struct mailbox *b = &w->box[w->tail & 1];
    uint32_t s;
    while ((s = load(&b->state)) != BOX_CMD && s != BOX_SERVE) wait1(&b->state, s);
    if (s == BOX_SERVE) {
      store(&b->state, BOX_FREE);
      serve(); /* never returns: the channel's end ends the agent */
    }
    struct after after;
    b->len = execute((uint32_t)slot, b->data, b->data, &after);
    w->tail++;
    store(&b->state, BOX_REPLY);
    store(&w->done, w->tail);
    xabi_sdk_wake_all(&w->done);
    bump_replies();
    if (after.hog) {
      /* "Reply first": wait until main has written it (the box leaves REPLY). */
      while ((s = load(&b->state)) == BOX_REPLY) wait1(&b->state, s);
      hog(&after);
    }
  }
}

/* ---- main: the control channel */

/* Writes worker w's finished replies, in order. */
static void flush_worker(struct worker *w) {
  while (w->sendidx != w->head) {
    struct mailbox *b = &w->box[w->sendidx & 1];
    const uint32_t s = load(&b->state);
    if (s == BOX_REPLY)
      send(b->data, b->len);
    else if (s != BOX_DROPPED)
      return; /* not finished yet */
    store(&b->state, BOX_FREE);
    xabi_sdk_wake_all(&b->state); /* a HOG worker waits for this */
    w->sendidx++;
  }
}

/* One whole frame (length field first, AGENT_HEADER <= len <= AGENT_FRAME_MAX). */
static void dispatch(const uint8_t *frame) {
  const uint32_t len = rd32(frame), seq = rd32(frame + 4);
  const uint8_t op = frame[8], wi = frame[9];
  if (frame[10] != 0 || frame[11] != 0) {
    send_status(seq, op, wi, AGENT_BAD_FRAME);
    return;
  }
  if (wi > AGENT_WORKERS || (op == AGENT_OP_SPAWN && wi != 0)) {
    send_status(seq, op, wi, AGENT_BAD_WORKER);
    return;
  }
  const uint32_t server = load(&g_server);
  if (wi == 0 && server != 0) { /* the initial thread handed over and is gone */
    send_status(seq, op, wi, AGENT_BAD_WORKER);
    return;
  }
  if (wi == server) { /* runs here, on the serving thread */
    struct after after;
    uint8_t *out = g_w[0].box[0].data;
    send(out, execute(wi, frame, out, &after));
    if (after.hog) hog(&after);
    if (after.handover) {
      struct worker *w = &g_w[after.handover];
      store(&g_server, after.handover);
      store(&w->box[w->head & 1].state, BOX_SERVE);
      xabi_sdk_wake_all(&w->box[w->head & 1].state);
      xabi_thread_exit();
    }
    return;
  }
  struct worker *w = &g_w[wi];
  if (w->exiting && load(&w->done) > w->exit_index) w->exiting = 0; /* that thread_exit was refused */
  /* Not spawned, gone, or going (a thread_exit is queued). */
  if (!load(&w->alive) || w->exiting) {
    send_status(seq, op, wi, AGENT_BAD_WORKER);
    return;
  }
  /* No valid command a worker runs is this long. */
  if (4u + len > BOX_SIZE) {
    send_status(seq, op, wi, AGENT_BAD_FRAME);
    return;
  }
  flush_worker(w); /* frees the box of a reply that is ready */
  struct mailbox *b = &w->box[w->head & 1];
  /* Busy: one command running and one waiting already. */
  if (load(&b->state) != BOX_FREE) {
    send_status(seq, op, wi, AGENT_BAD_WORKER);
    return;
  }
  memcpy(b->data, frame, 4u + len);
  if (op == AGENT_OP_CALL && len >= AGENT_HEADER + 4 && rd32(frame + REPLY_HEADER) == XABI_CALL_THREAD_EXIT) {
    w->exiting = 1;
    w->exit_index = w->head;
  }
  w->head++;
  store(&b->state, BOX_CMD);
  xabi_sdk_wake_all(&b->state);
}

/* Consumes every whole frame in g_in; keeps a partial one for the next read. */
static void parse_input(void) {
  uint32_t pos = 0;
  for (;;) {
    const uint32_t avail = g_fill - pos;
    if (g_skip) { /* the rest of an over-long frame */
      const uint32_t n = g_skip < avail ? g_skip : avail;
      pos += n;
      g_skip -= n;
      if (g_skip) break;
      continue;
    }
    if (avail < 4) break;
    const uint8_t *p = g_in + pos;
    const uint32_t len = rd32(p);
    if (len < AGENT_HEADER) { /* too short for a header: answer with what there is */
      if (avail < 4 + len) break;
      uint8_t h[AGENT_HEADER] = {0};
      memcpy(h, p + 4, len);
      send_status(rd32(h), h[4], h[5], AGENT_BAD_FRAME);
      pos += 4 + len;
    } else if (len > AGENT_FRAME_MAX) { /* answer at once, then discard its bytes */
      if (avail < REPLY_HEADER) break;
      send_status(rd32(p + 4), p[8], p[9], AGENT_BAD_FRAME);
      pos += REPLY_HEADER;
      g_skip = len - AGENT_HEADER;
    } else {
      if (avail < 4 + len) break;
      dispatch(p);
      pos += 4 + len;
    }
  }
  memmove(g_in, g_in + pos, g_fill - pos);
  g_fill -= pos;
}

static void send_hello(void) {
  uint8_t f[REPLY_HEADER + 40];
  struct wr o = {f, REPLY_HEADER, 0};
  put(&o, AGENT_MAGIC, 4);
  put(&o, xabi_dispatch_table->abi_version, 4);
  put(&o, (uint64_t)(int64_t)g_ch, 8);
  put(&o, (uint64_t)(uintptr_t)g_alarms, 8);
  put(&o, (uint64_t)(uintptr_t)g_w[0].scratch, 8);
  put(&o, (uint64_t)(uintptr_t)worker_entry, 8);
  wr32(f, o.len - 4);
  wr32(f + 4, 0);
  f[8] = AGENT_OP_HELLO;
  f[9] = f[10] = f[11] = 0;
  send(f, o.len);
}

/* Serves the control channel until it closes (then the agent ends with 0).
 * The initial thread runs it, or after HANDOVER the worker it named. */
static void serve(void) {
  for (;;) {
    /* Both words are read before looking, so a change after the look ends the wait. */
    const uint32_t ch_seen = load(&g_alarms->channels);
    const uint32_t rep_seen = load(&g_replies);
    for (uint32_t i = 1; i <= AGENT_WORKERS; ++i)
      if (i != load(&g_server)) flush_worker(&g_w[i]);
    uint32_t room = IN_SIZE - g_fill; /* > 0: parse_input leaves less than one frame */
    if (room > XABI_LIMIT_IO) room = XABI_LIMIT_IO;
    const int64_t n = xabi_read(g_ch, g_in + g_fill, room);
    if (n < 0) xabi_exit(0); /* closed (or failed): the run is over */
    if (n > 0) {
      g_fill += (uint32_t)n;
      parse_input();
      continue;
    }
    wait2(&g_alarms->channels, ch_seen, &g_replies, rep_seen);
  }
}

/* PROBE mode (agent_protocol.h): one call with no arguments, its result as the exit status. */
static int probe(const char *id_text) {
  const uint64_t id = xabi_sdk_parse_u64(id_text);
  if (id == 0 || id > xabi_dispatch_table->n_calls || id == XABI_CALL_EXIT || id == XABI_CALL_THREAD_EXIT) return 100;
  const uint64_t none[AGENT_MAX_ARGS] = {0};
  int64_t result = 0;
  if (xabi_invoke(xabi_dispatch_table, (uint32_t)id, none, &result) != 0) return 100;
  return AGENT_PROBE_STATUS(result);
}

int xabi_main(void) {
  if (strcmp(xabi_sdk_arg(1, ""), "probe") == 0) return probe(xabi_sdk_arg(2, ""));
  g_alarms = (const struct xabi_alarms *)xabi_alarms();
  const int64_t ch = xabi_sdk_accept_wait();
  if (ch < 0) return 1; /* no listen endpoint: nothing to serve */
  g_ch = (int32_t)ch;
  send_hello();
  serve();
  return 0; /* not reached: serve() ends the agent */
}
