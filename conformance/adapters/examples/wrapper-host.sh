#!/bin/sh
# A host behind a wrapper script: what a third-party adapter often looks like
# (set up an environment, then start the real host). It must exec, so the
# suite sees the host's own exit status, signals and file descriptors.
#   XABI_HOST=/path/to/xabi-host conformance/adapters/examples/wrapper-host.sh ARGS...
host=${XABI_HOST:-build/monitor/app/xabi-host}
[ -x "$host" ] || { echo "wrapper-host.sh: no host at $host (set XABI_HOST)" >&2; exit 126; }
exec "$host" run "$@"
