// ref_serve.h: the reference host's loop. One thread, one poll():
//
//   - the doorbell eventfd (the PAL rings it for every request: we keep
//     header.monitor_sleeping = 1 for good), then every slot in REQUEST is
//     served: req_len and req copied out once, state = SERVING, the generated
//     dispatch() into the RefHandler, response written, state = RESPONSE,
//     FUTEX_WAKE if the caller set its waiter flag;
//   - the alarm deadline: once CLOCK_MONOTONIC reaches it, alarms->clock is
//     bumped and woken;
//   - channel readiness: after every pass, if any channel's readiness (or a
//     pending connection) changed, alarms->channels is bumped and woken;
//   - the pidfd: the guest ended; its status is returned at once;
//   - the timeout: the guest is killed (128 + 9).
#pragma once

#include <chrono>

#include "ref_handler.h"
#include "ref_launch.h"

namespace xabi::refhost {

// Serves until the picoprocess ends; returns the exit status (xabi-host's
// convention). timeout 0: none.
int serve(RefLaunch& l, RefHandler& h, int wake_fd, std::chrono::milliseconds timeout);

}  // namespace xabi::refhost
