#!/usr/bin/env bash
# Runs .clusterfuzzlite/build.sh the way the ClusterFuzzLite/OSS-Fuzz builder
# does (its environment variables, ASan + libFuzzer from Debian's clang-14),
# then checks what it left in $OUT as the runner would use it: every target
# listed, each with its seed corpus zip and options, each running its seeds
# (and dictionary) without a finding. Exits non-zero on any failure.
#
#   fuzz/cflite_check.sh [WORKDIR]      (default: a temp dir, kept and printed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
base=${1:-$(mktemp -d "${TMPDIR:-/tmp}/xabi-cflite.XXXXXX")}
mkdir -p "$base/out" "$base/work"

# What the base-builder image sets for a libFuzzer + AddressSanitizer build.
export CC=clang-14 CXX=clang++-14
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SRC=$root OUT=$base/out WORK=$base/work
bash "$root/.clusterfuzzlite/build.sh"

status=0
targets=$(cat "$WORK/xabi-build/fuzz/targets.txt")
for t in $targets; do
  name=fuzz_$t
  for f in "$OUT/$name" "$OUT/${name}_seed_corpus.zip" "$OUT/$name.options"; do
    [ -e "$f" ] || { echo "cflite: missing $f" >&2; status=1; }
  done
  [ -x "$OUT/$name" ] || continue
  seeds=$base/seeds/$t
  rm -rf "$seeds" && mkdir -p "$seeds"
  (cd "$seeds" && cmake -E tar xf "$OUT/${name}_seed_corpus.zip")
  dict=()
  [ -f "$OUT/$name.dict" ] && dict=(-dict="$OUT/$name.dict")
  # The runner's way: the target on its unpacked seeds, options applied.
  if (cd "$OUT" && "./$name" -runs=500 -seed=1 -timeout=5 -rss_limit_mb=2048 "${dict[@]}" \
        -artifact_prefix="$base/" "$seeds") > "$base/$t.log" 2>&1; then
    printf '%-16s ok (%s seeds)\n' "$name" "$(find "$seeds" -type f | wc -l)"
  else
    printf '%-16s FAILED (log: %s)\n' "$name" "$base/$t.log"
    tail -20 "$base/$t.log" >&2
    status=1
  fi
done
echo "cflite: \$OUT is $OUT"
exit $status
