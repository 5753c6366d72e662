#!/usr/bin/env bash
# The SDK out of tree: install this build into a fresh prefix, build
# examples/out-of-tree against it twice (find_package(xabi), then plain cc with
# pkg-config xabi-guest), and run both images under the installed xabi-host.
#
#   tests/install/install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER
set -euo pipefail
build=$1 src=$2 cc=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/xabi-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log" || { cat "$work/install.log" >&2; fail "cmake --install failed"; }
host=$work/prefix/bin/xabi-host
[ -x "$host" ] || fail "no bin/xabi-host in the installed tree"
[ -x "$work/prefix/libexec/xabi/xabi-bootstrap" ] || fail "no libexec/xabi/xabi-bootstrap in the installed tree"
want="hello from outside the xabi tree (ABI 1)"

# 1. CMake: find_package(xabi) + xabi_add_guest, nothing from the source tree
# but the example itself.
cmake -S "$src/examples/out-of-tree" -B "$work/guest" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_C_COMPILER="$cc" > "$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; fail "configuring the out-of-tree guest failed"; }
cmake --build "$work/guest" > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "building the out-of-tree guest failed"; }
# The bootstrap must come from the installed tree, not the build it was made in.
out=$(env -u XABI_BOOTSTRAP "$host" run --bootstrap "$work/prefix/libexec/xabi/xabi-bootstrap" "$work/guest/hello") || fail "xabi-host run (CMake-built guest) exited $?"
[ "$out" = "$want" ] || fail "CMake-built guest printed '$out', want '$want'"

# 2. pkg-config: the same guest with a plain compiler command line.
export PKG_CONFIG_PATH=$work/prefix/lib/pkgconfig
cflags=$(pkg-config --cflags xabi-guest) || fail "pkg-config --cflags xabi-guest failed"
libs=$(pkg-config --libs xabi-guest) || fail "pkg-config --libs xabi-guest failed"
# shellcheck disable=SC2086
"$cc" $cflags "$src/examples/out-of-tree/hello.c" $libs -o "$work/hello-pc" 2> "$work/pc.log" || { cat "$work/pc.log" >&2; fail "building with pkg-config failed"; }
out=$("$host" run "$work/hello-pc") || fail "xabi-host run (pkg-config guest) exited $?"
[ "$out" = "$want" ] || fail "pkg-config guest printed '$out', want '$want'"
# The KVM host, installed, finds its PAL in the installed tree (where /dev/kvm works).
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  kvm=$work/prefix/bin/xabi-kvm
  [ -x "$kvm" ] || fail "no bin/xabi-kvm in the installed tree"
  [ -r "$work/prefix/libexec/xabi/xabi-kvm-pal" ] || fail "no libexec/xabi/xabi-kvm-pal in the installed tree"
  out=$(env -u XABI_KVM_PAL "$kvm" run --pal "$work/prefix/libexec/xabi/xabi-kvm-pal" "$work/hello-pc") || fail "xabi-kvm run exited $?"
  [ "$out" = "$want" ] || fail "xabi-kvm printed '$out', want '$want'"
fi
echo "install_test: installed tree, find_package(xabi) and pkg-config xabi-guest guests all run"
