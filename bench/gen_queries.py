#!/usr/bin/python3
"""gen_queries: a deterministic query log drawn from a corpus's own text.

    bench/gen_queries.py CORPUS.jsonl [-n 1000] [--seed 42]
                         [--kind term|phrase|exclusion|prefix|mixed] > queries.tsv

--kind term (the default; the log of every figure before issue 10): each
query is 1 to 4 consecutive words of one document title: lowercased words
made of letters only, at least 3 letters long, minus a small English stop
list (STOP), so that every query means something and matches at least the
document it came from.  The lengths are balanced (n/4 queries of each
length, the remainder going to the shorter ones) and shuffled.  A query
already drawn is drawn again (up to 100 times) so the log has few
duplicates.  This output is kept byte for byte.

The other kinds exercise the query language of issue 10:

  phrase     "w1 w2 [w3 [w4]]": 2 to 4 consecutive words of one document's
             title or body (a random word position of a random document),
             quoted.  The words are whitespace-separated tokens of ASCII
             letters only (lowercased), inside one sentence piece: a token
             with punctuation ends the run, one with digits, hyphens or
             apostrophes breaks it, so every tokenizer (nsearch, FTS5's
             unicode61, Xapian, Lucene's StandardTokenizer) sees the same
             consecutive words and the phrase matches at least its source
             document.  The first and last words have 3+ letters and are not
             in STOP.  A quarter of the phrases (3 or 4 words) have an English
             stop word of Lucene's list (LUCENE_STOP, nindex's default stop
             list) inside, "bank of england" style, to exercise the rule that
             a removed stop word keeps its gap; the others (2, 3 or 4 words,
             a third each) have none.
  exclusion  "w1 [w2 [w3]] -x": 1 to 3 consecutive title words (as for term,
             a third of each length), minus a word x that co-occurs with w1:
             among the usable words (3+ letters, not in STOP, in 10+
             documents) found in 5% (3 at least) to 60% of up to 200 sampled
             documents that contain w1 (so the exclusion removes some
             matches, not all), not w1..w3 or a word of the same stem-ish
             prefix (price/prices), x is one of the 20 of highest lift
             (fraction of the sample with x / fraction of the corpus with x:
             "opec" for "oil", never "reuter" or "said"), e.g.
             `oil prices -opec`.
  prefix     "pre*" or "pre* word" / "word pre*" (half each): a 3 to 6 letter
             prefix of a title word that is among the 2,000 most frequent
             usable words of the corpus (by document frequency); the prefix
             stops at least 3 letters before the word's end and is no longer
             than the word's root (root(): the word without stemmer endings,
             so the prefix is a prefix of the word's stem in Porter and
             Snowball English: no `holdi*`, all holdings are `hold`); it does
             not end like a stemmer suffix (UNSTABLE_ENDS: FTS5's porter
             tokenizer stems the typed prefix too, `treas*` -> `trea*`); and it
             matches 2 to 50 distinct words of the corpus (no absurd
             expansions such as `con*`).  The plain word is another usable word of the same
             title, in title order.
  mixed      a quarter each of term, phrase, exclusion and prefix queries
             (the remainder to the earlier kinds), shuffled.

bench/corpus_io.py's query_kind() tells a line's kind back from its text
(quotes: phrase, a `-word`: exclusion, a `*`: prefix, else term); the peers
(bench/peers/peers.py) and bench/compare.sh report per kind with it.

Documents and titles are taken in file order and chosen with Python's seeded
Mersenne Twister (no set or hash order is involved), so the same corpus, -n,
--seed and --kind give the same file byte for byte.

Output: one `qid<TAB>text` line per query, qid 1..n, the format of
`nsearch --queries` and of bench/peers/peers.py.

Runs with the system Python (/usr/bin/python3); standard library only.
A CORPUS ending in .zst is read through `zstd -dc`.
Exit status: 0 ok, 2 usage error, 3 corpus missing or without usable titles.
"""
import argparse
import random
import re
import sys

from corpus_io import iter_docs

PROG = "gen_queries"

# Function words that make a query from a title mean nothing more; kept small
# on purpose: domain words ("says", "sees", "rise") stay, they are what a
# reader of newswire titles would type.
STOP = frozenset("""
a an and are as at be but by for from has have he her his how in into is it
its not of on or our she that the their them then there these they this to
was we were what when where which who why will with would you your
""".split())

WORD = re.compile(r"[^\W\d_]+")  # runs of letters (any script)



def title_words(title):
    """The usable words of a title, in order."""
    return [w for w in WORD.findall(title.lower()) if len(w) >= 3 and w not in STOP]


def read_titles(path):
    """Returns the word lists of every title with at least one usable word."""
    titles = []
    for _, doc in iter_docs(path, PROG):
        t = doc.get("title") if isinstance(doc, dict) else None
        if isinstance(t, str):
            words = title_words(t)
            if words:
                titles.append(words)
    return titles


def generate(titles, n, seed):
    """Returns n query strings; depends only on titles, n and seed."""
    rng = random.Random(seed)
    lengths = [1 + i * 4 // n for i in range(n)] if n else []
    rng.shuffle(lengths)
    by_len = {L: [t for t in titles if len(t) >= L] for L in range(1, 5)}
    seen = set()
    out = []
    for L in lengths:
        # A corpus whose titles are all short still yields n queries.
        while not by_len[L]:
            L -= 1
        pool = by_len[L]
        for _ in range(100):
            words = rng.choice(pool)
            start = rng.randrange(len(words) - L + 1)
            q = " ".join(words[start:start + L])
            if q not in seen:
                break
        seen.add(q)
        out.append(q)
    return out


# ---------------------------------------------------------------- kinds of issue 10

# Lucene's English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), the list
# nindex leaves out by default (README, --stopwords english).
LUCENE_STOP = frozenset("""
a an and are as at be but by for if in into is it no not of on or such that
the their then there these they this to was will with
""".split())

ALPHA = re.compile(r"[a-z]+")
TRAIL = ",.;:!?)]}\"'"
LEAD = "([{\"'"
KINDS = ("term", "phrase", "exclusion", "prefix", "mixed")


def runs_of(text):
    """The runs of consecutive plain words of text (lowercased): tokens split
    at whitespace, made of ASCII letters only after stripping leading or
    trailing punctuation; trailing punctuation ends the run after the word,
    leading punctuation starts a new one, any other token breaks it."""
    runs, cur = [], []
    for tok in text.split():
        core = tok.rstrip(TRAIL)
        word = core.lstrip(LEAD).lower()
        if not ALPHA.fullmatch(word):
            if cur:
                runs.append(cur)
            cur = []
            continue
        if len(word) != len(core) and cur:   # leading punctuation
            runs.append(cur)
            cur = []
        cur.append(word)
        if len(core) != len(tok):            # trailing punctuation
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return [r for r in runs if len(r) >= 2]


class Corpus:
    """Every document's title word list (title_words) and raw title and
    body, in file order; the inverted lists of the usable words, built on
    first use."""

    def __init__(self, path):
        self.titles = []     # title word lists, as read_titles()
        self.texts = []      # (title, body) of every document
        for _, doc in iter_docs(path, PROG):
            if not isinstance(doc, dict):
                continue
            t = doc.get("title")
            b = doc.get("body", doc.get("text"))
            t = t if isinstance(t, str) else ""
            b = b if isinstance(b, str) else ""
            self.texts.append((t, b))
            words = title_words(t)
            if words:
                self.titles.append(words)
        self._post = None

    def postings(self):
        """(word -> [doc numbers], [doc -> unique words in order]) over the
        usable words (title_words' rule) of title and body."""
        if self._post is None:
            post, doc_words = {}, []
            for d, (t, b) in enumerate(self.texts):
                ws = list(dict.fromkeys(title_words(t + "\n" + b)))
                doc_words.append(ws)
                for w in ws:
                    post.setdefault(w, []).append(d)
            self._post = (post, doc_words)
        return self._post


def gen_phrases(corpus, n, rng):
    """n quoted phrases; a quarter with a LUCENE_STOP word inside."""
    n_stop = n // 4
    m = n - n_stop
    specs = [(2 + j * 3 // m, False) for j in range(m)] + [(3 + j * 2 // n_stop, True) for j in range(n_stop)]
    rng.shuffle(specs)
    docs = [i for i, (t, b) in enumerate(corpus.texts) if t or b]
    cache = {}
    seen = set()
    out = []
    for L, stop in specs:
        q = None
        for attempt in range(20000):
            d = rng.choice(docs)
            if d not in cache:
                t, b = corpus.texts[d]
                cache[d] = [r for r in runs_of(t) + runs_of(b)]
            runs = [r for r in cache[d] if len(r) >= L]
            if not runs:
                continue
            r = rng.choice(runs)
            s = rng.randrange(len(r) - L + 1)
            w = r[s:s + L]
            if any(len(x) < 3 or x in STOP for x in (w[0], w[-1])):
                continue
            if stop != any(x in LUCENE_STOP for x in w[1:-1]):
                continue
            cand = '"' + " ".join(w) + '"'
            if cand in seen and attempt < 19000:
                continue
            q = cand
            break
        if q is None:
            raise ValueError("no phrase of %d words%s found" % (L, " with a stop word" if stop else ""))
        seen.add(q)
        out.append(q)
    return out


def related(a, b):
    """Whether two words look like forms of one stem (price/prices)."""
    p = 0
    for x, y in zip(a, b):
        if x != y:
            break
        p += 1
    return p >= 3 and p >= min(len(a), len(b)) - 2


def gen_exclusions(corpus, n, rng):
    post, doc_words = corpus.postings()
    lengths = [1 + i * 3 // n for i in range(n)] if n else []
    rng.shuffle(lengths)
    seen = set()
    out = []
    for L in lengths:
        pool = [t for t in corpus.titles if len(t) >= L]
        while not pool:
            L -= 1
            pool = [t for t in corpus.titles if len(t) >= L]
        q = None
        for attempt in range(1000):
            words = rng.choice(pool)
            s = rng.randrange(len(words) - L + 1)
            qw = words[s:s + L]
            docs = post.get(qw[0], [])
            if len(docs) < 5:
                continue
            sample = docs if len(docs) <= 200 else rng.sample(docs, 200)
            count = {}
            for d in sample:
                for w in doc_words[d]:
                    count[w] = count.get(w, 0) + 1
            # Lift: how much more often x is found with w1 than anywhere;
            # the generic words of every newswire ("reuter", "said") have
            # a lift near 1 and are not drawn.
            lo, hi = max(3, 0.05 * len(sample)), 0.60 * len(sample)
            n_docs = len(doc_words)
            cands = sorted(((c * n_docs / (len(sample) * len(post[w])), w) for w, c in count.items()
                            if lo <= c <= hi and len(post[w]) >= 10 and not any(related(w, x) for x in qw)),
                           key=lambda cw: (-cw[0], cw[1]))[:20]
            if not cands:
                continue
            x = rng.choice(cands)[1]
            cand = " ".join(qw) + " -" + x
            if cand in seen and attempt < 900:
                continue
            q = cand
            break
        if q is None:
            raise ValueError("no exclusion query found")
        seen.add(q)
        out.append(q)
    return out


MAX_EXPANSION = 50

# Endings that a stemmer may take off a word (Porter steps 1 to 5, Snowball
# English's): root() strips them so that a prefix no longer than the root is a
# prefix of the word's stem under either stemmer (holdings -> hold: no holdi*).
SUFFIXES = sorted("""
s es ies ied ed ing ings ly ily e y i er ers ers ement ements ment ments ent ents
ant ants ance ances ence ences al als ally ic ics ical ically ate ates ated ating
ation ations ational ator ators ive ives ively iveness ize izes ized izing
ization izations ise ises ised ising isation ous ously ousness ful fully fulness
ness ism isms ist ists iti ity ities able ably ible ibly bility abilities ion
ions ian ians li lies logy ology ship ships less ward wards
""".split(), key=len, reverse=True)
# A typed prefix that FTS5's porter tokenizer would stem in the query (it stems
# every token, prefix or not: treas* -> trea*) ends with none of these.
UNSTABLE_ENDS = tuple("""
s e y ed ing eed al er ic ate ant ent ive ous ism iti ion ou ance ence able ible
ment ize ise ful ness ator enci anci izer bli alli eli ousli ation ali logi ical
icat iciti ativ aliz ll
""".split())


def root(word):
    """word without up to three stemmer endings (SUFFIXES), at least 3 letters kept."""
    for _ in range(3):
        for suf in SUFFIXES:
            if word.endswith(suf) and len(word) - len(suf) >= 3:
                word = word[: -len(suf)]
                break
        else:
            break
    return word


def gen_prefixes(corpus, n, rng):
    import bisect
    post, _ = corpus.postings()
    vocab = sorted(set(w for t, b in corpus.texts for w in WORD.findall((t + "\n" + b).lower())))
    by_df = sorted(post, key=lambda w: (-len(post[w]), w))[:2000]
    frequent = dict.fromkeys(by_df)

    def expansions(p):
        i = bisect.bisect_left(vocab, p)
        j = bisect.bisect_left(vocab, p + "\U0010ffff")
        return j - i

    plain = [i % 2 == 1 for i in range(n)]
    rng.shuffle(plain)
    seen = set()
    out = []
    for with_word in plain:
        q = None
        for attempt in range(2000):
            words = rng.choice(corpus.titles)
            cands = [i for i, w in enumerate(words) if w in frequent and ALPHA.fullmatch(w) and len(w) >= 6]
            if not cands:
                continue
            i = rng.choice(cands)
            w = words[i]
            lens = [L for L in range(3, min(6, len(w) - 3, len(root(w))) + 1)
                    if not w[:L].endswith(UNSTABLE_ENDS) and 2 <= expansions(w[:L]) <= MAX_EXPANSION]
            if not lens:
                continue
            pre = w[:rng.choice(lens)] + "*"
            if with_word:
                others = [j for j, x in enumerate(words) if j != i and not related(x, w)]
                if not others:
                    continue
                j = rng.choice(others)
                cand = (words[j] + " " + pre) if j < i else (pre + " " + words[j])
            else:
                cand = pre
            if cand in seen and attempt < 1900:
                continue
            q = cand
            break
        if q is None:
            raise ValueError("no prefix query found")
        seen.add(q)
        out.append(q)
    return out


def generate_kind(corpus, kind, n, seed):
    """n queries of one kind (term: generate(), byte for byte)."""
    if kind == "term":
        return generate(corpus.titles, n, seed)
    if kind == "mixed":
        parts = ("term", "phrase", "exclusion", "prefix")
        counts = [n // 4 + (1 if i < n % 4 else 0) for i in range(4)]
        lists = [iter(generate_kind(corpus, k, c, seed)) for k, c in zip(parts, counts)]
        order = [i for i, c in enumerate(counts) for _ in range(c)]
        random.Random(f"mixed:{seed}").shuffle(order)
        return [next(lists[i]) for i in order]
    rng = random.Random(f"{kind}:{seed}")
    fn = {"phrase": gen_phrases, "exclusion": gen_exclusions, "prefix": gen_prefixes}[kind]
    return fn(corpus, n, rng) if n else []


def main():
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="Write a deterministic query log (qid<TAB>text) drawn from the corpus titles.")
    ap.add_argument("corpus", help="JSON Lines corpus with a 'title' member (.zst allowed)")
    ap.add_argument("-n", type=int, default=1000, help="number of queries (default 1000)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--kind", choices=KINDS, default="term",
                    help="term (default), phrase, exclusion, prefix or mixed (see the docstring)")
    a = ap.parse_args()
    if a.n < 0:
        ap.error("-n must be >= 0")
    try:
        if a.kind == "term":
            titles = read_titles(a.corpus)
        else:
            corpus = Corpus(a.corpus)
            titles = corpus.titles
    except FileNotFoundError:
        print(f"{PROG}: cannot open corpus '{a.corpus}': No such file or directory", file=sys.stderr)
        return 3
    if not titles:
        print(f"{PROG}: no usable title words in '{a.corpus}'", file=sys.stderr)
        return 3
    if a.kind == "term":
        queries = generate(titles, a.n, a.seed)
    else:
        try:
            queries = generate_kind(corpus, a.kind, a.n, a.seed)
        except ValueError as e:
            print(f"{PROG}: {a.kind}: {e} in '{a.corpus}'", file=sys.stderr)
            return 3
    out = sys.stdout
    for qid, q in enumerate(queries, 1):
        out.write(f"{qid}\t{q}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
