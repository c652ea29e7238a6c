/* ns_stem: Snowball stemming (libstemmer) behind a cache of stems, for
 * the analyzer's hot path.
 *
 *  - stems come from a cache: open addressing with linear probing, keyed by
 *    the folded word, whose first 16 bytes sit in the slot, so a hit on a
 *    short word is a multiply-shift hash and two 64-bit compares.  When the
 *    stem is a prefix of the word (most English stems) the term points
 *    into the word buffer; other stems and the tails of longer words live
 *    in an arena of large chunks.  libstemmer costs ~170 ns a word.
 *  - the cache is bounded: at NS_STEM_CACHE_MAX_SLOTS * 3/4 entries, or
 *    NS_STEM_CACHE_MAX_ARENA bytes of arena, it is cleared wholesale and
 *    refilled (the vocabulary of real text is Zipfian, so the frequent
 *    words come back at once).
 *  - a stem is normalised the same way with and without the cache: an
 *    empty stem becomes the folded word, and a stem longer than
 *    NS_TOKEN_MAX_BYTES is cut at the last UTF-8 boundary within it; a
 *    stop word (ns_stop.h) has the empty term (length 0).
 *
 * The struct is in this header only so that the cache hit inlines into the
 * analyzer; its fields are private to ns_stem.c.  One per thread
 * (libstemmer is not thread-safe). libstemmer allocates with malloc()
 * internally; only its stemmer object and per-word buffer escape ns_malloc. */
#ifndef NS_STEM_H
#define NS_STEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ns_err.h"
#include "ns_hash.h"
#include "ns_stop.h"

/* Longest term, in bytes (Lucene's limit is 255 characters): longer words
 * are split by the analyzer (ns_analyzer.h). */
#define NS_TOKEN_MAX_BYTES 255u

/* Bytes of a word kept in a cache slot. */
#define NS_STEM_SLOT_KEY 16
/* A word buffer: room for a 64-bit store (or a 4-byte code point) at any
 * length up to the cap, and at least NS_STEM_SLOT_KEY bytes. */
#define NS_STEM_WORD_BUF (NS_TOKEN_MAX_BYTES + 9)

typedef struct ns_stem_stats {
    uint64_t stem_calls, cache_hits;
} ns_stem_stats;

typedef struct ns_stem_slot {
    uint64_t k0, k1;     /* first 16 bytes of the folded word, zero padded */
    const char *ext;     /* arena: bytes 16.. of the word, then the stem
                            unless stem_is_prefix; NULL when both are empty */
    uint8_t key_len;     /* 0 for an empty slot */
    uint8_t stem_len;
    uint8_t stem_is_prefix;
    uint32_t tag;        /* the caller's, through ns_token.tag; 0 when new */
} ns_stem_slot; /* 32 bytes; stem_len 0: a stop word */

typedef struct ns_stem_chunk {
    struct ns_stem_chunk *next;
    size_t used;
    char data[];
} ns_stem_chunk;

typedef struct ns_stem {
    struct sb_stemmer *stemmer; /* owned; NULL for "none" */
    int cache_on;
    uint32_t stop_list;     /* NS_STOP_* */
    uint64_t epoch;         /* changes whenever cached slots move or go */
    ns_stem_slot *last_slot; /* the slot of the last cached lookup */
    ns_stem_stats st;
    ns_stem_slot *slots;    /* owned; mask + 1 slots, NULL without a stemmer */
    size_t mask;
    size_t n_entries;
    ns_stem_chunk *chunks;  /* owned; newest first */
    size_t arena_bytes;
    char stem_buf[NS_TOKEN_MAX_BYTES]; /* uncached stems */
} ns_stem;

/* Initialises *a for the canonical libstemmer language lang ("none": no
 * stemming, no cache); NS_E_NOMEM.  a owns what it allocates until
 * ns_stem_release(). */
ns_rc ns_stem_init(ns_stem *a, const char *lang, ns_err *err);
void ns_stem_release(ns_stem *a);
/* Selects the stop list; clears the cache (entries record stop words). */
void ns_stem_set_stop_list(ns_stem *a, uint32_t list);
/* Empties the cache (the epoch changes). */
void ns_stem_clear(ns_stem *a);

/* Stems w[0..wl) with libstemmer, no cache.  Returns: borrowed (a->stem_buf,
 * or w itself); NULL when libstemmer runs out of memory. */
const char *ns_stem_direct(ns_stem *a, const char *w, size_t wl, size_t *out_len);
/* The cache miss of ns_stem_cached_h(). */
const char *ns_stem_insert(ns_stem *a, const char *w, size_t wl, uint64_t k0, uint64_t k1,
                           uint64_t h, size_t i, size_t *out_len);

static inline uint64_t ns_stem_load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void ns_stem_store64(void *p, uint64_t v) { memcpy(p, &v, 8); }

/* The first NS_STEM_SLOT_KEY bytes of w[0..wl), zero padded, as two words.
 * Bytes of w past wl may hold anything (but must be initialised). */
static inline void ns_stem_key(const char *w, size_t wl, uint64_t *k0, uint64_t *k1)
{
    uint64_t a = ns_stem_load64(w), b = ns_stem_load64(w + 8);
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
static inline uint64_t ns_stem_hash(const char *w, size_t wl, uint64_t k0, uint64_t k1)
{
    _Static_assert(NS_STEM_SLOT_KEY == 16, "ns_hash_key takes keys of up to 16 bytes from k0, k1");
    return ns_hash_key(w, wl, k0, k1);
}

/* w[0..wl), 1 <= wl <= NS_TOKEN_MAX_BYTES, in a buffer of at least
 * NS_STEM_SLOT_KEY bytes.  Returns: borrowed (w itself, or the arena, valid
 * until the cache is cleared by a later miss); NULL on allocation failure. */
static inline const char *ns_stem_cached_h(ns_stem *a, const char *w, size_t wl, uint64_t k0,
                                           uint64_t k1, uint64_t h, size_t *out_len)
{
    size_t i = (size_t)h & a->mask;
    for (;;) {
        const ns_stem_slot *s = &a->slots[i];
        if (s->key_len == wl && s->k0 == k0 && s->k1 == k1 &&
            (wl <= NS_STEM_SLOT_KEY || memcmp(s->ext, w + NS_STEM_SLOT_KEY, wl - NS_STEM_SLOT_KEY) == 0)) {
            a->st.cache_hits++;
            a->last_slot = (ns_stem_slot *)s;
            *out_len = s->stem_len;
            if (s->stem_is_prefix)
                return w;
            return s->ext + (wl > NS_STEM_SLOT_KEY ? wl - NS_STEM_SLOT_KEY : 0);
        }
        if (!s->key_len)
            return ns_stem_insert(a, w, wl, k0, k1, h, i, out_len);
        i = (i + 1) & a->mask;
    }
}

static inline const char *ns_stem_cached(ns_stem *a, const char *w, size_t wl, size_t *out_len)
{
    uint64_t k0, k1;
    ns_stem_key(w, wl, &k0, &k1);
    return ns_stem_cached_h(a, w, wl, k0, k1, ns_stem_hash(w, wl, k0, k1), out_len);
}

/* Term for a folded word w[0..wl), 1 <= wl <= NS_TOKEN_MAX_BYTES, in a
 * buffer of at least NS_STEM_SLOT_KEY bytes.  Returns: borrowed; NULL on allocation
 * failure. */
static inline const char *ns_stem_term(ns_stem *a, const char *w, size_t wl, size_t *out_len)
{
    if (!a->stemmer) {
        *out_len = ns_stop_is(a->stop_list, w, wl) ? 0 : wl;
        return w;
    }
    a->st.stem_calls++;
    if (a->cache_on)
        return ns_stem_cached(a, w, wl, out_len);
    return ns_stem_direct(a, w, wl, out_len);
}


#endif
