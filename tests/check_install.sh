#!/bin/sh
# The installed library (ctest install_examples): cmake --install into a
# temporary prefix puts the programs, nsearch.h, libnsearch.so with its
# SONAME link, nsearch.pc, the CMake package, the man pages and the
# LICENSE in their places; the installed programs run without
# LD_LIBRARY_PATH (their RPATH finds the library); libnsearch.a defines
# nsearch_* symbols only; the examples/ programs then build from outside the
# source tree with pkg-config and with find_package(nsearch), against the
# shared and against the static library, and index and search the seed
# corpus.
#   tests/check_install.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR
set -eu
build="$1" src="$2" tmp="$3"
rm -rf "$tmp"
mkdir -p "$tmp"
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
fail() { echo "check_install: $*" >&2; exit 1; }
for f in bin/nindex bin/nsearch include/nsearch.h share/man/man1/nindex.1 share/man/man1/nsearch.1 \
         share/man/man3/nsearch.3 share/doc/nsearch/LICENSE; do
    [ -f "$prefix/$f" ] || fail "$f was not installed"
done
lib=$(dirname "$(find "$prefix" -name 'libnsearch.so.*.*' | head -n 1)")
[ -n "$lib" ] && [ -L "$lib/libnsearch.so" ] && [ -L "$lib/libnsearch.so.0" ] ||
    fail "libnsearch.so and its SONAME link were not installed"
[ -f "$lib/pkgconfig/nsearch.pc" ] || fail "nsearch.pc was not installed"
[ -f "$lib/libnsearch.a" ] || fail "libnsearch.a was not installed"
others=$(nm -g --defined-only "$lib/libnsearch.a" | awk 'NF == 3 {print $3}' | grep -v '^nsearch_' || true)
[ -z "$others" ] || fail "libnsearch.a defines symbols without the nsearch_ prefix: $(echo $others | head -c 300)"
for p in nindex nsearch; do
    env -u LD_LIBRARY_PATH "$prefix/bin/$p" --version >/dev/null ||
        fail "the installed $p does not run (RPATH)"
    used=$(ldd "$prefix/bin/$p" | awk '/libnsearch\.so/ {print $3}')
    [ -n "$used" ] && [ "$(readlink -f "$used")" = "$(readlink -f "$lib/libnsearch.so.0")" ] ||
        fail "the installed $p does not use the installed library: '$used'"
done
[ -f "$lib/cmake/nsearch/nsearchConfig.cmake" ] || fail "the CMake package was not installed"
if command -v man >/dev/null; then
    for f in "$prefix"/share/man/man*/*.[13]; do
        man -l "$f" >/dev/null 2>"$tmp/man.err" || fail "man cannot format $f: $(cat "$tmp/man.err")"
    done
else
    echo "check_install: no man(1) here: the man pages were not formatted" >&2
fi
# every option of --help (its option lines) is in the program's man page
for p in nindex nsearch; do
    sed 's/\\-/-/g; s/\\f[BRI]//g' "$prefix/share/man/man1/$p.1" >"$tmp/$p.txt"
    for o in $("$prefix/bin/$p" --help | grep -E -- '^ +(-[a-zA-Z], )?--[a-z]' |
               grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -q -- "$o" "$tmp/$p.txt" || fail "$p --help has $o, man/$p.1 does not"
    done
done

check() { # how, the example programs' directory[, static]
    if [ "${3:-}" = static ]; then
        if ldd "$2/nsearch-search" | grep -q libnsearch; then fail "$1: linked with libnsearch.so"; fi
    else
        ldd "$2/nsearch-search" | grep -q libnsearch || fail "$1: not linked with libnsearch.so"
    fi
    LD_LIBRARY_PATH="$lib" "$2/nsearch-index" "$tmp/idx-$1" "$src/corpus" ||
        fail "$1: nsearch-index failed"
    out=$(LD_LIBRARY_PATH="$lib" "$2/nsearch-search" "$tmp/idx-$1" "Article Five") ||
        fail "$1: nsearch-search failed"
    echo "$out" | grep -q "^1\. \[.*\] 000_599a60e16b94297e.txt$" ||
        fail "$1: unexpected results: $out"
    echo "$out" | grep -q "invocation of Article Five" || fail "$1: no snippet: $out"
    echo "check_install: examples built with $1 index and search the seed corpus"
}
cp -R "$src/examples" "$tmp/ex-pc"
PKG_CONFIG_PATH="$lib/pkgconfig" make -s -C "$tmp/ex-pc" >/dev/null
check pkg-config "$tmp/ex-pc"
cp -R "$src/examples" "$tmp/ex-cmake"
cmake -S "$tmp/ex-cmake" -B "$tmp/ex-cmake/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/ex-cmake/build" >/dev/null
check find_package "$tmp/ex-cmake/build"
cp -R "$src/examples" "$tmp/ex-pc-static"
PKG_CONFIG_PATH="$lib/pkgconfig" make -s -C "$tmp/ex-pc-static" STATIC=1 >/dev/null
check "pkg-config --static" "$tmp/ex-pc-static" static
cmake -S "$tmp/ex-cmake" -B "$tmp/ex-cmake/build-static" -DCMAKE_PREFIX_PATH="$prefix" \
      -DNSEARCH_STATIC=ON >/dev/null
cmake --build "$tmp/ex-cmake/build-static" >/dev/null
check "find_package, static" "$tmp/ex-cmake/build-static" static
