#!/usr/bin/env python3
"""Mutation check of the test suite: does every plausible bug fail a test?

Each mutant in tests/mutants.txt changes one place of the code (a pattern
that must occur exactly once in its file, and its replacement).  For each
one, this script applies it to a scratch copy of the tree, rebuilds, runs
the suites named for it first (the ones expected to catch it) and then, if
they all pass, the rest of the suite, and reports the mutant as

  killed    some test failed
  SURVIVED  every suite passed: a gap in the tests
  BROKEN    the mutant does not build (-Werror): rewrite it, it tests nothing
  STALE     its pattern no longer occurs exactly once: the list needs care

and exits 1 if any mutant survived, is stale or broken.  SQLite keeps its test
suite honest the same way.  It is slow (a rebuild and test run per mutant),
so it runs on demand, not in CI:

  tests/mutate.py                   every mutant
  tests/mutate.py --only 3,7        some of them (numbers from --list)
  tests/mutate.py --list            the list, numbered
  tests/mutate.py --keep DIR        reuse DIR as the scratch tree/build

Format of tests/mutants.txt: blocks separated by blank lines, each

  # what it breaks (one or more comment lines)
  file: path/in/the/tree.c
  suites: test_sr_rank test_cli_nsearch       (optional: tried first)
  - the exact original text (one line; \\n and \\t are escapes)
  + the replacement text

"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def unescape(s):
    # one pass, so that "\\t" (a backslash and a t, as in C source) is not
    # read as a backslash and a tab; other backslashes stay as they are
    return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], s)


def load(path):
    mutants, cur = [], None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for raw in lines + [""]:
        line = raw.rstrip("\n")
        if not line.strip():
            if cur and "file" in cur:
                mutants.append(cur)
            cur = None
            continue
        if cur is None:
            cur = {"why": [], "suites": []}
        if line.startswith("#"):
            cur["why"].append(line[1:].strip())
        elif line.startswith("file:"):
            cur["file"] = line[5:].strip()
        elif line.startswith("suites:"):
            cur["suites"] = line[7:].split()
        elif line.startswith("- "):
            cur["old"] = unescape(line[2:])
        elif line.startswith("+ ") or line == "+":
            cur["new"] = unescape(line[2:])
        else:
            sys.exit("mutants.txt: cannot read line: %s" % line)
    for m in mutants:
        if "old" not in m or "new" not in m:
            sys.exit("mutants.txt: mutant in %s lacks '-' or '+'" % m["file"])
    return mutants


def run(cmd, cwd, timeout=1800):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return 124, "timeout"


def copy_tree(dst):
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           stdout=subprocess.PIPE, check=True).stdout.decode().split("\n")
    for rel in files:
        if not rel or rel.startswith("build"):
            continue
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue
        out = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copy2(src, out)


def ctest(build, suites, jobs):
    cmd = ["ctest", "--test-dir", build, "-j", str(jobs), "--stop-on-failure"]
    if suites:
        cmd += ["-R", "^(" + "|".join(suites) + ")$"]
    rc, out = run(cmd, build)
    return rc == 0, out


def main():
    ap = argparse.ArgumentParser(description="mutation check of the test suite")
    ap.add_argument("--mutants", default=os.path.join(ROOT, "tests", "mutants.txt"))
    ap.add_argument("--only", help="comma-separated mutant numbers")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", help="scratch directory to use and keep")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    mutants = load(a.mutants)
    if a.list:
        for i, m in enumerate(mutants, 1):
            print("%3d %-28s %s" % (i, m["file"], "; ".join(m["why"])))
        return 0
    pick = set(int(x) for x in a.only.split(",")) if a.only else None
    scratch = a.keep or tempfile.mkdtemp(prefix="nsearch-mutate-")
    src, build = os.path.join(scratch, "src"), os.path.join(scratch, "build")
    if os.path.isdir(src):
        shutil.rmtree(src)
    os.makedirs(src)
    copy_tree(src)
    rc, out = run(["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                   "-DNS_BUILD_BENCH=OFF", "-DNS_WERROR=ON"], scratch)
    if rc:
        sys.exit("cmake failed:\n" + out)
    rc, out = run(["cmake", "--build", build, "-j", str(a.jobs)], scratch)
    if rc:
        sys.exit("the unmutated tree does not build:\n" + out[-3000:])
    ok, out = ctest(build, None, a.jobs)
    if not ok:
        sys.exit("the unmutated tree fails its tests:\n" + out[-3000:])
    results = []
    for i, m in enumerate(mutants, 1):
        if pick and i not in pick:
            continue
        path = os.path.join(src, m["file"])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        t0 = time.time()
        n = text.count(m["old"])
        if n != 1:
            verdict = "STALE (pattern found %d times)" % n
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(m["old"], m["new"], 1))
            rc, out = run(["cmake", "--build", build, "-j", str(a.jobs)], scratch)
            if rc:
                # not a test's catch: the mutant must be rewritten to build
                verdict = "BROKEN (does not build)"
            else:
                ok, out = ctest(build, m["suites"], a.jobs)
                if ok and m["suites"]:
                    ok, out = ctest(build, None, a.jobs)
                verdict = "SURVIVED" if ok else "killed"
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.utime(path)
        results.append((i, m, verdict))
        print("%3d %-9s %5.0fs %s: %s" % (i, verdict.split()[0], time.time() - t0, m["file"],
                                           "; ".join(m["why"])), flush=True)
    run(["cmake", "--build", build, "-j", str(a.jobs)], scratch)  # back to the real tree
    bad = [r for r in results if not r[2].startswith("killed")]
    print("\n%d mutants: %d killed, %d survived, %d stale, %d broken" %
          (len(results), len(results) - len(bad),
           sum(1 for r in bad if r[2] == "SURVIVED"),
           sum(1 for r in bad if r[2].startswith("STALE")),
           sum(1 for r in bad if r[2].startswith("BROKEN"))))
    for i, m, v in bad:
        print("  %d %s: %s (%s)" % (i, m["file"], v, "; ".join(m["why"])))
    if not a.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
