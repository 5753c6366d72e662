// mutants.h: one-fault variants of xabi-ptrace for the suite's mutation check
// (docs/ptrace-host.md "Mutants"). Compiled in only for xabi-ptrace-mutant
// (XABI_PTRACE_MUTANTS), where XABI_MUTANT names the one that is active;
// in xabi-ptrace mutant() is constant false and every fault compiles away.
#pragma once

#include <string_view>

// name, group, fault, how the suite should notice
#define XABI_PTRACE_MUTANT_LIST(X)                                                                                  \
  X(free_not_zeroed, "memory", "free does not punch the hole: freed pages come back dirty", "alloc after free reads zero") \
  X(alloc_shares_pages, "memory", "alloc does not mark its pages: live allocations overlap", "disjoint allocations")       \
  X(accessible_always, "memory", "every guest pointer passes the accessibility check", "the E_FAULT cases")               \
  X(getpid_allowed, "isolation", "a raw getpid runs instead of ending the picoprocess", "the system-call sweep")           \
  X(wake_resumes_nobody, "sync", "zutex_wake counts its waiters but resumes none", "a woken waiter returns")              \
  X(alarm_never_fires, "time", "alarm_set is stored but never fires", "the alarm cases")                                  \
  X(thread_limit_plus_one, "threads", "one thread more than LIMIT_THREADS may live", "the thread limit")

namespace xabi::ptrace_host {

#ifdef XABI_PTRACE_MUTANTS
bool mutant(std::string_view name);
// For the command "mutants": the list as JSON on stdout; 0.
int print_mutants();
// 0, or 2 with a message when XABI_MUTANT names no mutant.
int check_mutant_env();
#else
constexpr bool mutant(std::string_view) { return false; }
#endif

}  // namespace xabi::ptrace_host
