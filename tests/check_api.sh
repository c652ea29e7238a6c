#!/bin/sh
# The public library's surface (ctest api_surface):
#  - libnsearch.so exports nsearch_* functions only, and has a SONAME;
#  - include/nsearch.h compiles on its own as C11 and as C++, with
#    -Wall -Wextra -Werror -pedantic.
#   tests/check_api.sh LIBNSEARCH_SO INCLUDE_DIR CC CXX
set -eu
so="$1" inc="$2" cc="$3" cxx="$4"
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^nsearch_' || true)
if [ -n "$bad" ]; then
    echo "check_api: $so exports symbols without the nsearch_ prefix:" >&2
    echo "$bad" >&2
    exit 1
fi
n=$(nm -D --defined-only "$so" | grep -c ' T nsearch_')
echo "check_api: $n nsearch_* functions exported"
soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
case "$soname" in
    libnsearch.so.[0-9]*) echo "check_api: SONAME $soname" ;;
    *) echo "check_api: SONAME '$soname', want libnsearch.so.MAJOR" >&2; exit 1 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "nsearch.h"\n#include "nsearch.h"\nint main(void) { return nsearch_strerror(NSEARCH_OK) == 0; }\n' >"$tmp/c.c"
"$cc" -std=c11 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$tmp/c.c" -o "$tmp/c.o"
cp "$tmp/c.c" "$tmp/cxx.cpp"
"$cxx" -std=c++11 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$tmp/cxx.cpp" -o "$tmp/cxx.o"
echo "check_api: nsearch.h compiles alone as C11 and as C++11"
