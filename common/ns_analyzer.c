/* ns_analyzer: tokenize -> case fold -> drop possessive 's -> stem, with a
 * stem cache (see ns_analyzer.h for the tokenizer rules).
 *
 * This is the indexing hot path, so:
 *  - ASCII bytes go through one 256-entry table that both classifies and
 *    folds them; only non-ASCII bytes reach the UTF-8 decoder and the
 *    ns_fold range tables;
 *  - the folded word is built in a fixed buffer on the stack and no token
 *    allocates;
 *  - stems come from a cache (open addressing, linear probing, keyed by the
 *    folded word) whose keys and stems live in an arena of large chunks.
 *    libstemmer costs ~170 ns a word; a cache hit is a short hash and a
 *    memcmp.  The cache is bounded: past NS_STEM_CACHE_MAX_ENTRIES entries
 *    or NS_STEM_CACHE_MAX_ARENA bytes of keys and stems it is cleared
 *    wholesale and refilled (the vocabulary of real text is Zipfian, so the
 *    frequent words come back at once).
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
#include <string.h>

#include <libstemmer.h>
#include <xxhash.h>

#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_fold.h"
#include "ns_utf8.h"

/* Cache bounds: ~1M distinct words covers the bulk of any corpus's token
 * occurrences; 64 MiB caps the keys + stems (at most 128 bytes each). */
#define NS_STEM_CACHE_MAX_ENTRIES (1u << 20)
#define NS_STEM_CACHE_MAX_ARENA ((size_t)64 << 20)
#define NS_STEM_CACHE_CHUNK ((size_t)1 << 20)
#define NS_STEM_CACHE_MIN_SLOTS ((size_t)1 << 12)

#define NS_LANG_MAX 32

typedef struct sc_slot {
    const char *key;  /* arena: key_len bytes of folded word, then the stem;
                         NULL for an empty slot */
    uint32_t tag;     /* high half of the key's hash */
    uint8_t key_len, stem_len;
} sc_slot;

typedef struct sc_chunk {
    struct sc_chunk *next;
    size_t used;
    char data[];
} sc_chunk;

struct ns_analyzer {
    struct sb_stemmer *stemmer; /* owned; NULL for "none" */
    char lang[NS_LANG_MAX];
    int cache_on;
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
    char list[sizeof err->msg - 64];
    size_t n = 0;
    bool cut = false;
    memcpy(list, "none", 4);
    n = 4;
    for (const char **l = sb_stemmer_list(); *l; l++) {
        size_t m = strlen(*l);
        if (n + 1 + m + 5 > sizeof list) {
            cut = true;
            break;
        }
        list[n++] = ' ';
        memcpy(list + n, *l, m);
        n += m;
    }
    list[n] = '\0';
    return ns_err_set(err, NS_E_ARG, "unknown language '%.20s'; available: %s%s", lang, list,
                      cut ? " ..." : "");
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

/* ---- stem cache --------------------------------------------------------- */

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

static bool cache_grow(ns_analyzer *a)
{
    size_t n_slots = (a->mask + 1) * 2;
    sc_slot *slots = ns_calloc(n_slots, sizeof *slots);
    if (!slots)
        return false;
    size_t mask = n_slots - 1;
    for (size_t i = 0; i <= a->mask; i++) {
        const sc_slot *s = &a->slots[i];
        if (!s->key)
            continue;
        size_t j = (size_t)XXH3_64bits(s->key, s->key_len) & mask;
        while (slots[j].key)
            j = (j + 1) & mask;
        slots[j] = *s;
    }
    ns_free(a->slots);
    a->slots = slots;
    a->mask = mask;
    return true;
}

/* Stems w[0..wl) with libstemmer and normalises the result (see the top of
 * the file).  Returns: borrowed (a->stem_buf, or w itself); NULL when
 * libstemmer runs out of memory. */
static const char *stem_direct(ns_analyzer *a, const char *w, size_t wl, size_t *out_len)
{
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

/* wl <= NS_TOKEN_MAX_BYTES.  Returns: borrowed, valid until the cache is
 * cleared (never during one ns_analyze callback); NULL on allocation
 * failure. */
static const char *stem_cached(ns_analyzer *a, const char *w, size_t wl, size_t *out_len)
{
    uint64_t h = XXH3_64bits(w, wl);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & a->mask;
    for (;;) {
        const sc_slot *s = &a->slots[i];
        if (!s->key)
            break;
        if (s->tag == tag && s->key_len == wl && memcmp(s->key, w, wl) == 0) {
            a->st.cache_hits++;
            *out_len = s->stem_len;
            return s->key + wl;
        }
        i = (i + 1) & a->mask;
    }

    size_t sl;
    const char *stem = stem_direct(a, w, wl, &sl);
    if (!stem)
        return NULL;
    bool arena_full = a->arena_bytes >= NS_STEM_CACHE_MAX_ARENA &&
                      NS_STEM_CACHE_CHUNK - a->chunks->used < wl + sl;
    if (a->n_entries >= NS_STEM_CACHE_MAX_ENTRIES || arena_full) {
        cache_clear(a);
    } else if ((a->n_entries + 1) * 4 > (a->mask + 1) * 3) {
        if (!cache_grow(a))
            return NULL;
    } else {
        goto insert;
    }
    i = (size_t)h & a->mask;
    while (a->slots[i].key)
        i = (i + 1) & a->mask;
insert:;
    char *p = arena_alloc(a, wl + sl);
    if (!p)
        return NULL;
    memcpy(p, w, wl);
    memcpy(p + wl, stem, sl);
    sc_slot *s = &a->slots[i];
    s->key = p;
    s->tag = tag;
    s->key_len = (uint8_t)wl;
    s->stem_len = (uint8_t)sl;
    a->n_entries++;
    *out_len = sl;
    return p + wl;
}

/* Term for a folded word of wl <= NS_TOKEN_MAX_BYTES bytes.  Returns:
 * borrowed; NULL on allocation failure. */
static inline const char *term_of(ns_analyzer *a, const char *w, size_t wl, size_t *out_len)
{
    if (!a->stemmer) {
        *out_len = wl;
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

ns_rc ns_analyze(ns_analyzer *a, const char *text, size_t len, ns_token_cb cb, void *ctx)
{
    const uint8_t *s = (const uint8_t *)text;
    /* Room for one more code point past the cap, so appends need no check
     * until the length exceeds it. */
    char w[NS_TOKEN_MAX_BYTES + 4];
    uint32_t pos = 0;
    size_t i = 0;
    while (i < len) {
        /* Find the start of a word. */
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

        size_t start = i, end, wl = 0;
        for (;;) {
            /* ASCII run. */
            while (i < len && (t = ascii_map[s[i]]) > AC_HIGH) {
                if (wl <= NS_TOKEN_MAX_BYTES)
                    w[wl] = (char)t;
                wl++;
                i++;
            }
            if (i == len || t == AC_SEP) {
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
            if (cp < 0x80) { /* e.g. U+0130 and U+017F fold to ASCII */
                if (wl <= NS_TOKEN_MAX_BYTES)
                    w[wl] = (char)cp;
                wl++;
            } else {
                if (wl <= NS_TOKEN_MAX_BYTES)
                    wl += ns_utf8_encode(cp, (uint8_t *)w + wl);
                else
                    wl += 4; /* already too long: only the count matters */
            }
            i += n;
        }

        if (wl > NS_TOKEN_MAX_BYTES)
            continue;
        ns_token tok;
        tok.term = term_of(a, w, wl, &tok.term_len);
        if (!tok.term)
            return NS_E_NOMEM;
        tok.start = start;
        tok.end = end;
        tok.pos = pos++;
        if (cb(ctx, &tok))
            return NS_OK;
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
        const char *r = term_of(a, word, len, out_len);
        if (r == word) { /* empty stem: hand back our own copy */
            memcpy(a->stem_buf, word, len);
            r = a->stem_buf;
        }
        return r;
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
    "arbetande spr\xC3\xA5kens nykyaikaisten g\xC3\xA9pesek";

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
    uint8_t rec[20];
    put_le(rec, tok->term_len, 4);
    put_le(rec + 4, tok->start, 4);
    put_le(rec + 8, tok->end, 4);
    put_le(rec + 12, tok->pos, 4);
    put_le(rec + 16, 0x7E57ull, 4);
    c->h = XXH64(rec, sizeof rec, c->h);
    c->h = XXH64(tok->term, tok->term_len, c->h);
    return 0;
}

uint64_t ns_analyzer_identity(ns_analyzer *a)
{
    uint8_t hdr[8];
    put_le(hdr, NS_TOKENIZER_VERSION, 4);
    put_le(hdr + 4, strlen(a->lang), 4);
    id_ctx c = {XXH64(hdr, sizeof hdr, 0x6e736561726368ull /* "nsearch" */)};
    c.h = XXH64(a->lang, strlen(a->lang), c.h);
    /* Stem without the cache and leave the statistics as they were. */
    ns_analyzer_stats saved = a->st;
    int cache_on = a->cache_on;
    a->cache_on = 0;
    ns_rc rc = ns_analyze(a, identity_probe, sizeof identity_probe - 1, identity_cb, &c);
    a->cache_on = cache_on;
    a->st = saved;
    return rc == NS_OK ? c.h : 0;
}

void ns_analyzer_get_stats(const ns_analyzer *a, ns_analyzer_stats *st) { *st = a->st; }

void ns_analyzer_set_cache(ns_analyzer *a, int enabled) { a->cache_on = enabled != 0; }
