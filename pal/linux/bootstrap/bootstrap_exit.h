/* Exit statuses of xabi-bootstrap when it gives up before sealing.
 *
 * Usage: the launcher (monitor/launch) names a bootstrap that exited before
 * ringing the doorbell with xabi_bootstrap_exit_name(status). The bootstrap
 * has no stderr (every fd but 3..6 is closed), so the status is the report.
 * Values are above what shells use for signals, below 126/127. */
#ifndef XABI_BOOTSTRAP_EXIT_H
#define XABI_BOOTSTRAP_EXIT_H

#define XABI_BOOTSTRAP_EXITS(X)                                                   \
  X(XABI_BOOTSTRAP_BAD_USAGE, 100, "unexpected arguments or environment")          \
  X(XABI_BOOTSTRAP_BAD_LINK_HEADER, 101, "the call area header is invalid")       \
  X(XABI_BOOTSTRAP_MAP_CALL_AREA, 102, "cannot map the call area")                \
  X(XABI_BOOTSTRAP_MAP_ARENA, 103, "cannot map the arena")                        \
  X(XABI_BOOTSTRAP_READ_IMAGE, 104, "cannot read the image")                      \
  X(XABI_BOOTSTRAP_INVALID_IMAGE, 105, "the image failed validation")             \
  X(XABI_BOOTSTRAP_MAP_IMAGE, 106, "cannot map the image")                        \
  X(XABI_BOOTSTRAP_MAP_STACK, 107, "cannot map the stack")                        \
  X(XABI_BOOTSTRAP_NO_NEW_PRIVS, 108, "PR_SET_NO_NEW_PRIVS failed")               \
  X(XABI_BOOTSTRAP_SECCOMP, 109, "installing the seccomp filter failed")          \
  X(XABI_BOOTSTRAP_DOORBELL, 110, "cannot ring the doorbell")                    \
  X(XABI_BOOTSTRAP_GUEST_MEMORY, 111, "cannot set up the map of guest memory")    \
  X(XABI_BOOTSTRAP_LINUX_PROGRAM, 112, "cannot map or load the Linux program (--linux)")

enum xabi_bootstrap_exit {
#define XABI_BOOTSTRAP_ENUM(name, value, msg) name = value,
  XABI_BOOTSTRAP_EXITS(XABI_BOOTSTRAP_ENUM)
#undef XABI_BOOTSTRAP_ENUM
};

/* "XABI_BOOTSTRAP_MAP_ARENA" for 103; NULL for any other status. */
static inline const char *xabi_bootstrap_exit_name(int status) {
  switch (status) {
#define XABI_BOOTSTRAP_CASE(name, value, msg) \
  case value:                                 \
    return #name;
    XABI_BOOTSTRAP_EXITS(XABI_BOOTSTRAP_CASE)
#undef XABI_BOOTSTRAP_CASE
  }
  return 0;
}

#endif
