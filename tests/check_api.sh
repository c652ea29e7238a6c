#!/bin/sh
# The public library's surface (ctest api_surface):
#  - libnsearch.so exports nsearch_* functions only, and has a SONAME;
#  - include/nsearch.h compiles on its own as C11 and as C++, with
#    -Wall -Wextra -Werror -pedantic;
#  - the programs (PROGRAMS_DIR: nindex, nsearch, nsearch serve and their
#    modules) include nothing of the project but nsearch.h and their own
#    headers in PROGRAMS_DIR, and the programs link no internal library.
#   tests/check_api.sh LIBNSEARCH_SO INCLUDE_DIR CC CXX PROGRAMS_DIR [PROGRAM...]
set -eu
so="$1" inc="$2" cc="$3" cxx="$4" progdir="$5"
shift 5
inner=""
for name in $(grep -h '^#include "' "$progdir"/*.c "$progdir"/*.h | sed 's/^#include "\([^"]*\)".*/\1/' | sort -u); do
    [ "$name" = nsearch.h ] || [ -f "$progdir/$name" ] || inner="$inner#include \"$name\"
"
done
if [ -n "$inner" ]; then
    echo "check_api: the programs include internal headers:" >&2
    echo "$inner" >&2
    exit 1
fi
for p in "$@"; do
    # an internal module linked in would leave its prefix in the program
    internal=$(nm --defined-only "$p" | awk '{print $3}' | grep -E '^(ns|ix|sr)_' | grep -v '^ns_fault' || true)
    if [ -n "$internal" ]; then
        echo "check_api: $p holds internal code:" >&2
        echo "$internal" | head -5 >&2
        exit 1
    fi
    ldd "$p" | grep -q 'libnsearch\.so\.' || { echo "check_api: $p does not use libnsearch.so" >&2; exit 1; }
done
echo "check_api: the programs use nsearch.h only ($progdir)"
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
