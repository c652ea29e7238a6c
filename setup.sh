#!/bin/sh
# One command from a fresh Debian 12 machine to a first search:
# installs the build dependencies, builds, indexes corpus/ into ./index and
# runs  nsearch "Article Five".
set -eu
cd "$(dirname "$0")"

PKGS="build-essential cmake pkg-config libstemmer-dev libzstd-dev libxxhash-dev libicu-dev libcriterion-dev libmicrohttpd-dev libjansson-dev unicode-data bzip2 libmpich-dev mpich"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing:$missing" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/nindex -o index corpus/
./build/nsearch -i index "Article Five"
