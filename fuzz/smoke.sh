#!/usr/bin/env bash
# Runs every built fuzz target for a short time on a copy of its seed corpus
# (and its regression cases), then prints per target the executions and
# whether it found anything. Exits non-zero if any target crashed.
#
#   fuzz/smoke.sh BUILD_DIR [SECONDS_PER_TARGET]     (default 10 s)
#
# Crash reproducers are kept in $SMOKE_ARTIFACTS (default: a temp dir, printed).
# SMOKE_RUNS=N runs each target exactly N inputs instead of for a time, and
# SMOKE_SEED fixes libFuzzer's seed: together they make the smoke deterministic
# (what CI runs: a pass or a failure reproduces exactly).
set -u
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS_PER_TARGET]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || { echo "$0: no build directory $1" >&2; exit 2; }
secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
# The targets CMake built (fuzz/CMakeLists.txt's one list).
[ -f "$build/fuzz/targets.txt" ] || { echo "$0: no $build/fuzz/targets.txt (configure with -DXABI_FUZZ=ON)" >&2; exit 1; }
targets=$(cat "$build/fuzz/targets.txt")
work=$(mktemp -d "${TMPDIR:-/tmp}/xabi-fuzz-smoke.XXXXXX")
artifacts=${SMOKE_ARTIFACTS:-$work/artifacts}
mkdir -p "$artifacts"

failed=0
ran=0
summary=""
for t in $targets; do
  bin=$build/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    summary+=$(printf '%-16s %12s  %s' "$t" "-" "not built (skipped)")$'\n'
    continue
  fi
  ran=$((ran + 1))
  corpus=$work/corpus/$t
  mkdir -p "$corpus" "$artifacts/$t"
  cp -r "$here/corpus/$t/." "$corpus/" 2>/dev/null || true
  regress=()
  if [ -d "$here/regressions/$t" ] && [ -n "$(ls -A "$here/regressions/$t" 2>/dev/null)" ]; then
    regress=("$here/regressions/$t")
  fi
  log=$work/$t.log
  if [ -n "${SMOKE_RUNS:-}" ]; then echo "== fuzz_$t: $SMOKE_RUNS runs" >&2; else echo "== fuzz_$t: ${secs}s" >&2; fi
  budget=(-max_total_time="$secs")
  [ -n "${SMOKE_RUNS:-}" ] && budget=(-runs="$SMOKE_RUNS")
  [ -n "${SMOKE_SEED:-}" ] && budget+=(-seed="$SMOKE_SEED")
  [ -f "$here/dictionaries/$t.dict" ] && budget+=(-dict="$here/dictionaries/$t.dict")
  (cd "$work" && TMPDIR=$work "$bin" "${budget[@]}" -timeout=5 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$t/" "$corpus" "${regress[@]}") >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  found=$(ls -A "$artifacts/$t" 2>/dev/null | tr '\n' ' ')
  if [ $rc -ne 0 ] || [ -n "$found" ]; then
    failed=1
    status="FOUND: exit $rc; ${found:-no artifact}(in $artifacts/$t)"
    echo "---- fuzz_$t log (last 40 lines):" >&2
    tail -40 "$log" >&2
  else
    status="ok, nothing found"
  fi
  summary+=$(printf '%-16s %12s  %s' "$t" "${execs:-?}" "$status")$'\n'
done

printf '%-16s %12s  %s\n' target executions result
printf '%s' "$summary"
if [ $ran -eq 0 ]; then
  echo "no fuzz target built under $build/fuzz (configure with -DXABI_FUZZ=ON)" >&2
  exit 1
fi
if [ $failed -ne 0 ]; then
  echo "crash reproducers: $artifacts" >&2
  exit 1
fi
rm -rf "$work"
exit 0
