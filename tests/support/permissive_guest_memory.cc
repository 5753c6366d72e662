// The PAL's guest-memory questions (xabi/pal_stubs.h) for tests that run the
// generated stubs in an ordinary process: every pointer but NULL is the
// test's own memory. The Linux PAL's real map (pal/linux/guest_memory.c) is
// tested with real picoprocesses (tests/isolation, the conformance suite).
#include <cstdint>

extern "C" int xabi_pal_accessible(const void* p, uint64_t len, int) { return p != nullptr && len > 0; }
extern "C" int xabi_pal_string_accessible(const char* s, uint64_t) { return s != nullptr; }
