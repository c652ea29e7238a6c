/* ns_analyzer: tokenize -> case fold -> drop possessive 's -> stem, with a
 * stem cache (see ns_analyzer.h for the tokenizer rules).
 *
 * This is the indexing hot path, so:
 *  - ASCII text is scanned 8 bytes at a time (SWAR: a word is found,
 *    classified and folded without a branch per byte); other bytes go
 *    through one 256-entry table, and only non-ASCII bytes reach the UTF-8
 *    decoder and the ns_fold range tables;
 *  - the folded word is built in a fixed buffer on the stack and no token
 *    allocates;
 *  - stems come from a cache: open addressing with linear probing, keyed by
 *    the folded word, whose first 16 bytes sit in the slot, so a hit on a
 *    short word is a multiply-shift hash and two 64-bit compares.  When the
 *    stem is a prefix of the word (most English stems) the token points
 *    into the word buffer; other stems and the tails of longer words live
 *    in an arena of large chunks.  libstemmer costs ~170 ns a word.
 *  - the cache is bounded: at NS_STEM_CACHE_MAX_SLOTS * 3/4 entries, or
 *    NS_STEM_CACHE_MAX_ARENA bytes of arena, it is cleared wholesale and
 *    refilled (the vocabulary of real text is Zipfian, so the frequent
 *    words come back at once).
 *
 * A stem is normalised the same way with and without the cache: an empty
 * stem becomes the folded word, and a stem longer than NS_TOKEN_MAX_BYTES
 * is cut at the last UTF-8 boundary within it (Snowball stems are not
 * longer than their word in practice, but the token contract says
 * 1..NS_TOKEN_MAX_BYTES).
 *
 * libstemmer allocates with malloc() internally; only its stemmer object
 * and per-word buffer escape ns_malloc. */
#include "ns_analyzer.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libstemmer.h>
#include <xxhash.h>

#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_fold.h"
#include "ns_hash.h"
#include "ns_utf8.h"

/* Cache bounds.  2^20 slots of 32 bytes (32 MiB) hold ~786K distinct words,
 * which covers nearly all token occurrences of any corpus; the arena only
 * holds non-prefix stems and the tails of words over 16 bytes, so 64 MiB is
 * never reached in practice but bounds adversarial input. */
#define NS_STEM_CACHE_MAX_SLOTS ((size_t)1 << 20)
#define NS_STEM_CACHE_MAX_ARENA ((size_t)64 << 20)
#define NS_STEM_CACHE_CHUNK ((size_t)1 << 20)
#define NS_STEM_CACHE_MIN_SLOTS ((size_t)1 << 12)

/* Bytes of a word kept in a cache slot. */
#define NS_SLOT_KEY 16
/* The word buffer: room for a 64-bit store (or a 4-byte code point) at any
 * length up to the cap, and at least NS_SLOT_KEY bytes. */
#define NS_WORD_BUF (NS_TOKEN_MAX_BYTES + 8)

#define NS_LANG_MAX 32

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__GNUC__) || defined(__clang__))
#define NS_SWAR 1
#else
#define NS_SWAR 0
#endif

typedef struct sc_slot {
    uint64_t k0, k1;     /* first 16 bytes of the folded word, zero padded */
    const char *ext;     /* arena: bytes 16.. of the word, then the stem
                            unless stem_is_prefix; NULL when both are empty */
    uint8_t key_len;     /* 0 for an empty slot */
    uint8_t stem_len;
    uint8_t stem_is_prefix;
    uint32_t tag;        /* the caller's, through ns_token.tag; 0 when new */
} sc_slot; /* 32 bytes; stem_len 0: a stop word */

typedef struct sc_chunk {
    struct sc_chunk *next;
    size_t used;
    char data[];
} sc_chunk;

struct ns_analyzer {
    struct sb_stemmer *stemmer; /* owned; NULL for "none" */
    char lang[NS_LANG_MAX];
    int cache_on;
    uint32_t stop_list; /* NS_STOP_* */
    uint32_t n_words;   /* positions taken by the last ns_analyze() */
    uint64_t epoch;     /* changes whenever cached slots move or go */
    sc_slot *last_slot; /* the slot of the last cached lookup */
    ns_analyzer_stats st;
    sc_slot *slots;   /* owned; mask + 1 slots, NULL without a stemmer */
    size_t mask;
    size_t n_entries;
    sc_chunk *chunks; /* owned; newest first */
    size_t arena_bytes;
    char stem_buf[NS_TOKEN_MAX_BYTES]; /* uncached stems */
    ns_buf long_buf;  /* ns_analyzer_stem() of words over the token cap */
};

/* ASCII classes: a word byte maps to its folded form (>= '0'); the other
 * values are these markers. */
enum { AC_SEP = 0, AC_APOS = 1, AC_HIGH = 2 };

#define W(c) (c)
#define U(c) ((c) + 32)
static const uint8_t ascii_map[256] = {
    /* 0x00..0x2F: controls, space and punctuation separate; ' is special */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, AC_APOS, 0, 0, 0, 0, 0, 0, 0, 0,
    W('0'), W('1'), W('2'), W('3'), W('4'), W('5'), W('6'), W('7'),
    W('8'), W('9'), 0, 0, 0, 0, 0, 0,
    0, U('A'), U('B'), U('C'), U('D'), U('E'), U('F'), U('G'),
    U('H'), U('I'), U('J'), U('K'), U('L'), U('M'), U('N'), U('O'),
    U('P'), U('Q'), U('R'), U('S'), U('T'), U('U'), U('V'), U('W'),
    U('X'), U('Y'), U('Z'), 0, 0, 0, 0, 0,
    0, W('a'), W('b'), W('c'), W('d'), W('e'), W('f'), W('g'),
    W('h'), W('i'), W('j'), W('k'), W('l'), W('m'), W('n'), W('o'),
    W('p'), W('q'), W('r'), W('s'), W('t'), W('u'), W('v'), W('w'),
    W('x'), W('y'), W('z'), 0, 0, 0, 0, 0,
    /* 0x80..0xFF: decode */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
#undef W
#undef U

/* ---- language names ---------------------------------------------------- */

/* ISO 639 codes libstemmer 2.x accepts, mapped to its canonical names. */
static const struct {
    const char *alias, *name;
} lang_aliases[] = {
    {"ar", "arabic"},     {"ara", "arabic"},     {"hy", "armenian"},
    {"hye", "armenian"},  {"arm", "armenian"},   {"eu", "basque"},
    {"eus", "basque"},    {"baq", "basque"},     {"ca", "catalan"},
    {"cat", "catalan"},   {"da", "danish"},      {"dan", "danish"},
    {"nl", "dutch"},      {"dut", "dutch"},      {"nld", "dutch"},
    {"en", "english"},    {"eng", "english"},    {"fi", "finnish"},
    {"fin", "finnish"},   {"fr", "french"},      {"fre", "french"},
    {"fra", "french"},    {"de", "german"},      {"ger", "german"},
    {"deu", "german"},    {"el", "greek"},       {"gre", "greek"},
    {"ell", "greek"},     {"hi", "hindi"},       {"hin", "hindi"},
    {"hu", "hungarian"},  {"hun", "hungarian"},  {"id", "indonesian"},
    {"ind", "indonesian"}, {"ga", "irish"},      {"gle", "irish"},
    {"it", "italian"},    {"ita", "italian"},    {"lt", "lithuanian"},
    {"lit", "lithuanian"}, {"ne", "nepali"},     {"nep", "nepali"},
    {"no", "norwegian"},  {"nor", "norwegian"},  {"pt", "portuguese"},
    {"por", "portuguese"}, {"ro", "romanian"},   {"rum", "romanian"},
    {"ron", "romanian"},  {"ru", "russian"},     {"rus", "russian"},
    {"sr", "serbian"},    {"srp", "serbian"},    {"es", "spanish"},
    {"esl", "spanish"},   {"spa", "spanish"},    {"sv", "swedish"},
    {"swe", "swedish"},   {"ta", "tamil"},       {"tam", "tamil"},
    {"tr", "turkish"},    {"tur", "turkish"},    {"yi", "yiddish"},
    {"yid", "yiddish"},
};

static bool lang_listed(const char *name)
{
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcmp(*l, name) == 0)
            return true;
    return false;
}

static ns_rc lang_unknown(const char *lang, ns_err *err)
{
    /* As many names as fit in the message; "..." marks a cut. */
    char msg[sizeof err->msg];
    int pn = snprintf(msg, sizeof msg, "unknown language '%.20s'; available: none", lang);
    size_t n = pn > 0 && (size_t)pn < sizeof msg ? (size_t)pn : 0;
    for (const char **l = sb_stemmer_list(); *l; l++) {
        size_t m = strlen(*l);
        bool last = l[1] == NULL;
        if (n + 1 + m + (last ? 0 : 4) >= sizeof msg) {
            memcpy(msg + n, " ...", 4);
            n += 4;
            break;
        }
        msg[n++] = ' ';
        memcpy(msg + n, *l, m);
        n += m;
    }
    msg[n] = '\0';
    return ns_err_set(err, NS_E_ARG, "%s", msg);
}

/* Canonical name for lang in out[NS_LANG_MAX], or false if unknown. */
static bool lang_resolve(const char *lang, char *out)
{
    size_t n = strlen(lang);
    if (n == 0 || n >= NS_LANG_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = lang[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (!((c >= 'a' && c <= 'z') || c == '_'))
            return false;
        out[i] = c;
    }
    out[n] = '\0';
    if (strcmp(out, "none") == 0 || lang_listed(out))
        return true;
    for (size_t i = 0; i < sizeof lang_aliases / sizeof lang_aliases[0]; i++) {
        if (strcmp(out, lang_aliases[i].alias) == 0 && lang_listed(lang_aliases[i].name)) {
            strcpy(out, lang_aliases[i].name);
            return true;
        }
    }
    /* An alias this table does not know (a newer libstemmer): keep it. */
    struct sb_stemmer *s = sb_stemmer_new(out, "UTF_8");
    sb_stemmer_delete(s);
    return s != NULL;
}

/* ---- stop words ---------------------------------------------------------- */

/* The English list of Lucene's EnglishAnalyzer (33 words), so that index
 * sizes and rankings compare with it; each word fits in 8 bytes and is kept
 * as its zero-padded little-endian key, sorted. */
static const char *const stop_english[] = {
    "a",    "an",   "and",   "are",  "as",    "at",    "be",    "but",  "by",
    "for",  "if",   "in",    "into", "is",    "it",    "no",    "not",  "of",
    "on",   "or",   "such",  "that", "the",   "their", "then",  "there", "these",
    "they", "this", "to",    "was",  "will",  "with",
};
#define NS_STOP_ENGLISH_N (sizeof stop_english / sizeof stop_english[0])

static const char *const stop_names[] = {"none", "english"};

/* True when the folded word w[0..wl) is on a's stop list. */
static bool is_stop(const ns_analyzer *a, const char *w, size_t wl)
{
    if (a->stop_list != NS_STOP_ENGLISH || wl > 5)
        return false;
    size_t lo = 0, hi = NS_STOP_ENGLISH_N;
    while (lo < hi) { /* the list is sorted by strcmp */
        size_t mid = (lo + hi) / 2;
        const char *s = stop_english[mid];
        size_t sl = strlen(s);
        int c = memcmp(w, s, wl < sl ? wl : sl);
        if (c == 0)
            c = wl < sl ? -1 : wl > sl;
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

ns_rc ns_stop_list_parse(const char *name, uint32_t *out, ns_err *err)
{
    for (uint32_t i = 0; i < sizeof stop_names / sizeof stop_names[0]; i++) {
        if (strcmp(name, stop_names[i]) == 0) {
            *out = i;
            return NS_OK;
        }
    }
    return ns_err_set(err, NS_E_ARG, "unknown stop word list '%.40s'; available: none english",
                      name);
}

const char *ns_stop_list_name(uint32_t id)
{
    return id < sizeof stop_names / sizeof stop_names[0] ? stop_names[id] : NULL;
}

/* ---- stem cache --------------------------------------------------------- */

static inline uint64_t load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void store64(void *p, uint64_t v) { memcpy(p, &v, 8); }

/* The first NS_SLOT_KEY bytes of w[0..wl), zero padded, as two words.
 * Bytes of w past wl may hold anything (but must be initialised). */
static inline void word_key(const char *w, size_t wl, uint64_t *k0, uint64_t *k1)
{
    uint64_t a = load64(w), b = load64(w + 8);
    if (wl < 8) {
        a &= ((uint64_t)1 << (8 * wl)) - 1;
        b = 0;
    } else if (wl < 16) {
        b &= ((uint64_t)1 << (8 * (wl - 8))) - 1;
    }
    *k0 = a;
    *k1 = b;
}

/* Hash of the folded word w[0..wl) whose key is k0, k1. */
static inline uint64_t word_hash(const char *w, size_t wl, uint64_t k0, uint64_t k1)
{
    _Static_assert(NS_SLOT_KEY == 16, "ns_hash_key takes keys of up to 16 bytes from k0, k1");
    return ns_hash_key(w, wl, k0, k1);
}

static void cache_clear(ns_analyzer *a)
{
    sc_chunk *c = a->chunks;
    if (c) {
        sc_chunk *rest = c->next;
        while (rest) {
            sc_chunk *next = rest->next;
            ns_free(rest);
            rest = next;
        }
        c->next = NULL;
        c->used = 0;
        a->arena_bytes = NS_STEM_CACHE_CHUNK;
    }
    memset(a->slots, 0, (a->mask + 1) * sizeof *a->slots);
    a->n_entries = 0;
    a->epoch++;
}

static void cache_release(ns_analyzer *a)
{
    sc_chunk *c = a->chunks;
    while (c) {
        sc_chunk *next = c->next;
        ns_free(c);
        c = next;
    }
    a->chunks = NULL;
    ns_free(a->slots);
    a->slots = NULL;
}

static char *arena_alloc(ns_analyzer *a, size_t n)
{
    sc_chunk *c = a->chunks;
    if (!c || NS_STEM_CACHE_CHUNK - c->used < n) {
        c = ns_malloc(sizeof *c + NS_STEM_CACHE_CHUNK);
        if (!c)
            return NULL;
        c->next = a->chunks;
        c->used = 0;
        a->chunks = c;
        a->arena_bytes += NS_STEM_CACHE_CHUNK;
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

/* Rebuilds the (zero padded) word of a slot in w[NS_WORD_BUF]. */
static void slot_word(const sc_slot *s, char *w)
{
    memset(w, 0, NS_WORD_BUF);
    store64(w, s->k0);
    store64(w + 8, s->k1);
    if (s->key_len > NS_SLOT_KEY)
        memcpy(w + NS_SLOT_KEY, s->ext, s->key_len - NS_SLOT_KEY);
}

static bool cache_grow(ns_analyzer *a)
{
    size_t n_slots = (a->mask + 1) * 2;
    sc_slot *slots = ns_calloc(n_slots, sizeof *slots);
    if (!slots)
        return false;
    size_t mask = n_slots - 1;
    char w[NS_WORD_BUF];
    for (size_t i = 0; i <= a->mask; i++) {
        const sc_slot *s = &a->slots[i];
        if (!s->key_len)
            continue;
        slot_word(s, w);
        size_t j = (size_t)word_hash(w, s->key_len, s->k0, s->k1) & mask;
        while (slots[j].key_len)
            j = (j + 1) & mask;
        slots[j] = *s;
    }
    ns_free(a->slots);
    a->slots = slots;
    a->mask = mask;
    a->epoch++;
    return true;
}

/* Stems w[0..wl) with libstemmer and normalises the result (see the top of
 * the file).  Returns: borrowed (a->stem_buf, or w itself); NULL when
 * libstemmer runs out of memory. */
static const char *stem_direct(ns_analyzer *a, const char *w, size_t wl, size_t *out_len)
{
    if (is_stop(a, w, wl)) {
        *out_len = 0;
        return w;
    }
    const sb_symbol *r = sb_stemmer_stem(a->stemmer, (const sb_symbol *)w, (int)wl);
    if (!r)
        return NULL;
    int rn = sb_stemmer_length(a->stemmer);
    size_t n = rn > 0 ? (size_t)rn : 0;
    if (n > NS_TOKEN_MAX_BYTES)
        n = ns_utf8_floor(r, n, NS_TOKEN_MAX_BYTES);
    if (n == 0) {
        *out_len = wl;
        return w;
    }
    memcpy(a->stem_buf, r, n);
    *out_len = n;
    return a->stem_buf;
}

/* The cache miss of stem_cached(): stems w and stores it in slot i (the
 * empty slot where the probe for hash h ended) or, after a clear or growth,
 * wherever h now leads. */
static __attribute__((noinline)) const char *
stem_insert(ns_analyzer *a, const char *w, size_t wl, uint64_t k0, uint64_t k1, uint64_t h,
            size_t i, size_t *out_len)
{
    size_t sl;
    const char *stem = stem_direct(a, w, wl, &sl);
    if (!stem)
        return NULL;
    bool prefix = sl <= wl && memcmp(stem, w, sl) == 0;
    size_t tail = wl > NS_SLOT_KEY ? wl - NS_SLOT_KEY : 0;
    size_t ext_len = tail + (prefix ? 0 : sl);

    bool arena_full = a->arena_bytes >= NS_STEM_CACHE_MAX_ARENA &&
                      NS_STEM_CACHE_CHUNK - a->chunks->used < ext_len;
    bool table_full = (a->n_entries + 1) * 4 > (a->mask + 1) * 3;
    if (arena_full || (table_full && a->mask + 1 >= NS_STEM_CACHE_MAX_SLOTS)) {
        cache_clear(a);
        i = (size_t)h & a->mask;
    } else if (table_full) {
        if (!cache_grow(a))
            return NULL;
        i = (size_t)h & a->mask;
        while (a->slots[i].key_len)
            i = (i + 1) & a->mask;
    }
    char *ext = NULL;
    if (ext_len) {
        if (!(ext = arena_alloc(a, ext_len)))
            return NULL;
        memcpy(ext, w + NS_SLOT_KEY, tail);
        if (!prefix)
            memcpy(ext + tail, stem, sl);
    }
    sc_slot *s = &a->slots[i];
    s->k0 = k0;
    s->k1 = k1;
    s->ext = ext;
    s->key_len = (uint8_t)wl;
    s->stem_len = (uint8_t)sl;
    s->stem_is_prefix = prefix;
    s->tag = 0;
    a->last_slot = s;
    a->n_entries++;
    *out_len = sl;
    return prefix ? w : ext + tail;
}

/* w[0..wl), 1 <= wl <= NS_TOKEN_MAX_BYTES, in a buffer of at least
 * NS_SLOT_KEY bytes.  Returns: borrowed (w itself, or the arena, valid
 * until the cache is cleared by a later miss); NULL on allocation failure. */
static inline const char *stem_cached_h(ns_analyzer *a, const char *w, size_t wl, uint64_t k0,
                                        uint64_t k1, uint64_t h, size_t *out_len)
{
    size_t i = (size_t)h & a->mask;
    for (;;) {
        const sc_slot *s = &a->slots[i];
        if (s->key_len == wl && s->k0 == k0 && s->k1 == k1 &&
            (wl <= NS_SLOT_KEY || memcmp(s->ext, w + NS_SLOT_KEY, wl - NS_SLOT_KEY) == 0)) {
            a->st.cache_hits++;
            a->last_slot = (sc_slot *)s;
            *out_len = s->stem_len;
            if (s->stem_is_prefix)
                return w;
            return s->ext + (wl > NS_SLOT_KEY ? wl - NS_SLOT_KEY : 0);
        }
        if (!s->key_len)
            return stem_insert(a, w, wl, k0, k1, h, i, out_len);
        i = (i + 1) & a->mask;
    }
}

static inline const char *stem_cached(ns_analyzer *a, const char *w, size_t wl, size_t *out_len)
{
    uint64_t k0, k1;
    word_key(w, wl, &k0, &k1);
    return stem_cached_h(a, w, wl, k0, k1, word_hash(w, wl, k0, k1), out_len);
}

/* Term for a folded word w[0..wl), 1 <= wl <= NS_TOKEN_MAX_BYTES, in a
 * buffer of at least NS_SLOT_KEY bytes.  Returns: borrowed; NULL on allocation
 * failure. */
static inline const char *term_of(ns_analyzer *a, const char *w, size_t wl, size_t *out_len)
{
    if (!a->stemmer) {
        *out_len = is_stop(a, w, wl) ? 0 : wl;
        return w;
    }
    a->st.stem_calls++;
    if (a->cache_on)
        return stem_cached(a, w, wl, out_len);
    return stem_direct(a, w, wl, out_len);
}

/* ---- public API ----------------------------------------------------------- */

ns_rc ns_analyzer_new(const char *lang, ns_analyzer **out, ns_err *err)
{
    *out = NULL;
    char name[NS_LANG_MAX];
    if (!lang || !lang_resolve(lang, name))
        return lang_unknown(lang ? lang : "(null)", err);
    ns_analyzer *a = ns_calloc(1, sizeof *a);
    if (!a)
        return ns_err_set(err, NS_E_NOMEM, "out of memory creating the analyzer");
    memcpy(a->lang, name, sizeof name);
    a->cache_on = 1;
    ns_buf_init(&a->long_buf);
    if (strcmp(name, "none") != 0) {
        a->stemmer = sb_stemmer_new(name, "UTF_8");
        a->slots = ns_calloc(NS_STEM_CACHE_MIN_SLOTS, sizeof *a->slots);
        a->mask = NS_STEM_CACHE_MIN_SLOTS - 1;
        if (!a->stemmer || !a->slots) {
            ns_analyzer_free(a);
            return ns_err_set(err, NS_E_NOMEM, "out of memory creating the '%s' stemmer", name);
        }
    }
    *out = a;
    return NS_OK;
}

void ns_analyzer_free(ns_analyzer *a)
{
    if (!a)
        return;
    sb_stemmer_delete(a->stemmer);
    cache_release(a);
    ns_buf_release(&a->long_buf);
    ns_free(a);
}

const char *ns_analyzer_lang(const ns_analyzer *a) { return a->lang; }

ns_rc ns_analyzer_set_stop_list(ns_analyzer *a, uint32_t list, ns_err *err)
{
    if (!ns_stop_list_name(list))
        return ns_err_set(err, NS_E_ARG, "unknown stop word list %u", list);
    a->stop_list = list;
    if (a->slots)
        cache_clear(a); /* cached entries say whether a word is a stop word */
    return NS_OK;
}

uint32_t ns_analyzer_stop_list(const ns_analyzer *a) { return a->stop_list; }

uint32_t ns_analyzer_words(const ns_analyzer *a) { return a->n_words; }

uint64_t ns_analyzer_epoch(const ns_analyzer *a) { return a->epoch; }

/* ---- tokenizer ------------------------------------------------------------ */

#if NS_SWAR
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* High bit of each byte of v that is an ASCII letter or digit.  Each sum
 * stays within its byte (operands < 0x80 + 0x80), so no carry crosses. */
static inline uint64_t swar_alnum(uint64_t v)
{
    uint64_t x = v & ~HIGHS;
    uint64_t lx = x | (0x20 * ONES); /* letters of either case -> a..z */
    uint64_t letter = (lx + (0x80 - 'a') * ONES) & ~(lx + (0x7F - 'z') * ONES);
    uint64_t digit = (x + (0x80 - '0') * ONES) & ~(x + (0x7F - '9') * ONES);
    return (letter | digit) & ~v & HIGHS;
}

/* v with ASCII A..Z turned into a..z. */
static inline uint64_t swar_lower(uint64_t v)
{
    uint64_t x = v & ~HIGHS;
    uint64_t upper = (x + (0x80 - 'A') * ONES) & ~(x + (0x7F - 'Z') * ONES) & ~v & HIGHS;
    return v | (upper >> 2);
}
#endif

/* True when the code point at s[i] (i < len) is a word character. */
static inline bool word_at(const uint8_t *s, size_t len, size_t i)
{
    uint8_t t = ascii_map[s[i]];
    if (t != AC_HIGH)
        return t > AC_HIGH;
    uint32_t cp;
    ns_utf8_decode(s + i, len - i, &cp);
    return ns_fold_is_word(cp);
}

/* True when an apostrophe of apos_len bytes at s[i] starts a possessive
 * 's: "s"/"S" then a non-word character or the end. */
static inline bool possessive_at(const uint8_t *s, size_t len, size_t i, size_t apos_len)
{
    size_t j = i + apos_len;
    if (j >= len || (s[j] | 0x20) != 's')
        return false;
    return j + 1 == len || !word_at(s, len, j + 1);
}

/* Words in flight between folding and stemming: each one's cache slot is
 * prefetched when it is folded and read NS_RING - 1 words later, which hides
 * the cache miss of a large vocabulary (a third of the analyzer's time). */
#define NS_RING 16

typedef struct pending {
    _Alignas(8) char w[NS_WORD_BUF]; /* the folded word, zero padded */
    size_t wl, start, end;
    uint64_t k0, k1, h; /* cache key and hash, when the cache is used */
} pending;

typedef struct ring {
    pending p[NS_RING];
    unsigned head, n;
    uint32_t pos;
} ring;

/* Stems the oldest pending word and hands its token to cb.  Returns 1 if cb
 * asked to stop, -1 on allocation failure, else 0. */
static inline int ring_emit(ns_analyzer *a, ring *r, bool cached, ns_token_cb cb, void *ctx)
{
    pending *p = &r->p[(r->head - r->n) & (NS_RING - 1)];
    r->n--;
    ns_token tok;
    tok.tag = NULL;
    if (cached) {
        a->st.stem_calls++;
        tok.term = stem_cached_h(a, p->w, p->wl, p->k0, p->k1, p->h, &tok.term_len);
        if (tok.term)
            tok.tag = &a->last_slot->tag;
    } else {
        tok.term = term_of(a, p->w, p->wl, &tok.term_len);
    }
    if (!tok.term)
        return -1;
    if (tok.term_len == 0) { /* a stop word: it keeps its position */
        a->n_words = ++r->pos;
        return 0;
    }
    a->n_words = r->pos + 1;
    tok.start = p->start;
    tok.end = p->end;
    tok.pos = r->pos++;
    return cb(ctx, &tok) ? 1 : 0;
}

ns_rc ns_analyze(ns_analyzer *a, const char *text, size_t len, ns_token_cb cb, void *ctx)
{
    const uint8_t *s = (const uint8_t *)text;
    ring r;
    memset(&r, 0, sizeof r); /* word_key() reads whole 64-bit words */
    bool cached = a->stemmer && a->cache_on;
    size_t i = 0;
    a->n_words = 0;
    while (i < len) {
        /* Find the start of a word. */
#if NS_SWAR
        if (len - i >= 8) {
            uint64_t v = load64(s + i);
            uint64_t go = swar_alnum(v) | (v & HIGHS);
            if (!go) {
                i += 8;
                continue;
            }
            i += (size_t)__builtin_ctzll(go) >> 3;
        }
#endif
        uint8_t t = ascii_map[s[i]];
        if (t < AC_HIGH) {
            i++;
            continue;
        }
        if (t == AC_HIGH) {
            uint32_t cp;
            size_t n = ns_utf8_decode(s + i, len - i, &cp);
            if (!ns_fold_is_word(cp)) {
                i += n;
                continue;
            }
        }

        /* Fold the word into w; wl counts its folded bytes even past the
         * cap (then nothing more is stored). */
        pending *p = &r.p[r.head];
        char *w = p->w;
        size_t start = i, end, wl = 0;
        for (;;) {
#if NS_SWAR
            if (len - i >= 8) {
                uint64_t v = load64(s + i);
                uint64_t stop = ~swar_alnum(v) & HIGHS;
                if (wl <= NS_TOKEN_MAX_BYTES)
                    store64(w + wl, swar_lower(v));
                if (!stop) {
                    wl += 8;
                    i += 8;
                    continue;
                }
                size_t k = (size_t)__builtin_ctzll(stop) >> 3;
                wl += k;
                i += k;
                t = ascii_map[s[i]];
            } else
#endif
            {
                while (i < len && (t = ascii_map[s[i]]) > AC_HIGH) {
                    if (wl <= NS_TOKEN_MAX_BYTES)
                        w[wl] = (char)t;
                    wl++;
                    i++;
                }
                if (i == len) {
                    end = i;
                    break;
                }
            }
            if (t == AC_SEP) {
                end = i;
                break;
            }
            if (t == AC_APOS) {
                end = i;
                if (possessive_at(s, len, i, 1))
                    i += 2;
                break; /* a plain apostrophe is skipped as a separator */
            }
            uint32_t cp;
            size_t n = ns_utf8_decode(s + i, len - i, &cp);
            if (cp == 0x2019 && n == 3) {
                end = i;
                if (possessive_at(s, len, i, 3))
                    i += 4;
                break;
            }
            if (!ns_fold_is_word(cp)) {
                end = i;
                break;
            }
            cp = ns_fold_case(cp);
            if (wl <= NS_TOKEN_MAX_BYTES)
                wl += ns_utf8_encode(cp, (uint8_t *)w + wl);
            else
                wl += 4; /* already too long: only the count matters */
            i += n;
        }

        if (wl > NS_TOKEN_MAX_BYTES)
            continue;
        p->wl = wl;
        p->start = start;
        p->end = end;
        if (cached) {
            word_key(w, wl, &p->k0, &p->k1);
            p->h = word_hash(w, wl, p->k0, p->k1);
            __builtin_prefetch(&a->slots[(size_t)p->h & a->mask]);
        }
        r.head = (r.head + 1) & (NS_RING - 1);
        if (++r.n == NS_RING) {
            int st = ring_emit(a, &r, cached, cb, ctx);
            if (st)
                return st < 0 ? NS_E_NOMEM : NS_OK;
        }
    }
    while (r.n) {
        int st = ring_emit(a, &r, cached, cb, ctx);
        if (st)
            return st < 0 ? NS_E_NOMEM : NS_OK;
    }
    return NS_OK;
}

const char *ns_analyzer_stem(ns_analyzer *a, const char *word, size_t len, size_t *out_len)
{
    if (!a->stemmer) {
        *out_len = len;
        return word;
    }
    if (len > 0 && len <= NS_TOKEN_MAX_BYTES) {
        _Alignas(8) char w[NS_WORD_BUF];
        memset(w, 0, sizeof w);
        memcpy(w, word, len);
        const char *r = term_of(a, w, len, out_len);
        if (!r)
            return NULL;
        /* r may be w itself (a prefix of the word), the cache's arena or
         * stem_buf: hand back our own copy in every case. */
        if (r != a->stem_buf)
            memcpy(a->stem_buf, r, *out_len);
        return a->stem_buf;
    }
    if (len == 0) {
        *out_len = 0;
        return "";
    }
    if (len > (size_t)INT32_MAX)
        return NULL;
    a->st.stem_calls++;
    const sb_symbol *r = sb_stemmer_stem(a->stemmer, (const sb_symbol *)word, (int)len);
    if (!r)
        return NULL;
    int rn = sb_stemmer_length(a->stemmer);
    size_t n = rn > 0 ? (size_t)rn : 0;
    ns_buf_reset(&a->long_buf);
    if (n == 0)
        r = (const sb_symbol *)word, n = len;
    if (ns_buf_append(&a->long_buf, r, n) != NS_OK)
        return NULL;
    *out_len = n;
    return (const char *)a->long_buf.data;
}

/* Probe text for the identity: English, French, German, Spanish, Russian,
 * Greek and other forms, possessives, digits, a combining accent, and
 * letters that fold specially.  Changing it changes every identity. */
static const char identity_probe[] =
    "running runs ran generalizations generalization meeting meets nations "
    "national Russia's NATO\xE2\x80\x99s Article Five connected connection "
    "happiness relational hopeful quickly 2022 "
    "continuellement nationalit\xC3\xA9 \xC3\xA9tudiants "
    "H\xC3\xA4user aufeinanderfolgenden M\xC3\xA4" "dchen Stra\xC3\x9F" "e "
    "corriendo naciones "
    "\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90 "
    "\xD0\xB1\xD0\xB5\xD0\xB6\xD0\xB0\xD1\x82\xD1\x8C "
    "\xCE\x9F\xCE\x94\xCE\xA5\xCE\xA3\xCE\xA3\xCE\x95\xCE\xA5\xCE\xA3 "
    "\xCE\xB1\xCE\xBD\xCE\xB8\xCF\x81\xCF\x8E\xCF\x80\xCE\xBF\xCF\x85\xCF\x82 "
    "\xC4\xB0stanbul kitaplar\xC4\xB1 "
    "e\xCC\x81" "cole "
    "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3 "
    "it's o'clock don't rock'n'roll "
    "arbetande spr\xC3\xA5kens nykyaikaisten g\xC3\xA9pesek "
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa end";

typedef struct id_ctx {
    uint64_t h;
} id_ctx;

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static int identity_cb(void *ctx, const ns_token *tok)
{
    id_ctx *c = ctx;
    uint8_t rec[16];
    put_le(rec, tok->term_len, 4);
    put_le(rec + 4, tok->start, 4);
    put_le(rec + 8, tok->end, 4);
    put_le(rec + 12, tok->pos, 4);
    c->h = XXH64(rec, sizeof rec, c->h);
    c->h = XXH64(tok->term, tok->term_len, c->h);
    return 0;
}

/* XXH64 over (tokenizer version, token cap, canonical language, stop list if any) and every
 * token of the probe text: term, offsets, position.  Returns 0 only if
 * libstemmer fails (out of memory). */
uint64_t ns_analyzer_identity(ns_analyzer *a)
{
    uint8_t hdr[12];
    put_le(hdr, NS_TOKENIZER_VERSION, 4);
    put_le(hdr + 4, NS_TOKEN_MAX_BYTES, 4);
    put_le(hdr + 8, strlen(a->lang), 4);
    id_ctx c = {XXH64(hdr, sizeof hdr, 0x6e736561726368ull /* "nsearch" */)};
    c.h = XXH64(a->lang, strlen(a->lang), c.h);
    /* The stop list is hashed only when there is one, so analyzers without
     * one keep the identity they had before stop lists existed. */
    const char *sn = ns_stop_list_name(a->stop_list);
    if (a->stop_list != NS_STOP_NONE && sn)
        c.h = XXH64(sn, strlen(sn), c.h);
    /* Stem without the cache and leave the statistics as they were. */
    ns_analyzer_stats saved = a->st;
    int cache_on = a->cache_on;
    a->cache_on = 0;
    ns_rc rc = ns_analyze(a, identity_probe, sizeof identity_probe - 1, identity_cb, &c);
    a->cache_on = cache_on;
    a->st = saved;
    return rc == NS_OK ? c.h : 0;
}

/* stem_calls counts the words stemmed (by ns_analyze and ns_analyzer_stem,
 * cache on or off); cache_hits those the cache answered, so libstemmer ran
 * stem_calls - cache_hits times. */
void ns_analyzer_get_stats(const ns_analyzer *a, ns_analyzer_stats *st) { *st = a->st; }

void ns_analyzer_set_cache(ns_analyzer *a, int enabled) { a->cache_on = enabled != 0; }
