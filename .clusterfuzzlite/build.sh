#!/bin/bash -eu
# Builds every xabi fuzz target the way ClusterFuzzLite/OSS-Fuzz expect:
# compiler, instrumentation and engine from the builder's environment
# ($CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE), targets in $OUT with their
# seed corpora (<target>_seed_corpus.zip: corpus plus regression inputs),
# dictionaries (<target>.dict) and libFuzzer options (<target>.options).
# fuzz/cflite_check.sh runs it locally with Debian's clang and libFuzzer.
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${WORK:?}/xabi-build
# No -Werror: the builder's clang is newer than the one CI pins, and a new
# warning must not stop continuous fuzzing. CMake reads $CFLAGS/$CXXFLAGS.
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DXABI_FUZZ=ON -DXABI_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target fuzz_all -j "$(nproc)"

for t in $(cat "$build/fuzz/targets.txt"); do
  name=fuzz_$t
  cp "$build/fuzz/$name" "$OUT/"
  seeds=$(mktemp -d)
  cp -r "$src/fuzz/corpus/$t/." "$seeds/" 2>/dev/null || true
  cp -r "$src/fuzz/regressions/$t/." "$seeds/" 2>/dev/null || true
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$seeds" && cmake -E tar cf "$OUT/${name}_seed_corpus.zip" --format=zip -- .)
  rm -rf "$seeds"
  {
    echo "[libfuzzer]"
    echo "timeout = 5"
    echo "rss_limit_mb = 2048"
  } > "$OUT/$name.options"
  if [ -f "$src/fuzz/dictionaries/$t.dict" ]; then
    cp "$src/fuzz/dictionaries/$t.dict" "$OUT/$name.dict"
    echo "dict = $name.dict" >> "$OUT/$name.options"
  fi
done
echo "built: $(sed 's/^/fuzz_/' "$build/fuzz/targets.txt" | tr '\n' ' ')"
