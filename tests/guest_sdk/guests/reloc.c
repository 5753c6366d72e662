/* Guest: exercises every kind of pointer that needs a load-time relocation.
 *
 * Pointers stored in data (string tables, function tables, structs pointing
 * at other globals, mutable pointer arrays, constructor entries) only hold
 * the right value if self-relocation worked; a big switch adds a PC-relative
 * jump table. Prints "reloc checksum 0x<hash>" and returns 7 when every check
 * passes, 1..5 naming the first failed check otherwise. */
#include <xabi/sdk.h>

static const char *const k_words[] = {"alpha", "beta", "gamma", "delta", "epsilon"};

static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_xor(long a, long b) { return a ^ b; }
static long (*const k_ops[])(long, long) = {op_add, op_sub, op_mul, op_xor};

static int g_counter = 42;
static const char g_label[] = "node";

struct node {
  const char *label;
  int *counter;
  const struct node *next;
  long (*op)(long, long);
};
static const struct node k_tail = {g_label, &g_counter, 0, op_mul};
static const struct node k_head = {"head", &g_counter, &k_tail, op_add};

static const char *g_mutable[] = {"x", "y"}; /* writable pointers: .data */

static int g_ctor_ran;
__attribute__((constructor)) static void mark_ctor(void) { g_ctor_ran = 1; }

/* Dense cases with distinct bodies: compiled as an indirect jump table. */
__attribute__((noinline)) static unsigned long classify(unsigned v, unsigned long x) {
  switch (v) {
  case 0: return x + 1;
  case 1: return x * 3;
  case 2: return x ^ 0x55;
  case 3: return x - 7;
  case 4: return x << 2;
  case 5: return x >> 1;
  case 6: return ~x;
  case 7: return x * x;
  case 8: return x + 100;
  case 9: return x | 0x100;
  case 10: return x & 0xf;
  case 11: return x % 7;
  default: return 0;
  }
}

/* Hides where a pointer came from, so the optimiser cannot fold the tables
 * into constants: the pointers really are read from relocated data. */
static const void *launder(const void *p) {
  __asm__("" : "+r"(p));
  return p;
}

static unsigned long mix(unsigned long h, unsigned long v) { return (h ^ v) * 0x100000001b3ul; }

/* Replayed outside this program (a few lines of Python over the same data);
 * the host test expects the same printed value. */
#define RELOC_EXPECTED_CHECKSUM 0x77cacd08f355ff4dul

int xabi_main(void) {
  const char *const *words = launder(k_words);
  long (*const *ops)(long, long) = launder(k_ops);
  const struct node *head = launder(&k_head), *tail = launder(&k_tail);
  const char **mutable_words = (const char **)launder(g_mutable);

  /* Pointers read from data must equal addresses computed PC-relative. */
  if (head->next != &k_tail || tail->counter != &g_counter || tail->label != g_label)
    return 1;
  if (ops[0] != op_add || head->op != op_add)
    return 2;
  if (strcmp(words[4], "epsilon") != 0 || strcmp(mutable_words[1], "y") != 0)
    return 3;
  if (!g_ctor_ran)
    return 4;

  unsigned long h = 0xcbf29ce484222325ul;
  for (unsigned i = 0; i < sizeof k_words / sizeof k_words[0]; ++i)
    for (const char *c = words[i]; *c != '\0'; ++c)
      h = mix(h, (unsigned char)*c);
  for (unsigned i = 0; i < sizeof k_ops / sizeof k_ops[0]; ++i)
    h = mix(h, (unsigned long)ops[i](1000, 7));
  for (const struct node *n = head; n != 0; n = n->next) {
    h = mix(h, strlen(n->label));
    h = mix(h, (unsigned long)*n->counter);
    h = mix(h, (unsigned long)n->op(6, 7));
  }
  h = mix(h, (unsigned char)mutable_words[0][0]);
  h = mix(h, (unsigned char)mutable_words[1][0]);
  for (volatile unsigned v = 0; v < 13; ++v) /* volatile: keep the switch */
    h = mix(h, classify(v, 20ul + v));
  h = mix(h, (unsigned long)g_ctor_ran);

  xabi_sdk_print("reloc checksum 0x%lx\n", h);
  if (h != RELOC_EXPECTED_CHECKSUM)
    return 5;
  return 7;
}
