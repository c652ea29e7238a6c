#!/bin/sh
# Builds (if needed) and runs the whole test suite.
#   ./test.sh                 normal build in ./build
#   NS_SANITIZE=ON ./test.sh  AddressSanitizer + UBSan build in ./build-asan
#   NS_SANITIZE=thread ./test.sh
#                             ThreadSanitizer build in ./build-tsan: the tests
#                             that run threads in process as plain programs
#                             (tests/tsan/: Criterion cannot run under TSan)
set -eu
cd "$(dirname "$0")"
san="${NS_SANITIZE:-OFF}"
dir=build
only=""
[ "$san" = "ON" ] && dir=build-asan
if [ "$san" = "thread" ]; then
    dir=build-tsan
    only="^tsan_"
fi
cmake -S . -B "$dir" -DNS_SANITIZE="$san" -DNS_WERROR=ON >/dev/null
if [ -n "$only" ]; then
    cmake --build "$dir" -j"$(nproc)" --target tsan_all # tests/CMakeLists.txt
else
    cmake --build "$dir" -j"$(nproc)"
fi
if [ -n "$only" ]; then
    ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" -R "$only"
else
    ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
fi
