#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<surface>/ (deterministic).

    tests/fuzz/make_seeds.py [--nindex build/nindex]

The index seeds pack tests/golden/v4 (the current format), tests/golden/v3
and v2 (old formats, refused at open) and small indexes freshly built with nindex
into fuzz_index's container (see pack_index / fuzz_index.c); the others are written from the inline samples below and tests/golden/v1.jsonl.
Inputs that crashed a fuzzer (crash-*, committed after the fix) are kept:
only the seed-* files are rewritten."""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
# In the order of their kinds (ns_file_kind, NS_FILE_META = 1 .. NS_FILE_DOCS = 7).
INDEX_FILES = ["meta", "terms", "postings", "positions", "doclens", "docstore", "docs"]

# The libstemmer languages in sb_stemmer_list() order on Debian 12 (the
# analyzer fuzzer takes flags & 63 modulo their number + 1; the last is "none").
LANGS = ["arabic", "armenian", "basque", "catalan", "danish", "dutch", "english", "finnish",
         "french", "german", "greek", "hindi", "hungarian", "indonesian", "irish", "italian",
         "lithuanian", "nepali", "norwegian", "porter", "portuguese", "romanian", "russian",
         "serbian", "spanish", "swedish", "tamil", "turkish", "yiddish"]


def pack_index(index_dir, query=b""):
    """fuzz_index's container: per file u32le length + bytes, then a query.
    An index of an older format that lacks the last files (tests/golden/v2 has
    no docs) ends after the files it has, so it cannot carry a query."""
    out = b""
    for i, name in enumerate(INDEX_FILES):
        path = os.path.join(index_dir, name)
        if not os.path.exists(path):
            assert not query and all(not os.path.exists(os.path.join(index_dir, n))
                                     for n in INDEX_FILES[i:]), index_dir
            return out
        with open(path, "rb") as f:
            data = f.read()
        out += struct.pack("<I", len(data)) + data
    return out + query


def write(surface, name, data):
    d = os.path.join(CORPUS, surface)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


BAD_JSONL = (b'{"id":"a","title":"Alpha","body":"the quick brown fox jumps"}\n'
             b'{"id":"b","title":"Bravo","body":"truncated pelican\n'
             b'{"id":"c","body":"bad escape \\q heron"}\n'
             b'{"id":"d","title":"Delta","body":"caf\xff\xfe marmot"}\n'
             b'\n'
             b'{"title":"No id","body":"walrus orphan"}\n'
             b'{"id":"e","title":"","body":""}\n'
             b'{"id":"dup","body":"oldversion giraffe"}\n'
             b'{"id":"f","body":"zebra stripes","date":"2020-01-01","url":"http://x.org/f"}\n'
             b'{"id":"dup","body":"newversion okapi"}\n'
             b'{"id":12.5e3,"text":"numeric id text member","title":null}\n'
             b'{"id":"g","title":["not","a","string"],"body":{"nested":[1,2,{"x":true}]}}\n'
             b'{"id":"h","body":"escapes \\u00e9\\ud83d\\ude00 \\ud800 lone \\n\\t\\"q\\""}\n'
             b'[1,2,3]\n'
             b'{"id":"i","body":"no newline at the end"}')

JSON_SAMPLES = {
    "object": b'{"id":"g1","title":"Alliance","body":"Leaders meet.","date":"2022-03-24"}',
    "numbers": b'{"id":-0.5e-3,"a":[0,1e9,-1.25E+2,true,false,null],"url":1}',
    "escapes": b'{"body":"\\u0000\\u00e9\\ud83d\\ude00\\ud800\\udc00\\ude00 \\/\\b\\f\\n\\r\\t"}',
    "nested": b'{"a":' + b'[' * 40 + b'{}' + b']' * 40 + b',"id":"deep"}',
    "deep": b'{"a":' + b'[' * 70 + b']' * 70 + b'}',
    "repeat": b'  {"id":"x","id":"y","":"empty name","title":"t"}  \n',
    "utf8": '{"title":"Οδύσσεια Москва","body":"caf\u00e9"}'.encode() + b' {"x":"\xff"}',
    "bad": b'{"id":"a",}',
    "string": b'"just a string"',
}

# JSON Lines whose objects have members beyond id/title/body/date/url:
# arrays, objects, numbers, booleans, null, a repeated name, "text" beside a
# "body", and strings over NS_DOCS_INLINE_MAX = 256 bytes, which the docs
# table leaves to the document's docstore frame (FORMAT.md "docs").
LONG_VALUE = ("long member value " * 20).encode()       # 360 bytes
LONG_ARRAY = b"[" + b",".join(b'"item%03d"' % i for i in range(40)) + b"]"   # 401 bytes
EXTRA_JSONL = (
    b'{"id":"ex-1","title":"Extra members","body":"heron marsh reeds","topics":["birds","water"],'
    b'"score":12.5,"count":-3,"flag":true,"none":null,"meta":{"a":[1,2,{"b":false}],"c":"d"}}\n'
    b'{"id":"ex-2","body":"pelican coast","note":"' + LONG_VALUE + b'","list":' + LONG_ARRAY +
    b',"text":"a text member beside a body"}\n'
    b'{"id":"ex-3","title":"No body, a long value","summary":"' + LONG_VALUE + b'","n":1e300}\n'
    b'{"id":"ex-4","body":"repeated names","tag":"first","tag":"second","e":"\\u00e9\\ud83d\\ude00"}\n'
    b'{"id":"ex-5","body":"","empty":"","arr":[],"obj":{}}\n'
    b'{"id":"ex-6","text":"only a text member, a long topic","topics":' + LONG_ARRAY + b'}\n'
    b'{"id":"ex-1","body":"a later ex-1 wins okapi","score":7}\n')

TEXTS = {
    "english": b"Leaders of the alliance meet in Brussels. Article Five's commitments; "
               b"running runners ran. don't it's  RUSSIA'S Russia\xe2\x80\x99s",
    "french": "Les dirigeants de l'alliance se réunissent à Bruxelles; œuvre, naïveté.".encode(),
    "russian": "Москва — столица России. Встречи и встреча, ЁЛКИ ёлки.".encode(),
    "greek": "Ἄνδρα μοι ἔννεπε, Μοῦσα, πολύτροπον. ΟΔΥΣΣΕΥΣ ὈΔΥΣΣΕΎΣ ς σ Σ".encode(),
    "german": "Straße STRASSE Fußbälle Mädchen ÄÖÜ ǅ ﬁ İstanbul".encode(),
    "turkish": "İstanbul'da ISPARTA ıslak Iğdır kitapları".encode(),
    "arabic": "المكتبة الكتب كتب ١٢٣ ٤٥".encode(),
    "hindi": "हिन्दी भाषा में लिखा गया पाठ".encode(),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nindex", default=os.path.join(ROOT, "build", "nindex"))
    args = ap.parse_args()

    # json: single objects, and every line of the broken JSON Lines fixture.
    for name, data in JSON_SAMPLES.items():
        write("json", name, data)
    for i, line in enumerate(BAD_JSONL.split(b"\n")):
        write("json", "line%02d" % (i + 1), line)

    # jsonl: flags byte (1 commit, 2 stop list, 4 language none, 8 keyword
    # fields topics, tags, a) + file.
    with open(os.path.join(ROOT, "tests", "golden", "v1.jsonl"), "rb") as f:
        golden = f.read()
    golden_head = b"".join(golden.splitlines(True)[:12])
    write("jsonl", "broken-commit", b"\x01" + BAD_JSONL)
    write("jsonl", "broken-wait", b"\x00" + BAD_JSONL)
    write("jsonl", "golden-head-stop-commit", b"\x03" + golden_head)
    write("jsonl", "golden-none-commit", b"\x05" + golden)
    write("jsonl", "empty-commit", b"\x01")
    write("jsonl", "extra-keywords-commit", b"\x09" + EXTRA_JSONL)

    # text: flags byte + file.
    with open(os.path.join(ROOT, "corpus", "000_599a60e16b94297e.txt"), "rb") as f:
        article = f.read()
    write("text", "article-commit", b"\x03" + article)
    write("text", "article-wait", b"\x00" + article[:600])
    write("text", "blank-lines-title", b"\x01" + b"\n\n  \r\n  Title after blanks\r\nbody line\r\n")
    write("text", "invalid-utf8", b"\x01" + b"Caf\xc3 \xff\xfe title\nbody \xed\xa0\x80 surrogate\n")
    write("text", "binary", b"\x01" + bytes(range(256)))
    write("text", "stopwords-only", b"\x03" + b"the of and\nto a in\n")
    write("text", "no-words-commit", b"\x01" + b"... --- !!!\n")
    # UTF-16/UTF-32 by their byte-order mark (converted with iconv); the
    # first with a lone low surrogate and an odd last byte
    uni = "Title caf\xe9\nna\xefve genet \U0001F600\n"
    le16 = b"\xff\xfe" + uni.encode("utf-16-le")
    write("text", "utf16le-bom-invalid", b"\x01" + le16[:30] + b"\x00\xdc" + le16[30:] + b"z")
    write("text", "utf16be-bom", b"\x00" + b"\xfe\xff" + uni.encode("utf-16-be"))
    write("text", "utf32le-bom", b"\x01" + b"\xff\xfe\x00\x00" + uni.encode("utf-32-le"))

    # analyzer: flags byte (language index, 64 cache off, 128 stop list) + text.
    n = len(LANGS) + 1
    for lang, text in TEXTS.items():
        i = LANGS.index(lang)
        write("analyzer", lang, bytes([i]) + text)
    write("analyzer", "english-stop", bytes([128 | LANGS.index("english")]) + TEXTS["english"])
    write("analyzer", "english-nocache", bytes([64 | LANGS.index("english")]) + TEXTS["english"])
    write("analyzer", "none", bytes([n - 1]) + TEXTS["german"] + b" " + TEXTS["greek"])
    write("analyzer", "long-words", bytes([LANGS.index("english")]) + b"a" * 64 + b" " +
          b"b" * 65 + b" " + "é".encode() * 33 + b" ok")

    # index: tests/golden/v4, the old-format v3 and v2, and fresh small indexes.
    golden = os.path.join(ROOT, "tests", "golden")
    v4 = os.path.join(golden, "v4")
    write("index", "golden-v4", pack_index(v4))
    write("index", "golden-v4-query", pack_index(v4, "alliance Brussels Οδύσσεια".encode()))
    v3 = os.path.join(golden, "v3")
    write("index", "golden-v3", pack_index(v3))
    write("index", "golden-v3-query", pack_index(v3, "alliance Brussels Οδύσσεια".encode()))
    write("index", "golden-v2", pack_index(os.path.join(golden, "v2")))
    stale = os.path.join(CORPUS, "index", "seed-golden-v2-query")  # v2 cannot carry a query
    if os.path.exists(stale):
        os.remove(stale)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "small.jsonl")
        with open(src, "wb") as f:
            f.write(BAD_JSONL)
        extra = os.path.join(tmp, "extra.jsonl")
        with open(extra, "wb") as f:
            f.write(EXTRA_JSONL)
        for name, opts, inp, query in [
                ("small-english", [], src, b"fox zebra okapi"),
                ("small-none", ["--lang", "none", "--stopwords", "none"], src, b"fox zebra okapi"),
                ("corpus-french", ["--lang", "french"], os.path.join(ROOT, "corpus"),
                 b"fox zebra okapi"),
                ("extra-members", [], extra, b"ex-2"),
                # keyword fields (format 4.0): arrays, a long array, a repeated name
                ("keyword-fields", ["--field", "topics", "--field", "tag", "--field", "none"],
                 extra, b"heron")]:
            out = os.path.join(tmp, name)
            subprocess.run([args.nindex, "-q", "-o", out] + opts + [inp], check=True)
            write("index", name, pack_index(out, query))


if __name__ == "__main__":
    sys.exit(main())
