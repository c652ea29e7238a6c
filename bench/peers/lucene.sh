#!/bin/sh
# Builds (when needed) and runs bench/peers/LuceneBench.java, the Lucene 8
# peer, against Debian's liblucene8-java (apt-get install liblucene8-java):
#   bench/peers/lucene.sh version | index ... | query ...   (see LuceneBench.java)
# bench/peers/peers.py --engines lucene calls it; it can be run alone too.
# LUCENE_JARS: a classpath of lucene-core, lucene-analyzers-common and
#   lucene-queryparser 8.x jars (default: those in /usr/share/java).
# LUCENE_CLASSES: where the compiled class goes (default
#   ${TMPDIR:-/tmp}/nsearch-lucene-<uid>, rebuilt when the source is newer).
# LUCENE_JAVA_OPTS: JVM options (default -Xms1g -Xmx1g -XX:+UseParallelGC).
# Exit 3 (a message on stderr) when java, javac or a jar is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for tool in java javac; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "lucene.sh: no $tool on PATH (apt-get install openjdk-17-jdk-headless)" >&2
        exit 3
    fi
done
jars=${LUCENE_JARS:-}
if [ -z "$jars" ]; then
    for n in core analyzers-common queryparser; do
        j=$(ls /usr/share/java/lucene-$n-8.*.jar 2>/dev/null | sort | tail -n 1)
        if [ -z "$j" ]; then
            echo "lucene.sh: no lucene-$n 8.x jar in /usr/share/java (apt-get install liblucene8-java)" >&2
            exit 3
        fi
        jars="$jars${jars:+:}$j"
    done
fi
classes=${LUCENE_CLASSES:-${TMPDIR:-/tmp}/nsearch-lucene-$(id -u)}
if [ ! -f "$classes/LuceneBench.class" ] || [ "$here/LuceneBench.java" -nt "$classes/LuceneBench.class" ]; then
    mkdir -p "$classes"
    javac -nowarn -encoding UTF-8 -d "$classes" -cp "$jars" "$here/LuceneBench.java" >&2
fi
# shellcheck disable=SC2086
exec java ${LUCENE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseParallelGC} -cp "$classes:$jars" LuceneBench "$@"
