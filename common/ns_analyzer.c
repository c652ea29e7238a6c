/* ns_analyzer: the analysis pipeline (see ns_analyzer.h for the rules).
 *
 * This is the indexing hot path, so:
 *  - ASCII text is scanned 16 bytes at a time (SSE2, ns_ascan.h; 8 bytes
 *    by SWAR where there is no SSE2, and for the last bytes): a run of
 *    letters and digits is found and lower-cased without a branch per
 *    byte; the bytes
 *    that end a run go through one 256-entry table, which applies UAX #29's
 *    rules for ASCII (the joiners . ' , ; _) in a few branches;
 *  - text with a byte >= 0x80 goes to ICU (ns_wordbreak.h, ns_unorm.h) one
 *    span at a time: a span runs between ASCII characters that always
 *    separate words (anything but letters, digits, . , ; ' _ and "), and
 *    starts at a word boundary the fast path has already found, so both
 *    paths give the same words for the same text (tests compare them, with
 *    ns_analyzer_set_ascii_fast(a, 0));
 *  - the folded word is built in a fixed buffer and no ASCII token
 *    allocates; stems come from ns_stem's cache, each word's slot
 *    prefetched NS_RING - 1 words before it is read. */
#include "ns_analyzer.h"

#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_ascan.h"
#include "ns_buf.h"
#include "ns_lang.h"
#include "ns_unorm.h"
#include "ns_utf8.h"
#include "ns_wordbreak.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__GNUC__) || defined(__clang__))
#define NS_SWAR 1
#else
#define NS_SWAR 0
#endif
#if NS_ASCAN_SSE2 && !NS_SWAR
#error "the SSE2 scan falls back on the SWAR one for the last bytes"
#endif

/* Words in flight between folding and stemming: each one's cache slot is
 * prefetched when it is folded and read NS_RING - 1 words later, which hides
 * the cache miss of a large vocabulary (a third of the analyzer's time). */
#define NS_RING 16

/* A pending word's buffer: room for a 16-byte store at any length up to the
 * cap (ascii_word), and for what ns_stem reads (NS_STEM_WORD_BUF). */
#define NS_PENDING_BUF (NS_TOKEN_MAX_BYTES + 17)
_Static_assert(NS_PENDING_BUF >= NS_STEM_WORD_BUF, "a pending word is a stem word buffer");

typedef struct pending {
    _Alignas(16) char w[NS_PENDING_BUF]; /* the folded word, zero padded */
    size_t wl, start, end;
    uint64_t k0, k1, h; /* cache key and hash, when the cache is used */
} pending;

/* The state of one ns_analyze() call. */
typedef struct walk {
    ns_analyzer *an;
    const uint8_t *s;
    size_t len;
    ns_token_cb cb;
    void *ctx;
    bool cached;
    int status;      /* 0, 1: cb asked to stop, -1: out of memory */
    pending p[NS_RING];
    unsigned head, n;
    uint32_t pos;
    /* the CJK run being read */
    bool cjk_prev;     /* a character of the run is held in cjk_w */
    bool cjk_paired;   /* a bigram of the run was given */
    size_t cjk_start, cjk_end, cjk_len;
    char cjk_w[64];    /* the held character's normal form */
} walk;

struct ns_analyzer {
    ns_stem stem;
    char lang[NS_LANG_MAX];
    const char *const *elisions; /* static, NULL when the language has none */
    bool keep_diacritics;
    int ascii_fast;
    ns_unorm *un; /* owned */
    ns_wb *wb;    /* owned */
    uint32_t n_words;
    uint64_t long_split;
    walk walk;    /* the state of ns_analyze() */
    ns_buf fbuf;  /* a non-ASCII word's normal form */
    ns_buf long_buf; /* ns_analyzer_stem() of words over the token cap */
};

/* ASCII classes: a letter or digit maps to its folded form (>= '0'); the
 * other values are these markers. */
enum {
    AC_SEP = 0,    /* always separates (and ends an ICU span) */
    AC_APOS = 1,   /* '  joins letters or digits (MidNumLetQ) */
    AC_HIGH = 2,   /* >= 0x80 */
    AC_DOT = 3,    /* .  joins letters or digits (MidNumLet) */
    AC_MIDNUM = 4, /* , ; join digits (MidNum) */
    AC_USCORE = 5, /* _  joins anything (ExtendNumLet) */
    AC_DQUOTE = 6, /* "  separates in ASCII; joins Hebrew letters (in ICU) */
    AC_WORD = 7,   /* values above: word bytes */
};

#define W(c) (c)
#define U(c) ((c) + 32)
static const uint8_t ascii_map[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /*    !  "          #  $  %  &  '        (  )  *  +  ,          -  .       / */
    0, 0, AC_DQUOTE, 0, 0, 0, 0, AC_APOS, 0, 0, 0, 0, AC_MIDNUM, 0, AC_DOT, 0,
    W('0'), W('1'), W('2'), W('3'), W('4'), W('5'), W('6'), W('7'),
    W('8'), W('9'), 0, AC_MIDNUM, 0, 0, 0, 0,
    0, U('A'), U('B'), U('C'), U('D'), U('E'), U('F'), U('G'),
    U('H'), U('I'), U('J'), U('K'), U('L'), U('M'), U('N'), U('O'),
    U('P'), U('Q'), U('R'), U('S'), U('T'), U('U'), U('V'), U('W'),
    U('X'), U('Y'), U('Z'), 0, 0, 0, 0, AC_USCORE,
    0, W('a'), W('b'), W('c'), W('d'), W('e'), W('f'), W('g'),
    W('h'), W('i'), W('j'), W('k'), W('l'), W('m'), W('n'), W('o'),
    W('p'), W('q'), W('r'), W('s'), W('t'), W('u'), W('v'), W('w'),
    W('x'), W('y'), W('z'), 0, 0, 0, 0, 0,
    /* 0x80..0xFF: ICU */
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

static inline bool is_letter(uint8_t t) { return t >= 'a'; }
static inline bool is_digit(uint8_t t) { return t >= '0' && t <= '9'; }

/* ---- public API: set-up ---------------------------------------------------- */

ns_rc ns_analyzer_new(const char *lang, ns_analyzer **out, ns_err *err)
{
    *out = NULL;
    char name[NS_LANG_MAX];
    if (!lang || !ns_lang_resolve(lang, name))
        return ns_lang_unknown(lang ? lang : "(null)", err);
    ns_analyzer *a = ns_calloc(1, sizeof *a);
    if (!a)
        return ns_err_set(err, NS_E_NOMEM, "out of memory creating the analyzer");
    memcpy(a->lang, name, sizeof name);
    a->elisions = ns_lang_elisions(name);
    a->ascii_fast = 1;
    ns_buf_init(&a->fbuf);
    ns_buf_init(&a->long_buf);
    ns_rc rc = ns_stem_init(&a->stem, name, err);
    if (!rc)
        rc = ns_unorm_new(true, &a->un, err);
    if (!rc)
        rc = ns_wb_new(&a->wb, err);
    if (rc) {
        ns_analyzer_free(a);
        return rc;
    }
    *out = a;
    return NS_OK;
}

void ns_analyzer_free(ns_analyzer *a)
{
    if (!a)
        return;
    ns_stem_release(&a->stem);
    ns_unorm_free(a->un);
    ns_wb_free(a->wb);
    ns_buf_release(&a->fbuf);
    ns_buf_release(&a->long_buf);
    ns_free(a);
}

const char *ns_analyzer_lang(const ns_analyzer *a) { return a->lang; }

ns_rc ns_analyzer_set_stop_list(ns_analyzer *a, uint32_t list, ns_err *err)
{
    if (!ns_stop_list_name(list))
        return ns_err_set(err, NS_E_ARG, "unknown stop word list %u", list);
    ns_stem_set_stop_list(&a->stem, list);
    return NS_OK;
}

uint32_t ns_analyzer_stop_list(const ns_analyzer *a) { return a->stem.stop_list; }

ns_rc ns_analyzer_set_keep_diacritics(ns_analyzer *a, bool keep, ns_err *err)
{
    if (keep == a->keep_diacritics)
        return NS_OK;
    ns_unorm *u;
    ns_rc rc = ns_unorm_new(!keep, &u, err);
    if (rc)
        return rc;
    ns_unorm_free(a->un);
    a->un = u;
    a->keep_diacritics = keep;
    return NS_OK;
}

bool ns_analyzer_keep_diacritics(const ns_analyzer *a) { return a->keep_diacritics; }

uint32_t ns_analyzer_words(const ns_analyzer *a) { return a->n_words; }

uint64_t ns_analyzer_epoch(const ns_analyzer *a) { return a->stem.epoch; }

void ns_analyzer_get_stats(const ns_analyzer *a, ns_analyzer_stats *st)
{
    st->stem_calls = a->stem.st.stem_calls;
    st->cache_hits = a->stem.st.cache_hits;
    st->long_split = a->long_split;
}

void ns_analyzer_set_cache(ns_analyzer *a, int enabled) { a->stem.cache_on = enabled != 0; }

void ns_analyzer_set_ascii_fast(ns_analyzer *a, int enabled) { a->ascii_fast = enabled != 0; }

/* ---- the ring: folded words -> stems -> tokens ------------------------------ */

/* Stems the oldest pending word and hands its token to cb.  Returns 1 if cb
 * asked to stop, -1 on allocation failure, else 0. */
static inline __attribute__((always_inline)) int ring_emit(walk *r)
{
    ns_analyzer *a = r->an;
    pending *p = &r->p[(r->head - r->n) & (NS_RING - 1)];
    r->n--;
    ns_token tok;
    tok.tag = NULL;
    if (r->cached) {
        a->stem.st.stem_calls++;
        tok.term = ns_stem_cached_h(&a->stem, p->w, p->wl, p->k0, p->k1, p->h, &tok.term_len);
        if (tok.term)
            tok.tag = &a->stem.last_slot->tag;
    } else {
        tok.term = ns_stem_term(&a->stem, p->w, p->wl, &tok.term_len);
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
    return r->cb(r->ctx, &tok) ? 1 : 0;
}

/* Queues the pending word the caller has filled in r->p[r->head] (w, wl
 * 1..NS_TOKEN_MAX_BYTES; start, end).  The bytes after the word need no
 * padding: ns_stem_key() masks them (and they were zeroed once, with the
 * analyzer).  Returns the walk's status. */
static inline __attribute__((always_inline)) int ring_push(walk *r)
{
    pending *p = &r->p[r->head];
    if (r->cached) {
        ns_stem_key(p->w, p->wl, &p->k0, &p->k1);
        p->h = ns_stem_hash(p->w, p->wl, p->k0, p->k1);
        __builtin_prefetch(&r->an->stem.slots[(size_t)p->h & r->an->stem.mask]);
    }
    r->head = (r->head + 1) & (NS_RING - 1);
    if (++r->n == NS_RING)
        r->status = ring_emit(r);
    return r->status;
}

/* Queues the folded word f[0..n) (1..NS_TOKEN_MAX_BYTES bytes). */
static int push_copy(walk *r, const char *f, size_t n, size_t start, size_t end)
{
    pending *p = &r->p[r->head];
    memmove(p->w, f, n); /* f may be inside p->w (ascii_word) */
    p->wl = n;
    p->start = start;
    p->end = end;
    return ring_push(r);
}

/* ---- word rules: apostrophes, acronyms, long words ------------------------- */

static inline bool is_cont(uint8_t c) { return (c & 0xC0) == 0x80; }

/* The offset of the code point before off in s (off > 0). */
static size_t cp_back(const uint8_t *s, size_t off)
{
    do
        off--;
    while (off > 0 && is_cont(s[off]));
    return off;
}

/* Rewrites "’" and "‘" in f[0..n) as "'"; returns the new length. */
static size_t fold_quotes(char *f, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if ((uint8_t)f[i] == 0xE2 && i + 2 < n && (uint8_t)f[i + 1] == 0x80 &&
            ((uint8_t)f[i + 2] == 0x99 || (uint8_t)f[i + 2] == 0x98)) {
            f[o++] = '\'';
            i += 2;
        } else {
            f[o++] = f[i];
        }
    }
    return o;
}

/* The offset after the first apostrophe of the input s[start, end) (one
 * that folds to "'": U+0027, U+2018, U+2019, U+FF07), or start. */
static size_t after_apostrophe(const uint8_t *s, size_t start, size_t end)
{
    for (size_t i = start; i < end; i++) {
        if (s[i] == '\'')
            return i + 1;
        if (i + 2 < end && ((s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0x99 || s[i + 2] == 0x98)) ||
                            (s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x87)))
            return i + 3;
    }
    return start;
}

/* True when f[0..n) is single letters separated by dots ("u.s", "e.g"):
 * at least two, each one code point that is not a digit. */
static bool is_acronym(const char *f, size_t n)
{
    size_t i = 0, letters = 0;
    while (i < n) {
        uint8_t c = (uint8_t)f[i];
        if (c < 0x80) {
            if (!is_letter(ascii_map[c]))
                return false;
            i++;
        } else {
            uint32_t cp;
            i += ns_utf8_decode((const uint8_t *)f + i, n - i, &cp);
        }
        letters++;
        if (i == n)
            break;
        if (f[i] != '.' || i + 1 == n)
            return false;
        i++;
    }
    return letters >= 2;
}

/* A word of the segmentation, folded in f[0..n) (writable, n >= 1), from
 * the input's [start, end): applies the word rules and queues its pieces.
 * Returns the walk's status. */
static int take_word(walk *r, char *f, size_t n, size_t start, size_t end, bool ascii)
{
    ns_analyzer *a = r->an;
    if (!ascii)
        n = fold_quotes(f, n);
    /* possessive 's (all of them: the range left must analyse the same) */
    while (n > 2 && f[n - 1] == 's' && f[n - 2] == '\'') {
        n -= 2;
        end = cp_back(r->s, cp_back(r->s, end));
    }
    /* elided articles (all of them, as for the possessive) */
    while (a->elisions) {
        const char *q = memchr(f, '\'', n);
        if (!q || !ns_lang_is_elision(a->elisions, f, (size_t)(q - f)))
            break;
        size_t k = (size_t)(q - f) + 1, at = after_apostrophe(r->s, start, end);
        /* what follows must start a word alone ("d'" and a combining mark
         * stay one word: the mark would attach to nothing) */
        if (k >= n || at >= end ||
            (r->s[at] >= 0x80 && !ns_unorm_starts_word((const char *)r->s + at, end - at)))
            break;
        f += k;
        n -= k;
        start = at;
    }
    if (memchr(f, '.', n) && is_acronym(f, n)) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++)
            if (f[i] != '.')
                f[o++] = f[i];
        n = o;
    }
    if (n <= NS_TOKEN_MAX_BYTES)
        return push_copy(r, f, n, start, end);
    a->long_split++;
    while (n > 0 && !r->status) {
        size_t k = n <= NS_TOKEN_MAX_BYTES ? n
                                           : ns_utf8_floor((const uint8_t *)f, n, NS_TOKEN_MAX_BYTES);
        if (k == 0)
            k = NS_TOKEN_MAX_BYTES; /* not UTF-8 (cannot happen): cut anyway */
        push_copy(r, f, k, start, end);
        f += k;
        n -= k;
    }
    return r->status;
}

/* ---- spans through ICU ----------------------------------------------------- */

/* Normal form of s[start, end) into a->fbuf (reset first). */
static int fold_into(walk *r, size_t start, size_t end)
{
    ns_analyzer *a = r->an;
    ns_buf_reset(&a->fbuf);
    bool ascii = true;
    for (size_t i = start; i < end; i++)
        ascii &= r->s[i] < 0x80;
    if (ascii) {
        if (ns_buf_reserve(&a->fbuf, end - start))
            return -1;
        for (size_t i = start; i < end; i++) {
            uint8_t t = ascii_map[r->s[i]];
            a->fbuf.data[i - start] = (char)(t >= AC_WORD ? t : r->s[i]);
        }
        a->fbuf.len = end - start;
        return 1;
    }
    return ns_unorm_fold(a->un, (const char *)r->s + start, end - start, &a->fbuf) ? -1 : 0;
}

/* Ends the CJK run in progress: a run of one character gives it alone. */
static int cjk_flush(walk *r)
{
    if (r->cjk_prev && !r->cjk_paired && r->cjk_len)
        push_copy(r, r->cjk_w, r->cjk_len, r->cjk_start, r->cjk_end);
    r->cjk_prev = r->cjk_paired = false;
    return r->status;
}

static int wb_piece(void *ctx, ns_wb_kind kind, size_t start, size_t end, bool run_start)
{
    walk *r = ctx;
    if (kind == NS_WB_WORD || run_start)
        if (cjk_flush(r))
            return 1;
    int f = fold_into(r, start, end);
    if (f < 0) {
        r->status = -1;
        return 1;
    }
    ns_buf *b = &r->an->fbuf;
    if (kind == NS_WB_WORD) {
        /* ICU calls a run of joiners ("___") a word; the fast path does not */
        bool alnum = f == 1 ? memchr(b->data, '_', b->len) == NULL ||
                                  ns_unorm_has_alnum((const char *)b->data, b->len)
                            : ns_unorm_has_alnum((const char *)b->data, b->len);
        if (b->len && alnum)
            take_word(r, (char *)b->data, b->len, start, end, f == 1);
        return r->status != 0;
    }
    /* a CJK character: a bigram with the one before it */
    if (b->len > sizeof r->cjk_w)
        b->len = ns_utf8_floor(b->data, b->len, sizeof r->cjk_w);
    if (r->cjk_prev) {
        char pair[2 * sizeof r->cjk_w];
        memcpy(pair, r->cjk_w, r->cjk_len);
        memcpy(pair + r->cjk_len, b->data, b->len);
        if (r->cjk_len + b->len)
            push_copy(r, pair, r->cjk_len + b->len, r->cjk_start, end);
        r->cjk_paired = true;
    }
    r->cjk_prev = true;
    memcpy(r->cjk_w, b->data, b->len);
    r->cjk_len = b->len;
    r->cjk_start = start;
    r->cjk_end = end;
    return r->status != 0;
}

/* The end of the span that starts at i: the next byte that always
 * separates words. */
static size_t span_end(const uint8_t *s, size_t len, size_t i)
{
    while (i < len && ascii_map[s[i]] != AC_SEP)
        i++;
    return i;
}

/* Gives the span starting at the word boundary i to ICU; returns its end. */
static size_t do_span(walk *r, size_t i)
{
    size_t e = span_end(r->s, r->len, i);
    if (ns_wb_split(r->an->wb, (const char *)r->s, i, e, wb_piece, r))
        r->status = -1;
    if (!r->status)
        cjk_flush(r);
    return e;
}

/* ---- the ASCII fast path --------------------------------------------------- */

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

/* The high bit of the first byte of v that is '_' (and maybe of later
 * bytes: a borrow runs upwards, so only the lowest bit set is exact). */
static inline uint64_t swar_uscore(uint64_t v)
{
    uint64_t x = v ^ ('_' * ONES);
    return (x - ONES) & ~x & HIGHS;
}

/* v with ASCII A..Z turned into a..z. */
static inline uint64_t swar_lower(uint64_t v)
{
    uint64_t x = v & ~HIGHS;
    uint64_t upper = (x + (0x80 - 'A') * ONES) & ~(x + (0x7F - 'Z') * ONES) & ~v & HIGHS;
    return v | (upper >> 2);
}
#endif

/* Reads the ASCII word that starts at i (a letter, digit or '_'); queues
 * it and returns where scanning goes on, or, when the word runs into a byte
 * >= 0x80 that may continue it, hands the span from i to ICU.  s and len
 * are r->s and r->len, passed so that they stay in registers. */
static inline size_t ascii_word(walk *r, const uint8_t *s, size_t len, size_t i)
{
    size_t start = i, wl = 0, n_us = 0;
    bool joined = false;
    pending *p = &r->p[r->head];
    char *w = p->w;
    uint8_t t = AC_SEP;
    for (;;) {
#if NS_ASCAN_SSE2
        if (len - i >= 16) {
            char tmp[16];
            unsigned stop = ~ns_ascan_word(s + i, wl <= NS_TOKEN_MAX_BYTES ? w + wl : tmp) & 0xFFFFu;
            if (!stop) {
                wl += 16;
                i += 16;
                continue;
            }
            size_t k = (size_t)__builtin_ctz(stop);
            wl += k;
            i += k;
            t = ascii_map[s[i]];
        } else
#endif
#if NS_SWAR
        if (len - i >= 8) {
            uint64_t v = ns_stem_load64(s + i);
            uint64_t stop = ~swar_alnum(v) & HIGHS;
            if (wl <= NS_TOKEN_MAX_BYTES)
                ns_stem_store64(w + wl, swar_lower(v));
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
            while (i < len && (t = ascii_map[s[i]]) >= AC_WORD) {
                if (wl <= NS_TOKEN_MAX_BYTES)
                    w[wl] = (char)t;
                wl++;
                i++;
            }
            if (i == len)
                break;
        }
        if (t == AC_SEP)
            break;
        if (t == AC_USCORE) {
            if (wl <= NS_TOKEN_MAX_BYTES)
                w[wl] = '_';
            wl++;
            n_us++;
            i++;
            joined = true;
            if (i == len)
                break;
            continue;
        }
        if (t == AC_HIGH)
            return do_span(r, start);
        if (t != AC_APOS && t != AC_DOT && t != AC_MIDNUM)
            break;
        /* a joiner between the word's last byte and the next one */
        if (i + 1 == len)
            break;
        uint8_t pv = ascii_map[s[i - 1]], nx = ascii_map[s[i + 1]];
        if (pv < AC_WORD)
            break; /* after '_' nothing joins */
        if (nx == AC_HIGH)
            return do_span(r, start);
        bool join = is_digit(pv) ? is_digit(nx) : (t != AC_MIDNUM && is_letter(nx));
        if (!join)
            break;
        if (wl <= NS_TOKEN_MAX_BYTES)
            w[wl] = (char)s[i];
        wl++;
        i++;
        joined = true;
    }
    if (wl == n_us)
        return i; /* underscores only: not a word */
    if (!joined && wl <= NS_TOKEN_MAX_BYTES) {
        p->wl = wl;
        p->start = start;
        p->end = i;
        ring_push(r);
        return i;
    }
    if (wl <= NS_TOKEN_MAX_BYTES) { /* the rules apply, on the word as folded */
        take_word(r, w, wl, start, i, true);
        return i;
    }
    /* a long word: fold it again, whole */
    if (fold_into(r, start, i) < 0) {
        r->status = -1;
        return i;
    }
    take_word(r, (char *)r->an->fbuf.data, r->an->fbuf.len, start, i, true);
    return i;
}

ns_rc ns_analyze(ns_analyzer *a, const char *text, size_t len, ns_token_cb cb, void *ctx)
{
    walk *r = &a->walk; /* its words were zeroed by ns_calloc: ns_stem_key()
                           reads whole 64-bit words */
    r->an = a;
    r->status = 0;
    r->head = r->n = 0;
    r->pos = 0;
    r->cjk_prev = r->cjk_paired = false;
    r->s = (const uint8_t *)text;
    r->len = len;
    r->cb = cb;
    r->ctx = ctx;
    r->cached = a->stem.stemmer && a->stem.cache_on;
    const uint8_t *s = r->s;
    size_t i = 0;
    a->n_words = 0;
    if (!a->ascii_fast) {
        while (i < len && !r->status) {
            if (ascii_map[s[i]] == AC_SEP)
                i++;
            else
                i = do_span(r, i);
        }
    }
    while (i < len && !r->status) {
        /* Find the start of a word: a letter, a digit, '_' (which joins
         * what follows it: "_foo" is a word) or a byte >= 0x80. */
#if NS_ASCAN_SSE2
        if (len - i >= 16) {
            unsigned go = ns_ascan_start(s + i);
            if (!go) {
                i += 16;
                continue;
            }
            i += (size_t)__builtin_ctz(go);
        } else
#endif
#if NS_SWAR
        if (len - i >= 8) {
            uint64_t v = ns_stem_load64(s + i);
            uint64_t go = swar_alnum(v) | (v & HIGHS) | swar_uscore(v);
            if (!go) {
                i += 8;
                continue;
            }
            i += (size_t)__builtin_ctzll(go) >> 3;
        }
#endif
        uint8_t t = ascii_map[s[i]];
        if (t >= AC_WORD || t == AC_USCORE)
            i = ascii_word(r, s, len, i);
        else if (t == AC_HIGH)
            i = do_span(r, i);
        else
            i++;
    }
    while (r->n && !r->status)
        r->status = ring_emit(r);
    return r->status < 0 ? NS_E_NOMEM : NS_OK;
}

const char *ns_analyzer_stem(ns_analyzer *a, const char *word, size_t len, size_t *out_len)
{
    ns_stem *st = &a->stem;
    if (!st->stemmer) {
        *out_len = ns_stop_is(st->stop_list, word, len) ? 0 : len;
        return word;
    }
    if (len > 0 && len <= NS_TOKEN_MAX_BYTES) {
        _Alignas(8) char w[NS_STEM_WORD_BUF];
        memset(w, 0, sizeof w);
        memcpy(w, word, len);
        const char *r = ns_stem_term(st, w, len, out_len);
        if (!r)
            return NULL;
        /* r may be w itself (a prefix of the word), the cache's arena or
         * stem_buf: hand back our own copy in every case. */
        if (r != st->stem_buf)
            memcpy(st->stem_buf, r, *out_len);
        return st->stem_buf;
    }
    if (len == 0) {
        *out_len = 0;
        return "";
    }
    if (len > (size_t)INT32_MAX)
        return NULL;
    st->st.stem_calls++;
    ns_buf_reset(&a->long_buf);
    size_t n;
    const char *r = ns_stem_direct(st, word, len, &n);
    if (!r)
        return NULL;
    if (ns_buf_append(&a->long_buf, r, n) != NS_OK)
        return NULL;
    *out_len = n;
    return (const char *)a->long_buf.data;
}

ns_rc ns_analyzer_fold(ns_analyzer *a, const char *text, size_t len, ns_buf *out)
{
    if (!ns_utf8_valid((const uint8_t *)text, len, NULL) || !ns_unorm_is_wordish(text, len))
        return NS_E_ARG;
    size_t at = out->len;
    bool ascii = true;
    for (size_t i = 0; i < len; i++)
        ascii &= (uint8_t)text[i] < 0x80;
    if (ascii) {
        if (ns_buf_reserve(out, len))
            return NS_E_NOMEM;
        for (size_t i = 0; i < len; i++)
            out->data[out->len++] = ascii_map[(uint8_t)text[i]];
        return NS_OK;
    }
    if (ns_unorm_fold(a->un, text, len, out))
        return NS_E_NOMEM;
    out->len = at + fold_quotes((char *)out->data + at, out->len - at);
    return NS_OK;
}
