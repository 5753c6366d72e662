/* Guest: talks to the KVM host past its PAL, with the host ops and slot
 * frames of hosts/kvm/link/kvm_link.h, as a hostile guest could. Each check
 * is of a limit or a bound the host must keep itself (the PAL is the guest's
 * own code). Argument: the scenario.
 *   threads  raw THREAD_CREATE ops until refused: prints "threads started N refused R"
 *   bounds   ops naming memory that is not guest memory, or bad values:
 *            prints one "name result" line each
 *   frame    a slot whose req_len is out of bounds, served: prints the
 *            response, then makes an ordinary call
 *   unknown  an op the host does not offer (the host must end us)
 */
#include <xabi/runtime.h>
#include <xabi/sdk.h>

#include "host_op.h"

static uint32_t g_park; /* started threads wait here for good */

static void park(uint64_t arg) {
  (void)arg;
  const struct xabi_zutex_spec s = {(uint64_t)(uintptr_t)&g_park, 0, 0};
  for (;;) xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAIT, (uint64_t)(uintptr_t)&s, 1, 0, 0, 0);
}

/* The start the host jumps to: rdi = entry, rsi = arg (as the PAL's). */
__asm__(".text\n"
        "raw_thread_start:\n"
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  call *%rax\n"
        "  ud2\n");
extern char raw_thread_start[];

static int threads(void) {
  uint8_t *stacks = xabi_alloc(128 * 4096);
  if (!stacks) return 2;
  int started = 0;
  int64_t refused = 0;
  for (int i = 0; i < 100; i++) {
    const int64_t r = xabi_kvm_op(XABI_KVM_OP_THREAD_CREATE, (uint64_t)(uintptr_t)raw_thread_start,
                                  (uint64_t)(uintptr_t)(stacks + (i + 1) * 4096), (uint64_t)(uintptr_t)park, 0, 0);
    if (r > 0) started++;
    else if (refused == 0) refused = r;
  }
  xabi_sdk_print("threads started %d refused %ld\n", started, (long)refused);
  return 0;
}

static void show(const char *name, int64_t r) { xabi_sdk_print("%s %ld\n", name, (long)r); }

static int bounds(void) {
  const uint64_t pal = XABI_KVM_PAL_VA, slots = XABI_KVM_SLOTS_VA, bitmap = XABI_KVM_RO_VA + XABI_KVM_BITMAP_OFFSET;
  show("random-into-pal", xabi_kvm_op(XABI_KVM_OP_RANDOM, pal, 16, 0, 0, 0));
  show("random-into-slots", xabi_kvm_op(XABI_KVM_OP_RANDOM, slots, 16, 0, 0, 0));
  show("random-into-readonly", xabi_kvm_op(XABI_KVM_OP_RANDOM, XABI_KVM_RO_VA, 16, 0, 0, 0));
  show("random-over-limit", xabi_kvm_op(XABI_KVM_OP_RANDOM, 0, XABI_LIMIT_RANDOM + 1, 0, 0, 0));
  show("random-past-addr-limit", xabi_kvm_op(XABI_KVM_OP_RANDOM, XABI_ADDR_LIMIT - 8, 16, 0, 0, 0));
  static struct xabi_zutex_spec spec = {0, 0, 0};
  spec.word = slots;
  show("zutex-wait-on-slots", xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAIT, (uint64_t)(uintptr_t)&spec, 1, 0, 0, 0));
  spec.word = bitmap;
  show("zutex-wait-on-bitmap", xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAIT, (uint64_t)(uintptr_t)&spec, 1, 0, 0, 0));
  show("zutex-wait-specs-in-pal", xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAIT, pal, 1, 0, 0, 0));
  show("zutex-wait-too-many", xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAIT, (uint64_t)(uintptr_t)&spec, XABI_LIMIT_ZUTEX_SPECS + 1, 0, 0, 0));
  show("zutex-wake-in-pal", xabi_kvm_op(XABI_KVM_OP_ZUTEX_WAKE, pal, 0, 1, 0, 0));
  show("set-tls-too-high", xabi_kvm_op(XABI_KVM_OP_SET_TLS, XABI_ADDR_LIMIT - 4096, 0, 0, 0, 0));
  show("thread-misaligned-stack", xabi_kvm_op(XABI_KVM_OP_THREAD_CREATE, (uint64_t)(uintptr_t)raw_thread_start, 0x1008, (uint64_t)(uintptr_t)park, 0, 0));
  show("serve-no-such-slot", xabi_kvm_op(XABI_KVM_OP_SERVE, XABI_KVM_SLOTS, 0, 0, 0, 0));
  return 0;
}

static int frame(void) {
  struct xabi_kvm_slot *s = (struct xabi_kvm_slot *)(uintptr_t)(XABI_KVM_SLOTS_VA + 5 * XABI_KVM_SLOT_BYTES);
  s->req_len = 0xffffffffu;
  __atomic_store_n(&s->state, XABI_KVM_SLOT_REQUEST, __ATOMIC_SEQ_CST);
  xabi_kvm_op(XABI_KVM_OP_SERVE, 5, 0, 0, 0, 0);
  struct xabi_wire_header h;
  const int st = xabi_wire_read_header(s->resp, s->resp_len, XABI_WIRE_RESPONSE_MAGIC, &h);
  int64_t result = 0;
  memcpy(&result, s->resp + XABI_WIRE_HEADER_SIZE, sizeof result);
  xabi_sdk_print("state %u header %d result %ld\n", s->state, st, (long)result);
  __atomic_store_n(&s->state, XABI_KVM_SLOT_FREE, __ATOMIC_SEQ_CST);
  xabi_sdk_print("after alarm_set %ld\n", (long)xabi_alarm_set(0));
  return 0;
}

int xabi_main(void) {
  const char *what = xabi_sdk_arg(1, 0);
  if (!what) return 2;
  if (!strcmp(what, "threads")) return threads();
  if (!strcmp(what, "bounds")) return bounds();
  if (!strcmp(what, "frame")) return frame();
  if (!strcmp(what, "unknown")) {
    xabi_kvm_op(99, 0, 0, 0, 0, 0);
    return 3; /* not reached: the host ends us */
  }
  return 2;
}
