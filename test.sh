#!/bin/sh
# Builds (if needed) and runs the whole test suite.
#   ./test.sh                 normal build in ./build
#   NS_SANITIZE=ON ./test.sh  AddressSanitizer + UBSan build in ./build-asan
set -eu
cd "$(dirname "$0")"
san="${NS_SANITIZE:-OFF}"
dir=build
[ "$san" = "ON" ] && dir=build-asan
cmake -S . -B "$dir" -DNS_SANITIZE="$san" -DNS_WERROR=ON >/dev/null
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
