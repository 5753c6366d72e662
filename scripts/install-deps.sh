#!/usr/bin/env bash
# Installs the Debian packages xabi builds and tests with, only those missing.
# Run by `make` before configuring, so a fresh Debian 12 machine needs nothing else.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang-14 pkg-config
  libprotobuf-dev protobuf-compiler
  libgtest-dev googletest libgmock-dev
  libbenchmark-dev librapidcheck-dev libz3-dev
  libseccomp-dev libcpp-httplib-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libclang-rt-14-dev libfuzzer-14-dev
  curl python3
  busybox-static  # the legacy corpus: unmodified binaries nobody here built (issue 13)
  bubblewrap  # the legacy start-up benchmark's comparison (bench/legacy)
  chromium  # headless: report.html is laid out in a real browser by the tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "xabi: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "xabi: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
