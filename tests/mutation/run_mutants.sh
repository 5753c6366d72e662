#!/usr/bin/env bash
# run_mutants.sh: machine-made mutants of the host and the PAL against the
# conformance suite (docs/machine-mutants.md). `make mutate` runs it.
#
#   tests/mutation/run_mutants.sh [--count N] [--seed S] [--only LIST] [--tool XABI_MUTATE]
#
#   --count N    stop after N mutants that compile (default 200)
#   --seed S     the sample's seed (default 1)
#   --only LIST  run just these mutants: a file of "path<TAB>id" lines (e.g.
#                the survivors of results.tsv, cut -f1,2); the results go to
#                results-only.tsv and summary-only.md
#   --tool T     the xabi-mutate binary (default build/tests/mutation/xabi-mutate)
#
# 1. copy the working tree (not the build dirs) to $XABI_MUTATE_WORK/src
#    (default /tmp/xabi-mutate) and build it there once: Debug at -O0,
#    without -Werror (a mutant may warn), with ccache;
# 2. list every site of the files under MUTATE_DIRS, in the sample order of
#    `xabi-mutate sample`;
# 3. for each mutant in that order until N have compiled: apply it, rebuild
#    (ninja), "stillborn" if that fails (not counted), run the quick suite,
#    then the full one if the quick one passed; a failing run kills it, a
#    run that exceeds its time limit is "timeout" (counted as killed);
#    restore the file (with a new mtime, so the next build recompiles it);
# 4. write results.tsv (one line per mutant tried) and summary.md (the
#    figures per folder, the survivors) to $XABI_MUTATE_WORK.
set -euo pipefail

# The folders mutated. The one place to change when one is renamed.
MUTATE_DIRS=(monitor/calls monitor/loop monitor/launch pal common/elf)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${XABI_MUTATE_WORK:-/tmp/xabi-mutate}
COUNT=200
SEED=1
ONLY=
TOOL=$REPO/build/tests/mutation/xabi-mutate
while [[ $# -gt 0 ]]; do
  case $1 in
    --count) COUNT=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --only) ONLY=$(realpath "$2"); shift 2 ;;
    --tool) TOOL=$(realpath "$2"); shift 2 ;;
    *) echo "usage: $0 [--count N] [--seed S] [--only LIST] [--tool XABI_MUTATE]" >&2; exit 2 ;;
  esac
done
[[ -x $TOOL ]] || { echo "run_mutants: no xabi-mutate at $TOOL (build the target xabi-mutate, or pass --tool)" >&2; exit 2; }

SRC=$WORK/src
BUILD=$WORK/build
LOGS=$WORK/logs
RESULTS=$WORK/results${ONLY:+-only}.tsv
SUMMARY=$WORK/summary${ONLY:+-only}.md
TARGETS=(xabi-host xabi-conform)  # xabi-conform builds the agent and the guests it needs
export CCACHE_BASEDIR=$WORK CCACHE_DIR=${CCACHE_DIR:-/work/.ccache}
JOBS=2
NICE=(nice -n 10)

# A run interrupted inside a mutant left objects built from it: the file it
# mutated is touched after the copy so that it is rebuilt.
DIRTY=$WORK/dirty
mkdir -p "$WORK" "$LOGS"
rm -rf "$SRC"
mkdir -p "$SRC"
# tar keeps mtimes, so an unchanged file is not rebuilt.
tar -C "$REPO" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$SRC" -xf -
if [[ -f $DIRTY ]]; then
  touch "$SRC/$(cat "$DIRTY")"
  rm -f "$DIRTY"
fi

if [[ ! -f $BUILD/build.ninja ]]; then
  "${NICE[@]}" cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS_DEBUG=-O0 -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DXABI_WERROR=OFF -DXABI_MUTANTS=OFF \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache > "$LOGS/configure.log"
fi
build() { "${NICE[@]}" ninja -C "$BUILD" -j "$JOBS" "${TARGETS[@]}" "$@"; }
echo "run_mutants: building the unmutated tree in $BUILD"
build > "$LOGS/build.log"

CONFORM=$BUILD/conformance/runner/xabi-conform
ADAPTER=$BUILD/conformance/adapters/xabi-host.json
# conform OUT LIMIT [--quick]: the suite, stopping at the first failure;
# timeout ends the runner and the hosts it started (its process group).
conform() {
  local out=$1 limit=$2
  shift 2
  rm -rf "$out"
  timeout --kill-after=10 "$limit" "${NICE[@]}" "$CONFORM" --host "$ADAPTER" --cases-dir "$SRC/conformance/cases" \
    --jobs "$JOBS" --fail-fast --out "$out" "$@"
}
# The first failing case of a report, or what the runner said when it ran
# none (the host did not start, say).
failing_case() {
  local c
  c=$(jq -r '[.hosts[0].cases[] | select(.outcome != "PASS" and .outcome != "SKIP" and .outcome != "XFAIL") | .id] | first // empty' \
    "$1/report.json" 2>/dev/null || true)
  # The runner's start-up check: "...: the host could not run the agent: WHY".
  [[ -n $c ]] || c="agent not run: $(grep -m 1 -o 'could not run the agent: .*' "$2" | cut -d' ' -f6- | tr '\t' ' ' | cut -c1-100)"
  echo "$c"
}

# The unmutated tree must pass; its durations set the time limits.
t0=$(date +%s.%N)
conform "$WORK/base-quick" 600 --quick > "$LOGS/base-quick.log" 2>&1 ||
  { echo "run_mutants: the unmutated host fails the quick suite ($LOGS/base-quick.log)" >&2; exit 1; }
t1=$(date +%s.%N)
conform "$WORK/base-full" 600 > "$LOGS/base-full.log" 2>&1 ||
  { echo "run_mutants: the unmutated host fails the suite ($LOGS/base-full.log)" >&2; exit 1; }
t2=$(date +%s.%N)
# Four times the unmutated run plus a margin: the machine is shared.
QUICK_LIMIT=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", 4 * (b - a) + 30 }')
FULL_LIMIT=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%d", 4 * (b - a) + 30 }')
echo "run_mutants: unmutated suite passes; limits ${QUICK_LIMIT}s quick, ${FULL_LIMIT}s full"

# The files: C and C++ sources and headers under MUTATE_DIRS.
cd "$SRC"
mapfile -t FILES < <(find "${MUTATE_DIRS[@]}" -type f \( -name '*.c' -o -name '*.cc' -o -name '*.h' \) | sort)
"$TOOL" sample --seed "$SEED" "${FILES[@]}" > "$WORK/sample.tsv"
for f in "${FILES[@]}"; do printf '%s\t%s\n' "$f" "$("$TOOL" list "$f" | wc -l)"; done > "$WORK/sites.tsv"
if [[ -n $ONLY ]]; then
  # The sample order, restricted to the listed mutants.
  awk -F'\t' 'NR == FNR { want[$1 "\t" $2] = 1; next } ($1 "\t" $2) in want' "$ONLY" "$WORK/sample.tsv" > "$WORK/selected.tsv"
  COUNT=$(wc -l < "$WORK/selected.tsv")
else
  cp "$WORK/sample.tsv" "$WORK/selected.tsv"
fi

printf 'file\tid\tline\tcolumn\top\toriginal\treplacement\tstatus\tkilled_by\tcase\tseconds\n' > "$RESULTS"
compiled=0
n=0
mkdir -p "$WORK/saved"
while IFS=$'\t' read -r file id line column op original replacement; do
  [[ $compiled -ge $COUNT ]] && break
  n=$((n + 1))
  start=$(date +%s)
  SAVED=$WORK/saved/$(basename "$file")  # the name tells xabi-mutate the language
  cp "$file" "$SAVED"
  echo "$file" > "$DIRTY"
  "$TOOL" apply "$SAVED" "$id" "$file"
  status= killed_by=- case=-
  if ! build > "$LOGS/mutant.log" 2>&1; then
    status=stillborn
  elif grep -q '^ninja: no work to do' "$LOGS/mutant.log"; then
    status=unbuilt  # the file is in no binary under test
  else
    compiled=$((compiled + 1))
    for run in quick full; do
      args=()
      limit=$FULL_LIMIT
      [[ $run == quick ]] && args=(--quick) && limit=$QUICK_LIMIT
      set +e
      conform "$WORK/mutant-$run" "$limit" "${args[@]}" > "$LOGS/mutant-$run.log" 2>&1
      rc=$?
      set -e
      if [[ $rc == 124 ]]; then
        status=timeout killed_by=$run
        break
      elif [[ $rc != 0 ]]; then
        status=killed killed_by=$run case=$(failing_case "$WORK/mutant-$run" "$LOGS/mutant-$run.log")
        break
      fi
    done
    [[ -z $status ]] && status=survived
  fi
  cp "$SAVED" "$file"  # a new mtime: the next build recompiles the original
  rm -f "$DIRTY"
  secs=$(($(date +%s) - start))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$id" "$line" "$column" "$op" "$original" \
    "$replacement" "$status" "$killed_by" "$case" "$secs" >> "$RESULTS"
  printf 'run_mutants: [%d/%d] %s:%s %s %s -> %s: %s %s (%ss)\n' "$compiled" "$COUNT" "$file" "$line" "$op" \
    "$original" "$replacement" "$status" "$case" "$secs"
done < "$WORK/selected.tsv"
# The last mutant's file restored, rebuilt: the build tree is unmutated again.
build > "$LOGS/build.log" 2>&1 || true

# summary.md: the figures overall and per folder, and the survivors.
awk -F'\t' -v dirs="${MUTATE_DIRS[*]}" -v sites="$WORK/sites.tsv" '
  BEGIN {
    nd = split(dirs, d, " ")
    while ((getline l < sites) > 0) { split(l, f, "\t"); total += f[2]; for (i = 1; i <= nd; i++) if (index(f[1], d[i] "/") == 1) dsites[d[i]] += f[2] }
  }
  NR == 1 { next }
  {
    dir = "?"; for (i = 1; i <= nd; i++) if (index($1, d[i] "/") == 1) dir = d[i]
    c[$8]++; cd[dir, $8]++
    if ($8 == "survived") { o = $6; r = $7; gsub(/\|/, "\\|", o); gsub(/\|/, "\\|", r); surv[++ns] = "| " $1 ":" $3 " | " $5 " | `" o "` | `" r "` |" }
  }
  function row(name, k, s, t, sv) {
    k = c_[name, "killed"] + 0; t = c_[name, "timeout"] + 0; sv = c_[name, "survived"] + 0
    s = (k + t + sv) ? sprintf("%.1f %%", 100 * (k + t) / (k + t + sv)) : "-"
    return sprintf("| %s | %d | %d | %d | %d | %d | %d | %s |", name, c_[name, "sites"], c_[name, "stillborn"] + c_[name, "unbuilt"] + k + t + sv, c_[name, "stillborn"] + c_[name, "unbuilt"], k, t, sv, s)
  }
  END {
    print "| folder | sites | tried | stillborn | killed | timeout | survived | score |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nd; i++) {
      c_[d[i], "sites"] = dsites[d[i]]
      split("stillborn unbuilt killed timeout survived", st, " ")
      for (j in st) c_[d[i], st[j]] = cd[d[i], st[j]]
      print row(d[i])
    }
    c_["all", "sites"] = total
    split("stillborn unbuilt killed timeout survived", st, " ")
    for (j in st) c_["all", st[j]] = c[st[j]]
    print row("all")
    print ""
    print "Survivors (" ns "):"
    print ""
    print "| site | op | original | replacement |"
    print "|---|---|---|---|"
    for (i = 1; i <= ns; i++) print surv[i]
  }' "$RESULTS" > "$SUMMARY"
cat "$SUMMARY"
echo "run_mutants: results in $RESULTS, summary in $SUMMARY"
