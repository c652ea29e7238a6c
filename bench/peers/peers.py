#!/usr/bin/python3
"""peers: the same corpus and queries through SQLite FTS5, Xapian and Lucene 8.

    bench/peers/peers.py [index|query|all] --corpus CORPUS.jsonl [--queries Q.tsv]
                         [--workdir DIR] [--reuse] [--engines fts5,xapian,lucene]
                         [--k 10,1000] [--modes or,and] [--kinds term,phrase,...]
                         [--syntax auto|words|query] [--limit N] [--run DIR]

The reference points for nsearch's own figures (bench/nbench): how long
established engines take to index the same JSON Lines file, how big their
indexes are, and how fast they answer the same query log, each on one
thread: FTS5 and Xapian in-process from Python, Lucene 8 as a Java program
(bench/peers/LuceneBench.java through bench/peers/lucene.sh) whose JSON
lines are passed on.  bench/peers/README.md says what each engine is
configured to do and why.

  index  build each engine's index from the corpus (title + body), timed from
         opening the file to the last byte on disk: JSON parsing included.
  query  time the query log against each engine's index in --workdir, building
         it first when it is missing (an index that exists is reused).
  all    index, then query (the default).  Needs --queries.

Query kinds (bench/gen_queries.py --kind): a log made of the query language's
characters only is read in that language (--syntax auto): "phrases",
-exclusions, +required, AND/OR/NOT, prefix*; each query's kind is
bench/corpus_io.py's query_kind() and each kind present is timed on its
own, and the whole log as "mixed" when it holds several (--kinds picks).
Term queries are timed as before issue 10 (their words, ORed or ANDed).
Every query JSON line carries its "kind".

Every measurement is one JSON line on stdout; a readable table follows on
stderr.  Each engine checks its own results before a number is printed: the
index holds as many documents as were read, and the timed pass returns the
same top-k, in the same order, as the warm-up pass, sorted by score, at most
k hits, no duplicates (a CRC-32 of the ranked ids is printed as topk_crc32);
"empty" counts the queries without a hit (a warning for phrases, which are
drawn from documents).

Needs the system Python, /usr/bin/python3: its sqlite3 module has FTS5 and
Debian's python3-xapian installs there only (a pyenv `python3` on PATH lacks
xapian); Lucene needs java, javac and Debian's liblucene8-java.  An engine
that is missing is skipped with a message; so is a run whose corpus or query
file is absent (exit 0).

Exit status: 0 ok or skipped, 2 usage error, 4 a self-check or I/O failure.
"""
import argparse
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from corpus_io import open_corpus, query_kind  # noqa: E402  (bench/corpus_io.py)

PROG = "peers"
# Query words: what unicode61 and Xapian's TermGenerator both take as a word
# (letters and digits), lowercased.
WORD = re.compile(r"[^\W_]+")
# nsearch's BM25 parameters (README "Searching"); FTS5's bm25() has these
# built in, Xapian is told them.
BM25_K1, BM25_B = 1.2, 0.75


class SelfCheckError(Exception):
    pass


def note(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- input

class CorpusReader:
    """Iterates (seq, id, title, body) over a JSON Lines corpus, seq = 1..N in
    file order; counts the bytes read and the lines skipped.  Members follow
    nindex: id (string or number), title, body or else text."""

    def __init__(self, path):
        self.path = path
        self.bytes = 0
        self.docs = 0
        self.skipped = 0

    def __iter__(self):
        with open_corpus(self.path) as f:
            for line_no, line in enumerate(f, 1):
                self.bytes += len(line)
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                    id_ = d.get("id")
                except (ValueError, AttributeError):
                    self.skipped += 1
                    continue
                if isinstance(id_, (int, float)) and not isinstance(id_, bool):
                    id_ = str(id_)
                elif not isinstance(id_, str):
                    id_ = str(line_no)
                title = d.get("title")
                body = d.get("body", d.get("text"))
                title = title if isinstance(title, str) else ""
                body = body if isinstance(body, str) else ""
                self.docs += 1
                yield self.docs, id_, title, body


# The characters of the query language of issue 10 (bench/gen_queries.py
# --kind): a log made only of these is read as queries (--syntax auto).
SYNTAX_CHARS = re.compile(r'[A-Za-z0-9 "*+\-():~]*')


class Q:
    """One query: qid, its text, its words (lowercased [^\W_]+ runs: the
    term kind's query, as before issue 10), kind (query_kind() of the text,
    or "term" when the log is read as plain words) and, for the other kinds,
    its clauses (parse_query())."""
    __slots__ = ("qid", "text", "words", "kind", "clauses", "plain", "positive")

    def __init__(self, qid, text, words, kind):
        self.qid, self.text, self.words, self.kind = qid, text, words, kind
        self.clauses = parse_query(text) if kind != "term" else None
        # The text without field prefixes (title:oil -> oil): the peers
        # have the one field, so `field:` is dropped for all three.
        self.plain = FIELD.sub("", text)
        # Whether anything is sought besides exclusions (-opec alone matches
        # nothing in Lucene; Xapian's parser would seek opec).
        self.positive = kind == "term" or any(c[1] != "op" and c[0] != "-" for c in self.clauses)


FIELD = re.compile(r'(?<![\w"])[A-Za-z_]+:(?=["\w])')


def read_queries(path, limit, syntax="auto"):
    """Returns [Q]: `qid<TAB>text` lines (a line without a tab takes its line
    number as qid); queries without a word are dropped.  syntax "words": each
    query is its words (kind term); "query": the query language; "auto":
    "query" when every text is made of SYNTAX_CHARS only (a bench/gen_queries.py
    log; Cranfield's queries, with their punctuation, are words)."""
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line_no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            qid, tab, text = line.partition("\t")
            if not tab:
                qid, text = str(line_no), line
            words = WORD.findall(text.lower())
            if words:
                rows.append((qid, text, words))
            if limit and len(rows) >= limit:
                break
    if syntax == "auto":
        syntax = "query" if all(SYNTAX_CHARS.fullmatch(t) for _, t, _ in rows) else "words"
    return [Q(qid, text, words, query_kind(text) if syntax == "query" else "term") for qid, text, words in rows]


def parse_query(text):
    """The clauses of a query-language text, for the engines that do not parse
    it themselves (FTS5): a list of (sign, type, words, arg) with sign "" / "+"
    / "-", type "term", "phrase" (arg: slop or None), "prefix", or an operator
    / parenthesis as ("", "op", [AND|OR|NOT|(|)], None).  A `field:` prefix is
    dropped (FTS5 has the one column)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            out.append(("", "op", [c], None))
            i += 1
            continue
        sign = ""
        if c in "+-" and i + 1 < n and not text[i + 1].isspace():
            sign, i = c, i + 1
        m = re.match(r'[A-Za-z_]+:(?=["\w])', text[i:])
        if m:
            i += m.end()
        if i < n and text[i] == '"':
            j = text.find('"', i + 1)
            j = n if j < 0 else j
            words = WORD.findall(text[i + 1:j].lower())
            i = j + 1
            slop = None
            m = re.match(r"~(\d+)", text[i:])
            if m:
                slop, i = int(m.group(1)), i + m.end()
            if words:
                out.append((sign, "phrase" if len(words) > 1 or slop is not None else "term", words, slop))
            continue
        m = re.match(r'[^\s()"]+', text[i:])
        tok = m.group(0)
        i += m.end()
        if not sign and tok in ("AND", "OR", "NOT"):
            out.append(("", "op", [tok], None))
            continue
        words = WORD.findall(tok.lower())
        if not words:
            continue
        if tok.endswith("*") and len(words) == 1:
            out.append((sign, "prefix", words, None))
        elif len(words) > 1:   # u.s, crude-oil: the words in a row, as the tokenizers do
            out.append((sign, "phrase", words, None))
        else:
            out.append((sign, "term", words, None))
    return out


def fts5_clause(c):
    _, typ, words, slop = c
    if typ == "prefix":
        return '"' + words[0] + '"*'
    if typ == "phrase" and slop is not None:
        return "NEAR(" + " ".join('"' + w + '"' for w in words) + ", " + str(slop) + ")"
    return '"' + " ".join(words) + '"'   # [^\W_]+ runs: no quote inside


def fts5_match(clauses, mode):
    """The FTS5 MATCH expression of a parsed query.  Without operators:
    (positives joined by OR or AND by mode; when some are +required, only
    those, ANDed: FTS5 has no "should") NOT (exclusions ORed): FTS5's NOT is
    binary and binds tighter than AND and OR, hence the parentheses.  With
    AND/OR/NOT or parentheses: token for token, the mode's operator between
    two operands written side by side."""
    op = " OR " if mode == "or" else " AND "
    if any(c[1] == "op" for c in clauses):
        parts, prev_operand = [], False
        for c in clauses:
            if c[1] == "op":
                t = c[2][0]
                if t == "(" and prev_operand:
                    parts.append(op.strip())
                parts.append(t)
                prev_operand = t == ")"
                continue
            if prev_operand:
                parts.append(op.strip())
            parts.append(("NOT " if c[0] == "-" else "") + fts5_clause(c))
            prev_operand = True
        return " ".join(parts)
    req = [fts5_clause(c) for c in clauses if c[0] == "+"]
    pos = [fts5_clause(c) for c in clauses if c[0] != "-"]
    neg = [fts5_clause(c) for c in clauses if c[0] == "-"]
    expr = " AND ".join(req) if req and mode == "or" else op.join(pos)
    if not expr:
        return None   # nothing but exclusions: no match, as in Lucene
    if neg:
        expr = "(" + expr + ") NOT (" + " OR ".join(neg) + ")"
    return expr


def dir_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total


# ---------------------------------------------------------------- engines
#
# An engine: name, version(), available() -> None or the reason it is not,
# index_path(workdir, stem), build(path, reader) -> {phase: seconds},
# open(path), n_docs(), search(words, mode, k) -> [(seq, score)] best first,
# ids() -> {seq: id}, close().  seq is the document's 1-based position in the
# corpus: FTS5 rowid and Xapian docid, so both engines name documents alike.

class Fts5:
    name = "sqlite-fts5"
    short = "fts5"
    better = staticmethod(lambda a, b: a <= b)   # bm25() is negated: lower is better

    def __init__(self):
        import sqlite3
        self.sqlite3 = sqlite3
        self.con = None

    def version(self):
        return "SQLite " + self.sqlite3.sqlite_version

    def available(self):
        try:
            c = self.sqlite3.connect(":memory:")
            c.execute("CREATE VIRTUAL TABLE x USING fts5(a, tokenize='porter unicode61')")
            c.close()
        except self.sqlite3.Error as e:
            return f"this sqlite3 has no FTS5 ({e})"
        return None

    def index_path(self, workdir, stem):
        return os.path.join(workdir, stem + ".fts5.sqlite")

    def build(self, path, reader):
        # One indexed column (title, blank line, body) as nsearch indexes one
        # field; the id is stored, not indexed.  No journal and no fsync: a
        # bulk load into a scratch file, as nindex's single fsync at the end.
        con = self.sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, text, tokenize='porter unicode61')")
        t0 = time.perf_counter()
        con.execute("BEGIN")
        con.executemany("INSERT INTO t(rowid, id, text) VALUES (?, ?, ?)",
                        ((seq, id_, title + "\n\n" + body) for seq, id_, title, body in reader))
        con.execute("COMMIT")
        t1 = time.perf_counter()
        # Merge every segment into one b-tree, the shape nindex writes, then
        # VACUUM so the file holds no pages freed by the merge (a quarter of
        # the file on Reuters otherwise).
        con.execute("INSERT INTO t(t) VALUES ('optimize')")
        con.execute("VACUUM")
        con.close()
        t2 = time.perf_counter()
        return {"load_seconds": t1 - t0, "optimize_seconds": t2 - t1}

    def open(self, path):
        self.con = self.sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.sql = "SELECT rowid, bm25(t) FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?"

    def n_docs(self):
        return self.con.execute("SELECT count(*) FROM t").fetchone()[0]

    def search(self, q, mode, k):
        if q.kind == "term":
            # Each word quoted so that no query text is FTS5 syntax.
            op = " OR " if mode == "or" else " AND "
            m = op.join('"' + w.replace('"', '""') + '"' for w in q.words)
        else:
            # The query language, translated (fts5_match); the translation
            # is timed, as nsearch's and Xapian's parsing are.
            m = fts5_match(q.clauses, mode)
            if m is None:
                return []
        return self.con.execute(self.sql, (m, k)).fetchall()

    def ids(self):
        return dict(self.con.execute("SELECT rowid, id FROM t"))

    def close(self):
        if self.con:
            self.con.close()
            self.con = None


class Xapian:
    name = "xapian"
    short = "xapian"
    better = staticmethod(lambda a, b: a >= b)

    def __init__(self):
        import xapian
        self.x = xapian
        self.db = None

    def version(self):
        return "Xapian " + self.x.version_string()

    def available(self):
        return None

    def index_path(self, workdir, stem):
        return os.path.join(workdir, stem + ".xapian")

    def build(self, path, reader):
        # STEM_ALL: one stemmed term per word and nothing else, as nindex
        # indexes (Xapian's default STEM_SOME adds every unstemmed word too).
        # Title then body in one field, positions kept (nindex keeps them).
        # Document data: id, title and body, the text nindex's docstore keeps.
        x = self.x
        tmp = path + ".build"
        shutil.rmtree(tmp, ignore_errors=True)
        t0 = time.perf_counter()
        db = x.WritableDatabase(tmp, x.DB_CREATE_OR_OVERWRITE)
        tg = x.TermGenerator()
        tg.set_stemmer(x.Stem("english"))
        tg.set_stemming_strategy(x.TermGenerator.STEM_ALL)
        for seq, id_, title, body in reader:
            doc = x.Document()
            tg.set_document(doc)
            tg.index_text(title)
            tg.increase_termpos()
            tg.index_text(body)
            doc.set_data(id_ + "\0" + title + "\0" + body)
            if db.add_document(doc) != seq:  # docid = seq, as FTS5's rowid
                raise SelfCheckError(f"xapian: document {seq} got another docid")
        db.commit()
        db.close()
        t1 = time.perf_counter()
        # Compaction: full blocks, merged postings, the shape nindex writes
        # (xapian-compact; the analogue of FTS5's 'optimize').
        x.Database(tmp).compact(path, x.DBCOMPACT_NO_RENUMBER)
        shutil.rmtree(tmp)
        t2 = time.perf_counter()
        return {"load_seconds": t1 - t0, "optimize_seconds": t2 - t1}

    def open(self, path):
        x = self.x
        self.db = x.Database(path)
        self.enq = x.Enquire(self.db)
        # BM25Weight(k1, k2, k3, b, min_normlen): nsearch's k1 and b, no
        # query-length term (k2 = 0), query term frequency linear (k3 = 1).
        self.enq.set_weighting_scheme(x.BM25Weight(BM25_K1, 0, 1, BM25_B, 0.5))
        self.stem = x.Stem("english")
        self.OP = {"or": x.Query.OP_OR, "and": x.Query.OP_AND}
        self.Query = x.Query
        # The query language: one QueryParser per mode (default operator),
        # the index's stemmer and STEM_ALL (stemmed, unprefixed terms, as
        # indexed; the default STEM_SOME would look for Z-prefixed ones),
        # the database for wildcard expansion.
        self.qp = {}
        flags = (x.QueryParser.FLAG_PHRASE | x.QueryParser.FLAG_LOVEHATE |
                 x.QueryParser.FLAG_BOOLEAN | x.QueryParser.FLAG_WILDCARD)
        for mode in ("or", "and"):
            qp = x.QueryParser()
            qp.set_stemmer(self.stem)
            qp.set_stemming_strategy(x.QueryParser.STEM_ALL)
            qp.set_database(self.db)
            qp.set_default_op(self.OP[mode])
            self.qp[mode] = qp
        self.flags = flags

    def n_docs(self):
        return self.db.get_doccount()

    def search(self, q, mode, k):
        if q.kind == "term":
            stem = self.stem
            self.enq.set_query(self.Query(self.OP[mode], [stem(w) for w in q.words]))
        elif q.positive:
            self.enq.set_query(self.qp[mode].parse_query(q.plain, self.flags))
        else:
            return []
        return [(m.docid, m.weight) for m in self.enq.get_mset(0, k)]

    def ids(self):
        out = {}
        for seq in range(1, self.db.get_lastdocid() + 1):
            try:
                out[seq] = self.db.get_document(seq).get_data().split(b"\0", 1)[0].decode()
            except self.x.DocNotFoundError:
                pass
        return out

    def close(self):
        if self.db:
            self.db.close()
            self.db = None


class Lucene:
    """Lucene 8 (Debian's liblucene8-java), run as a Java program
    (bench/peers/LuceneBench.java through bench/peers/lucene.sh): it builds
    and queries its index itself and prints the same JSON lines, which are
    passed on.  Skipped when java, javac or the jars are missing."""
    name = "lucene"
    short = "lucene"
    external = True
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lucene.sh")

    def __init__(self):
        self._version = None

    def version(self):
        return self._version or "Lucene"

    def available(self):
        # `lucene.sh version` compiles LuceneBench when needed and prints
        # Lucene's version; exit 3 when java, javac or a jar is missing.
        try:
            p = subprocess.run([self.script, "version"], capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as e:
            return f"cannot run {self.script} ({e})"
        if p.returncode != 0:
            return (p.stderr.strip().splitlines() or ["lucene.sh failed"])[-1]
        self._version = "Lucene " + p.stdout.strip()
        return None

    def index_path(self, workdir, stem):
        return os.path.join(workdir, stem + ".lucene")

    def run(self, args):
        """Runs lucene.sh with args; returns its JSON lines as objects."""
        p = subprocess.run([self.script] + args, stdout=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise SelfCheckError(f"lucene: {' '.join(args[:1])} failed (exit {p.returncode})")
        return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]


ENGINES = {"fts5": Fts5, "xapian": Xapian, "lucene": Lucene}
MODULES = {"fts5": "sqlite3", "xapian": "xapian (Debian: apt-get install python3-xapian)", "lucene": "-"}


# ---------------------------------------------------------------- measuring

def nearest_rank(sorted_samples, p):
    """The smallest sample with at least p% of the samples <= it (p integer)."""
    n = len(sorted_samples)
    r = max(1, min(n, -(-p * n // 100)))  # ceil(p * n / 100)
    return sorted_samples[r - 1]


def meta(engine):
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=os.path.dirname(os.path.abspath(__file__)),
                                capture_output=True, text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"commit": commit, "engine_version": engine.version(),
            "python": platform.python_version(), "cpu": cpu}


def emit(obj):
    print(json.dumps(obj), flush=True)


def build_index(eng, path, corpus, stem):
    """Builds eng's index of corpus at path; returns the index JSON object."""
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)
    meta_path = path + ".meta.json"
    if os.path.exists(meta_path):
        os.remove(meta_path)
    note(f"{eng.name}: indexing '{corpus}' into '{path}'")
    if getattr(eng, "external", False):
        recs = eng.run(["index", "--corpus", corpus, "--index", path, "--stem", stem])
        if len(recs) != 1:
            raise SelfCheckError(f"{eng.name}: no index record")
        rec = recs[0]
        with open(meta_path, "w") as f:
            json.dump({"engine": eng.name, "corpus": stem, "input_bytes": os.path.getsize(corpus),
                       "docs": rec["docs"]}, f)
        return rec
    load = os.getloadavg()[0]
    reader = CorpusReader(corpus)
    c0 = time.process_time()
    t0 = time.perf_counter()
    phases = eng.build(path, reader)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    eng.open(path)
    n = eng.n_docs()
    eng.close()
    if n != reader.docs:
        raise SelfCheckError(f"{eng.name}: index holds {n} documents, {reader.docs} were read")
    rec = {"bench": "index", "engine": eng.name, "corpus": stem, "corpus_path": os.path.abspath(corpus),
           "docs": reader.docs, "input_bytes": reader.bytes, "skipped_lines": reader.skipped,
           "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
           "mb_per_s": round(reader.bytes / 1e6 / seconds, 3),
           "docs_per_s": round(reader.docs / seconds, 1),
           "index_bytes": dir_bytes(path),
           "load_seconds": round(phases["load_seconds"], 3),
           "optimize_seconds": round(phases["optimize_seconds"], 3), "loadavg_1m": load}
    with open(meta_path, "w") as f:
        json.dump({"engine": eng.name, "corpus": stem, "input_bytes": os.path.getsize(corpus),
                   "docs": reader.docs}, f)
    return rec


def index_is_reusable(eng, path, corpus):
    try:
        with open(path + ".meta.json") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    return m.get("engine") == eng.name and m.get("input_bytes") == os.path.getsize(corpus) and os.path.exists(path)


def run_pass(eng, queries, mode, k):
    """Returns (latencies in µs, results); results[i] = [(seq, score)]."""
    lat = []
    results = []
    search = eng.search
    clock = time.perf_counter_ns
    for q in queries:
        t0 = clock()
        r = search(q, mode, k)
        t1 = clock()
        lat.append((t1 - t0) / 1000.0)
        results.append(r)
    return lat, results


def check_results(eng, queries, mode, k, warm, timed):
    """Raises SelfCheckError unless both passes agree and each list is a
    proper top-k; returns (total hits, CRC-32 of the ranked seqs)."""
    crc = 0
    hits = 0
    for q, a, b in zip(queries, warm, timed):
        qid = q.qid
        if [s for s, _ in a] != [s for s, _ in b]:
            raise SelfCheckError(f"{eng.name} {mode} k={k}: query {qid}: warm-up and timed pass differ")
        seqs = [s for s, _ in b]
        if len(seqs) > k or len(set(seqs)) != len(seqs):
            raise SelfCheckError(f"{eng.name} {mode} k={k}: query {qid}: {len(seqs)} hits, duplicates or more than k")
        for (_, x), (_, y) in zip(b, b[1:]):
            if not eng.better(x, y):
                raise SelfCheckError(f"{eng.name} {mode} k={k}: query {qid}: hits not sorted by score")
        hits += len(seqs)
        crc = zlib.crc32((qid + ":" + ",".join(map(str, seqs)) + "\n").encode(), crc)
    return hits, crc


def write_run(path, eng, queries, results, ids):
    with open(path, "w") as f:
        for q, r in zip(queries, results):
            qid = q.qid
            for rank, (seq, score) in enumerate(r, 1):
                # FTS5's bm25() is negated; TREC wants higher = better.
                s = -score if eng.short == "fts5" else score
                f.write(f"{qid} Q0 {ids.get(seq, seq)} {rank} {s:.6f} {eng.name}\n")


def query_groups(queries, kinds):
    """[(kind, [Q])]: the queries of each kind present, in KIND_ORDER, and
    "mixed", the whole log, when it has more than one kind; only the labels
    in kinds when given."""
    present = {}
    for q in queries:
        present.setdefault(q.kind, []).append(q)
    groups = [(k, present[k]) for k in KIND_ORDER if k in present]
    if len(groups) > 1:
        groups.append(("mixed", queries))
    if kinds:
        groups = [g for g in groups if g[0] in kinds]
    return groups


KIND_ORDER = ("term", "phrase", "exclusion", "prefix")


def run_name(short, stem, kind, mode, k):
    # The term kind keeps the name of the runs before issue 10.
    mid = "" if kind == "term" else f"-{kind}"
    return f"{short}-{stem}{mid}-{mode}-k{k}.run"


def external_query_bench(eng, path, stem, groups, modes, ks, run_dir, passes, workdir):
    """Lucene: writes each group's queries to a file, runs the Java program
    once over all of them, passes its JSON lines on."""
    args = ["query", "--index", path, "--stem", stem, "--k", ",".join(map(str, ks)),
            "--modes", ",".join(modes), "--passes", str(passes)]
    files = []
    for kind, qs in groups:
        fp = os.path.join(workdir, f".lucene-queries-{os.getpid()}-{kind}.tsv")
        with open(fp, "w", encoding="utf-8") as f:
            for q in qs:
                f.write(f"{q.qid}\t{q.plain if q.kind != 'term' else ' '.join(q.words)}\n")
        files.append(fp)
        args += ["--group", f"{kind}={fp}"]
    if run_dir:
        args += ["--run", run_dir]
    note(f"{eng.name}: {len(groups)} query group(s), {', '.join(modes)}, top {ks}, warm-up then {passes} timed pass(es)")
    try:
        recs = eng.run(args)
    finally:
        for fp in files:
            os.remove(fp)
    for rec in recs:
        emit(rec | meta_cache[eng.name] | {"engine_version": rec.get("engine_version", eng.version())})
    return recs


def query_bench(eng, path, stem, groups, modes, ks, run_dir, passes, workdir):
    if getattr(eng, "external", False):
        return external_query_bench(eng, path, stem, groups, modes, ks, run_dir, passes, workdir)
    eng.open(path)
    recs = []
    ids = eng.ids() if run_dir else None
    try:
        for kind, queries in groups:
            for mode in modes:
                for k in ks:
                    note(f"{eng.name}: {kind} {mode.upper()} top {k}: {len(queries)} queries, "
                         f"warm-up then {passes} timed pass(es)")
                    gc.collect()
                    gc.disable()
                    try:
                        _, warm = run_pass(eng, queries, mode, k)
                        load = os.getloadavg()[0]
                        lat = wall = cpu = None
                        for _ in range(passes):
                            c0 = time.process_time()
                            t0 = time.perf_counter()
                            lat_p, timed = run_pass(eng, queries, mode, k)
                            wall_p = time.perf_counter() - t0
                            cpu_p = time.process_time() - c0
                            hits, crc = check_results(eng, queries, mode, k, warm, timed)
                            # Several passes: each query's fastest time, the
                            # fastest pass's QPS (noise only ever adds time).
                            lat = lat_p if lat is None else [min(x, y) for x, y in zip(lat, lat_p)]
                            wall = wall_p if wall is None else min(wall, wall_p)
                            cpu = cpu_p if cpu is None else min(cpu, cpu_p)
                    finally:
                        gc.enable()
                    s = sorted(lat)
                    empty = sum(1 for r in timed if not r)
                    if empty and kind == "phrase":
                        # Phrases are drawn from documents: each should match.
                        note(f"{eng.name}: warning: {empty} phrase queries without a hit")
                    rec = {"bench": "query", "engine": eng.name, "corpus": stem, "kind": kind, "mode": mode, "k": k,
                           "queries": len(queries), "passes": passes,
                           "p50_us": round(nearest_rank(s, 50), 1), "p90_us": round(nearest_rank(s, 90), 1),
                           "p99_us": round(nearest_rank(s, 99), 1), "mean_us": round(statistics.fmean(s), 1),
                           "max_us": round(s[-1], 1),
                           "qps": round(len(s) / wall, 1), "cpu_qps": round(len(s) / max(cpu, 1e-9), 1),
                           "hits": hits, "empty": empty, "topk_crc32": f"{crc:08x}", "loadavg_1m": load}
                    if run_dir:
                        rp = os.path.join(run_dir, run_name(eng.short, stem, kind, mode, k))
                        write_run(rp, eng, queries, timed, ids)
                        rec["run_file"] = rp
                    recs.append(rec)
                    emit(rec | meta_cache[eng.name])
    finally:
        eng.close()
    return recs


meta_cache = {}


def print_table(index_recs, query_recs):
    err = sys.stderr
    if index_recs:
        print("\nindex build (one thread, JSON parsing included)", file=err)
        print(f"{'engine':<12} {'corpus':<18} {'docs':>8} {'seconds':>8} {'MB/s':>7} {'docs/s':>9} "
              f"{'index MB':>9} {'% input':>8}", file=err)
        for r in index_recs:
            print(f"{r['engine']:<12} {r['corpus']:<18} {r['docs']:>8} {r['seconds']:>8.2f} {r['mb_per_s']:>7.2f} "
                  f"{r['docs_per_s']:>9.0f} {r['index_bytes'] / 1e6:>9.1f} "
                  f"{100 * r['index_bytes'] / max(1, r['input_bytes']):>7.0f}%", file=err)
    if query_recs:
        print("\nquery latency (µs, nearest rank, after a warm-up pass)", file=err)
        print(f"{'engine':<12} {'corpus':<18} {'kind':<9} {'mode':<4} {'k':>5} {'queries':>7} {'p50':>9} {'p90':>9} "
              f"{'p99':>9} {'mean':>9} {'QPS':>8} {'hits':>7} {'empty':>5}", file=err)
        for r in query_recs:
            print(f"{r['engine']:<12} {r['corpus']:<18} {r.get('kind', 'term'):<9} {r['mode']:<4} {r['k']:>5} "
                  f"{r['queries']:>7} {r['p50_us']:>9.1f} {r['p90_us']:>9.1f} {r['p99_us']:>9.1f} "
                  f"{r['mean_us']:>9.1f} {r['qps']:>8.1f} {r.get('hits', 0):>7} {r.get('empty', 0):>5}", file=err)


def corpus_stem(path):
    name = os.path.basename(path)
    for ext in (".zst", ".jsonl", ".ndjson", ".json"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name or "corpus"


def csv_list(kind, allowed=None, conv=str):
    def parse(s):
        try:
            items = [conv(x.strip()) for x in s.split(",") if x.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad {kind} list '{s}'")
        if not items or (allowed and any(x not in allowed for x in items)):
            raise argparse.ArgumentTypeError(f"bad {kind} list '{s}' (choose from {', '.join(allowed)})"
                                             if allowed else f"bad {kind} list '{s}'")
        if conv is int and any(x < 1 for x in items):
            raise argparse.ArgumentTypeError(f"{kind} must be >= 1")
        return items
    return parse


def main():
    ap = argparse.ArgumentParser(
        prog="peers.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Index and query benchmarks of SQLite FTS5, Xapian and Lucene 8 on nsearch's corpora.",
        epilog="One JSON line per measurement on stdout, a table on stderr.  See bench/peers/README.md.\n"
               "Exit status: 0 ok or skipped (missing engine, corpus or queries), 2 usage, 4 failure.")
    ap.add_argument("command", nargs="?", default="all", choices=["index", "query", "all"])
    ap.add_argument("--corpus", required=True, help="JSON Lines corpus (id, title, body); .zst allowed")
    ap.add_argument("--queries", help="query log, qid<TAB>text lines (bench/gen_queries.py)")
    ap.add_argument("--workdir", help="where the peer indexes go (default: a temporary directory, removed)")
    ap.add_argument("--reuse", action="store_true",
                    help="index/all: keep an existing complete index of the same corpus instead of rebuilding")
    ap.add_argument("--engines", type=csv_list("engine", list(ENGINES)), default=list(ENGINES),
                    help="comma list of fts5, xapian, lucene (default all three; a missing one is skipped)")
    ap.add_argument("--kinds", type=csv_list("kind", list(KIND_ORDER) + ["mixed"]),
                    help="query kinds to time (term, phrase, exclusion, prefix, mixed = the whole log); "
                         "default every kind in the log, and mixed when there are several")
    ap.add_argument("--syntax", choices=["auto", "words", "query"], default="auto",
                    help="read queries as plain words or in the query language (auto: the language when every "
                         "query is made of its characters only, as bench/gen_queries.py writes)")
    ap.add_argument("--k", type=csv_list("k", conv=int), default=[10, 1000], help="top-k list (default 10,1000)")
    ap.add_argument("--modes", type=csv_list("mode", ["or", "and"]), default=["or", "and"],
                    help="comma list of or, and (default both)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N queries")
    ap.add_argument("--repeat", type=int, default=1,
                    help="build each index N times and report the fastest (default 1; for a busy machine)")
    ap.add_argument("--passes", type=int, default=1,
                    help="timed passes after the warm-up; each query's fastest time counts (default 1)")
    ap.add_argument("--run", metavar="DIR", help="also write a TREC run file per engine, mode and k into DIR")
    a = ap.parse_args()
    if a.command in ("query", "all") and not a.queries:
        ap.error(f"'{a.command}' needs --queries")
    if a.limit < 0:
        ap.error("--limit must be >= 0")
    if a.repeat < 1 or a.passes < 1:
        ap.error("--repeat and --passes must be >= 1")

    if not os.path.isfile(a.corpus):
        note(f"no corpus at '{a.corpus}': skipped")
        return 0
    queries = None
    if a.command in ("query", "all"):
        if not os.path.isfile(a.queries):
            note(f"no query file at '{a.queries}': skipped")
            return 0
        queries = read_queries(a.queries, a.limit, a.syntax)
        if not queries:
            note(f"no query with a word in '{a.queries}': skipped")
            return 0
        groups = query_groups(queries, a.kinds)
        if not groups:
            note(f"no query of kind {','.join(a.kinds)} in '{a.queries}': skipped")
            return 0
        note("query kinds: " + ", ".join(f"{k} ({len(g)})" for k, g in groups))

    engines = []
    for short in a.engines:
        try:
            eng = ENGINES[short]()
        except ImportError:
            note(f"{short}: python module {MODULES[short]} missing: skipped")
            continue
        why = eng.available()
        if why:
            note(f"{short}: {why}: skipped")
            continue
        meta_cache[eng.name] = meta(eng)
        engines.append(eng)
    if not engines:
        note("no engine available: nothing measured")
        return 0

    tmp = None
    workdir = a.workdir
    if not workdir:
        workdir = tmp = tempfile.mkdtemp(prefix="nsearch-peers-")
    os.makedirs(workdir, exist_ok=True)
    if a.run:
        os.makedirs(a.run, exist_ok=True)
    stem = corpus_stem(a.corpus)
    index_recs, query_recs = [], []
    try:
        for eng in engines:
            path = eng.index_path(workdir, stem)
            reuse = a.reuse or a.command == "query"
            if reuse and index_is_reusable(eng, path, a.corpus):
                note(f"{eng.name}: reusing '{path}'")
            else:
                rec = None
                for _ in range(a.repeat):
                    r = build_index(eng, path, a.corpus, stem)
                    if rec is None or r["seconds"] < rec["seconds"]:
                        rec = r
                rec["repeat"] = a.repeat
                emit(rec | meta_cache[eng.name])
                index_recs.append(rec)
            if queries:
                query_recs += query_bench(eng, path, stem, groups, a.modes, a.k, a.run, a.passes, workdir)
    except SelfCheckError as e:
        note(f"self-check failed: {e}")
        return 4
    except OSError as e:
        note(f"I/O failure: {e}")
        return 4
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        print_table(index_recs, query_recs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
