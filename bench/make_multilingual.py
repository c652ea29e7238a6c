#!/usr/bin/env python3
"""A non-ASCII corpus for the analyzer benchmark, from Debian's translated
manual pages (packages manpages-de, manpages-fr, manpages-ja, manpages-zh,
manpages-ru, ...): one JSON Lines document per page, roff requests and
escapes stripped.  Nothing here is committed: the output goes where -o says.

    bench/make_multilingual.py -o /tmp/multi.jsonl [--langs de,fr,ja,zh_CN,ru]

Prints the number of documents, bytes and the share of non-ASCII bytes."""
import argparse
import gzip
import json
import os
import re
import sys

ESC = re.compile(r"\\(?:f[BIRP]|f\(..|f\[[^\]]*\]|s[-+]?\d|\(..|\[[^\]]*\]|\*.|[-&e|^0 ~%c]|.)")


def page_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8", errors="replace")
    out = []
    for line in text.splitlines():
        if line.startswith((".", "'")):
            # keep the text of .SH/.SS/.B/.I headings, drop other requests
            m = re.match(r"^[.'](?:SH|SS|B|I|BI|BR|IB|IR|RB|RI|TP|IP)\s+(.*)$", line)
            if not m:
                continue
            line = m.group(1).replace('"', "")
        line = ESC.sub(lambda m: "-" if m.group(0) == r"\-" else "", line)
        out.append(line)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--langs", default="de,fr,es,it,pt,pl,ru,ja,zh_CN,ko")
    ap.add_argument("--man", default="/usr/share/man")
    a = ap.parse_args()
    n = total = high = 0
    with open(a.output, "w", encoding="utf-8") as out:
        for lang in a.langs.split(","):
            root = os.path.join(a.man, lang)
            if not os.path.isdir(root):
                print(f"make_multilingual: no {root} (install manpages-{lang.split('_')[0].lower()})",
                      file=sys.stderr)
                continue
            for dirpath, _, files in sorted(os.walk(root)):
                for fn in sorted(files):
                    p = os.path.join(dirpath, fn)
                    if os.path.islink(p):
                        continue
                    body = page_text(p)
                    if len(body) < 200:
                        continue
                    b = body.encode("utf-8")
                    total += len(b)
                    high += sum(1 for c in b if c >= 0x80)
                    rec = {"id": f"{lang}/{fn}", "title": fn, "body": body}
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    n += 1
    if n == 0:
        sys.exit("make_multilingual: no pages found")
    print(f"{n} documents, {total} bytes, {100.0 * high / max(total, 1):.1f}% non-ASCII bytes")


if __name__ == "__main__":
    main()
