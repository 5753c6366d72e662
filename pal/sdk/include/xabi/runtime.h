/* The guest runtime on top of the ABI: memory allocation, a mutex and a
 * condition variable on zutex, and channel I/O that waits instead of spinning.
 *
 * Usage:
 *   char *p = xabi_sdk_malloc(100);
 *   static xabi_sdk_mutex lock;                // zero-initialised = unlocked
 *   xabi_sdk_mutex_lock(&lock); ... xabi_sdk_mutex_unlock(&lock);
 *   int64_t ch = xabi_accept_wait();          // blocks on the channels alarm
 *   xabi_sdk_write_all(ch, "hi\n", 3);
 *   xabi_sdk_fprint(ch, "n=%d\n", 3);
 *
 * Everything blocks only through xabi_zutex_wait, the ABI's one blocking call. */
#ifndef XABI_SDK_RUNTIME_H
#define XABI_SDK_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <xabi/decls.h>

XABI_SDK_BEGIN_DECLS

/* ---- memory: size classes up to 16 KiB on 64 KiB chunks, larger blocks
 * straight from xabi_alloc. Thread-safe. NULL when the host refuses. */
void *xabi_sdk_malloc(size_t size);
void *xabi_sdk_calloc(size_t n, size_t size);
void *xabi_sdk_realloc(void *p, size_t size);
void xabi_sdk_free(void *p);

/* ---- a mutex (0 = unlocked) and a condition variable (0 = initial) */
typedef struct {
  uint32_t word; /* 0 unlocked, 1 locked, 2 locked with waiters */
} xabi_sdk_mutex;
typedef struct {
  uint32_t seq; /* bumped by every signal */
} xabi_sdk_cond;

void xabi_sdk_mutex_lock(xabi_sdk_mutex *m);
int xabi_sdk_mutex_trylock(xabi_sdk_mutex *m); /* 1 when taken */
void xabi_sdk_mutex_unlock(xabi_sdk_mutex *m);
void xabi_sdk_cond_wait(xabi_sdk_cond *c, xabi_sdk_mutex *m);
void xabi_sdk_cond_signal(xabi_sdk_cond *c);
void xabi_sdk_cond_broadcast(xabi_sdk_cond *c);
/* Wakes every thread waiting on `word` (xabi_zutex_wake compares the word, so
 * this re-reads and retries until the compare holds). */
void xabi_sdk_wake_all(uint32_t *word);

/* ---- channels and time, waiting on the host's alarm words */
/* The channels alarm word's current value: read it BEFORE trying an operation,
 * then wait with xabi_sdk_wait_channels(seen) if the operation was not ready. */
uint32_t xabi_sdk_channels_seen(void);
void xabi_sdk_wait_channels(uint32_t seen);
/* Next accepted connection, waiting for one; a negative error otherwise. */
int64_t xabi_sdk_accept_wait(void);
/* Reads at least one byte (waiting); 0 never; XABI_E_CLOSED at the end. */
int64_t xabi_sdk_read_wait(int32_t ch, void *buf, uint64_t len);
/* Writes all of buf (waiting); len, or a negative error. */
int64_t xabi_sdk_write_all(int32_t ch, const void *buf, uint64_t len);
/* Formats (at most XABI_SDK_PRINT_MAX - 1 bytes) and writes all of it. */
int64_t xabi_sdk_fprint(int32_t ch, const char *fmt, ...) XABI_SDK_PRINTF(2, 3);
/* Blocks the calling thread until xabi_time_now() >= deadline (uses the alarm). */
void xabi_sdk_sleep_until(uint64_t deadline_ns);

/* Argument i (0 is the image name), or fallback when there are fewer. */
const char *xabi_sdk_arg(int i, const char *fallback);
/* The decimal number at the start of s (0 when none). */
uint64_t xabi_sdk_parse_u64(const char *s);
/* Argument i as a decimal number, or fallback when there are fewer. */
uint64_t xabi_sdk_arg_u64(int i, uint64_t fallback);

XABI_SDK_END_DECLS

#endif
