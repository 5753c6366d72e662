/* Channels behind fds (0-2 at start, from xabi_stdio or the console):
 * blocking Linux reads and writes, and poll, on the ABI's non-blocking
 * xabi_read/xabi_write/xabi_poll, waiting on the channels alarm word. */
#include "lx.h"

/* ---- channels: blocking reads and writes on a non-blocking ABI */

static volatile uint32_t *channels_word(void) {
  return &((struct xabi_alarms *)xabi_alarms())->channels;
}

static void wait_channels(uint32_t seen) {
  struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)channels_word(), seen, 0};
  (void)xabi_zutex_wait(&s, 1);
}

static long map_chan_err(int64_t e) {
  switch (e) {
    case XABI_E_FAULT: return -LX_EFAULT;
    case XABI_E_BAD_CHANNEL: return -LX_EBADF;
    case XABI_E_CLOSED: return -LX_EPIPE;
    default: return -LX_EIO;
  }
}

long lx_chan_read(struct lx_file *f, void *buf, uint64_t len) {
  if (len == 0) return 0;
  if (len > XABI_LIMIT_IO) len = XABI_LIMIT_IO;
  for (;;) {
    uint32_t seen = *channels_word();
    int64_t r = xabi_read(f->channel, buf, len);
    if (r > 0) return (long)r;
    if (r == XABI_E_CLOSED) return 0; /* end of file */
    if (r < 0) return map_chan_err(r);
    if (f->flags & LX_O_NONBLOCK) return -LX_EAGAIN;
    wait_channels(seen);
  }
}

long lx_chan_write(struct lx_file *f, const void *buf, uint64_t len) {
  uint64_t done = 0;
  while (done < len) {
    uint32_t seen = *channels_word();
    uint64_t chunk = len - done > XABI_LIMIT_IO ? XABI_LIMIT_IO : len - done;
    int64_t r = xabi_write(f->channel, (const uint8_t *)buf + done, chunk);
    if (r < 0) return done ? (long)done : map_chan_err(r);
    if (r == 0) {
      if (f->flags & LX_O_NONBLOCK) return done ? (long)done : -LX_EAGAIN;
      wait_channels(seen);
    }
    done += (uint64_t)r;
  }
  return (long)done;
}

/* ---- poll: what xabi_poll says of the channel now, in Linux's bits */

short lx_chan_poll(int32_t channel, short events) {
  struct xabi_pollfd p = {channel, 0, 0, 0};
  if (events & (LX_POLLIN | LX_POLLRDNORM)) p.events |= XABI_POLL_IN;
  if (events & (LX_POLLOUT | LX_POLLWRNORM)) p.events |= XABI_POLL_OUT;
  if (xabi_poll(&p, 1, 0) < 0) return LX_POLLHUP;
  short re = 0;
  if (p.revents & XABI_POLL_IN) re |= (short)(events & (LX_POLLIN | LX_POLLRDNORM));
  if (p.revents & XABI_POLL_OUT) re |= (short)(events & (LX_POLLOUT | LX_POLLWRNORM));
  if (p.revents & XABI_POLL_HUP) re |= LX_POLLHUP;
  return re;
}
