#include "abi_double.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

extern "C" {
#include "xabi/xabi.h"
const struct xabi_dispatch* xabi_dispatch_table;
}

namespace xabi::test {
namespace {

std::mutex g_mu;
uint64_t g_allocated = 0;
struct Chan {
  std::string in, out;
  size_t pos = 0;
};
std::map<int32_t, Chan> g_chans;
int32_t g_next_chan = 0;
thread_local uint64_t t_tls = 0;
struct xabi_alarms g_alarms = {};
uint64_t g_args_block[2] = {0, 0};

// Never destroyed: the alarm thread still waits on them at process exit, and
// destroying a condition variable with a waiter blocks.
std::mutex& g_alarm_mu = *new std::mutex;
std::condition_variable& g_alarm_cv = *new std::condition_variable;
uint64_t g_deadline = 0;

long futex(void* w, int op, uint32_t val, const timespec* ts, void* w2, uint32_t val3) {
  return syscall(SYS_futex, w, op, val, ts, w2, val3);
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

void* d_alloc(uint64_t len) {
  if (len == 0 || len > XABI_LIMIT_ALLOC) return nullptr;
  uint64_t n = (len + XABI_PAGE - 1) / XABI_PAGE * XABI_PAGE;
  void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  std::lock_guard<std::mutex> l(g_mu);
  g_allocated += n;
  return p;
}
int64_t d_free(void* base, uint64_t len) {
  if (len == 0 || uintptr_t(base) % XABI_PAGE || len % XABI_PAGE) return XABI_E_INVAL;
  munmap(base, len);
  std::lock_guard<std::mutex> l(g_mu);
  g_allocated -= len;
  return 0;
}
void* d_args() { return g_args_block; }
__attribute__((noreturn)) void d_exit(int32_t status) { _exit(status & 255); }
int64_t d_thread_create(void* entry, void* stack, uint64_t arg) {
  if (!entry || uintptr_t(stack) % 16) return XABI_E_INVAL;
  // The double runs entry on a real thread's own stack: the personality
  // switches to the guest's stack itself when it resumes a clone child.
  std::thread([entry, arg] { reinterpret_cast<void (*)(uint64_t)>(entry)(arg); }).detach();
  static int64_t next = 1;
  return next++;
}
__attribute__((noreturn)) void d_thread_exit() { pthread_exit(nullptr); }
int64_t d_set_tls(void* base) {
  if (uintptr_t(base) >= XABI_ADDR_LIMIT - XABI_PAGE) return XABI_E_INVAL;
  t_tls = uintptr_t(base);
  return 0;
}
int64_t d_zutex_wait(const struct xabi_zutex_spec* s, uint32_t n) {
  if (n == 0 || n > XABI_LIMIT_ZUTEX_SPECS) return XABI_E_INVAL;
  for (uint32_t i = 0; i < n; i++) {
    if (s[i].word % 4) return XABI_E_INVAL;
    if (s[i].word < XABI_PAGE) return XABI_E_FAULT;
  }
  for (;;) {
    for (uint32_t i = 0; i < n; i++)
      if (__atomic_load_n(reinterpret_cast<uint32_t*>(s[i].word), __ATOMIC_SEQ_CST) != s[i].expected)
        return XABI_E_AGAIN;
    // Sleep on the first word; the others are polled every millisecond.
    timespec ts{0, n > 1 ? 1000000 : 50000000};
    long r = futex(reinterpret_cast<void*>(s[0].word), FUTEX_WAIT, s[0].expected, &ts, nullptr, 0);
    if (r == 0) return 0;
  }
}
int64_t d_zutex_wake(void* word, uint32_t expect, uint32_t n_wake, uint32_t n_requeue, void* w2) {
  if (uintptr_t(word) % 4 || n_wake > XABI_ZUTEX_COUNT_MAX || n_requeue > XABI_ZUTEX_COUNT_MAX) return XABI_E_INVAL;
  if (uintptr_t(word) < XABI_PAGE) return XABI_E_FAULT;
  long r = futex(word, FUTEX_CMP_REQUEUE, n_wake, reinterpret_cast<const timespec*>(uintptr_t(n_requeue)),
                 n_requeue ? w2 : word, expect);
  if (r < 0) return errno == EAGAIN ? XABI_E_AGAIN : XABI_E_FAULT;
  return r;
}
uint64_t d_time_now() { return now_ns(); }
void alarm_thread() {
  std::unique_lock<std::mutex> l(g_alarm_mu);
  for (;;) {
    if (g_deadline == 0) {
      g_alarm_cv.wait(l);
      continue;
    }
    uint64_t now = now_ns();
    if (now >= g_deadline) {
      g_deadline = 0;
      __atomic_add_fetch(&g_alarms.clock, 1, __ATOMIC_SEQ_CST);
      futex(&g_alarms.clock, FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0);
      continue;
    }
    g_alarm_cv.wait_for(l, std::chrono::nanoseconds(g_deadline - now));
  }
}
int64_t d_alarm_set(uint64_t deadline) {
  std::lock_guard<std::mutex> l(g_alarm_mu);
  g_deadline = deadline;
  g_alarm_cv.notify_all();
  return 0;
}
void* d_alarms() { return &g_alarms; }
int64_t d_random(void* buf, uint64_t len) {
  if (len > XABI_LIMIT_RANDOM) return XABI_E_INVAL;
  if (len && !buf) return XABI_E_FAULT;
  return getrandom(buf, len, 0);
}
int64_t d_accept() { return XABI_E_UNSUPPORTED; }
int64_t d_open_url(const char*, const char*) { return XABI_E_UNSUPPORTED; }
int64_t d_read(xabi_channel_t ch, void* buf, uint64_t len) {
  std::lock_guard<std::mutex> l(g_mu);
  auto it = g_chans.find(ch);
  if (it == g_chans.end()) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  Chan& c = it->second;
  if (c.pos == c.in.size()) return XABI_E_CLOSED;
  uint64_t n = std::min<uint64_t>(len, c.in.size() - c.pos);
  memcpy(buf, c.in.data() + c.pos, n);
  c.pos += n;
  return int64_t(n);
}
int64_t d_write(xabi_channel_t ch, const void* buf, uint64_t len) {
  std::lock_guard<std::mutex> l(g_mu);
  auto it = g_chans.find(ch);
  if (it == g_chans.end()) return XABI_E_BAD_CHANNEL;
  if (len > XABI_LIMIT_IO) return XABI_E_INVAL;
  it->second.out.append(static_cast<const char*>(buf), len);
  return int64_t(len);
}
// Never blocks: a channel is readable while input remains (or at its end),
// always writable.
int64_t d_poll(struct xabi_pollfd* fds, uint32_t n, uint32_t) {
  std::lock_guard<std::mutex> l(g_mu);
  int64_t ready = 0;
  for (uint32_t i = 0; i < n; ++i) {
    auto it = g_chans.find(fds[i].channel);
    if (it == g_chans.end()) return XABI_E_BAD_CHANNEL;
    fds[i].revents = fds[i].events & (XABI_POLL_IN | XABI_POLL_OUT);
    ready += fds[i].revents != 0;
  }
  return ready;
}
int64_t d_close(xabi_channel_t ch) {
  std::lock_guard<std::mutex> l(g_mu);
  auto it = g_chans.find(ch);
  if (it == g_chans.end()) return XABI_E_BAD_CHANNEL;
  it->second.in = "\x01closed";  // kept so the test can still read its output
  it->second.pos = SIZE_MAX;
  return 0;
}
int64_t d_console() { return double_channel(""); }
int64_t d_stdio(uint32_t) { return XABI_E_UNSUPPORTED; }  // the personality is handed its stdio channels

const struct xabi_dispatch g_table = {
    XABI_ABI_VERSION, XABI_CALL_LIMIT - 1, d_alloc,   d_free,     d_args,     d_exit,         d_thread_create,
    d_thread_exit,    d_set_tls,           d_zutex_wait, d_zutex_wake, d_time_now, d_alarm_set, d_alarms,
    d_random,         d_accept,            d_open_url, d_read,     d_write,    d_poll,         d_close,
    d_console,        d_stdio};

}  // namespace

void abi_double_install() {
  static std::once_flag once;
  std::call_once(once, [] { std::thread(alarm_thread).detach(); });
  xabi_dispatch_table = &g_table;
}

int32_t double_channel(const std::string& input) {
  std::lock_guard<std::mutex> l(g_mu);
  int32_t id = g_next_chan++;
  g_chans[id].in = input;
  return id;
}
std::string double_channel_output(int32_t ch) {
  std::lock_guard<std::mutex> l(g_mu);
  return g_chans[ch].out;
}
bool double_channel_open(int32_t ch) {
  std::lock_guard<std::mutex> l(g_mu);
  auto it = g_chans.find(ch);
  return it != g_chans.end() && it->second.pos != SIZE_MAX;
}
uint64_t double_allocated_bytes() {
  std::lock_guard<std::mutex> l(g_mu);
  return g_allocated;
}
uint64_t double_tls() { return t_tls; }

// ---- tar writer

namespace {
void octal(char* f, size_t n, uint64_t v) {
  snprintf(f, n, "%0*llo", int(n - 1), static_cast<unsigned long long>(v));
}
}  // namespace

void TarWriter::raw_header(const std::string& name, char type, uint64_t size, const std::string& link) {
  char h[512] = {};
  memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  octal(h + 100, 8, type == '5' ? 0755 : 0644);
  octal(h + 108, 8, 1000);
  octal(h + 116, 8, 1000);
  octal(h + 124, 12, size);
  octal(h + 136, 12, 1700000000);
  h[156] = type;
  memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
  memcpy(h + 257, "ustar\0" "00", 8);
  memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  snprintf(h + 148, 8, "%06o", sum);
  out.append(h, 512);
}

void TarWriter::file(const std::string& name, const std::string& data, unsigned) {
  raw_header(name, '0', data.size());
  out += data;
  out.append((512 - data.size() % 512) % 512, '\0');
}
void TarWriter::dir(const std::string& name) { raw_header(name, '5', 0); }
void TarWriter::symlink(const std::string& name, const std::string& target) { raw_header(name, '2', 0, target); }
void TarWriter::pax_file(const std::string& path, const std::string& data) {
  std::string rec = " path=" + path + "\n";
  size_t len = rec.size() + 1;
  while (std::to_string(len).size() + rec.size() != len) len++;
  std::string pax = std::to_string(len) + rec;
  raw_header("PaxHeader", 'x', pax.size());
  out += pax;
  out.append((512 - pax.size() % 512) % 512, '\0');
  file("short-name-ignored", data);
}
void TarWriter::gnu_long_file(const std::string& path, const std::string& data) {
  std::string name = path + '\0';
  raw_header("././@LongLink", 'L', name.size());
  out += name;
  out.append((512 - name.size() % 512) % 512, '\0');
  file("truncated", data);
}

}  // namespace xabi::test
