/* ns_stem: libstemmer behind a bounded cache (see ns_stem.h). */
#include "ns_stem.h"

#include <libstemmer.h>

#include "ns_alloc.h"
#include "ns_utf8.h"

/* Cache bounds.  2^20 slots of 32 bytes (32 MiB) hold ~786K distinct words,
 * which covers nearly all token occurrences of any corpus; the arena only
 * holds non-prefix stems and the tails of words over 16 bytes, so 64 MiB is
 * never reached in practice but bounds adversarial input. */
#define NS_STEM_CACHE_MAX_SLOTS ((size_t)1 << 20)
#define NS_STEM_CACHE_MAX_ARENA ((size_t)64 << 20)
#define NS_STEM_CACHE_CHUNK ((size_t)1 << 20)
#define NS_STEM_CACHE_MIN_SLOTS ((size_t)1 << 12)

void ns_stem_clear(ns_stem *a)
{
    ns_stem_chunk *c = a->chunks;
    if (c) {
        ns_stem_chunk *rest = c->next;
        while (rest) {
            ns_stem_chunk *next = rest->next;
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

static void cache_release(ns_stem *a)
{
    ns_stem_chunk *c = a->chunks;
    while (c) {
        ns_stem_chunk *next = c->next;
        ns_free(c);
        c = next;
    }
    a->chunks = NULL;
    ns_free(a->slots);
    a->slots = NULL;
}

static char *arena_alloc(ns_stem *a, size_t n)
{
    ns_stem_chunk *c = a->chunks;
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

/* Rebuilds the (zero padded) word of a slot in w[NS_STEM_WORD_BUF]. */
static void slot_word(const ns_stem_slot *s, char *w)
{
    memset(w, 0, NS_STEM_WORD_BUF);
    ns_stem_store64(w, s->k0);
    ns_stem_store64(w + 8, s->k1);
    if (s->key_len > NS_STEM_SLOT_KEY)
        memcpy(w + NS_STEM_SLOT_KEY, s->ext, s->key_len - NS_STEM_SLOT_KEY);
}

static bool cache_grow(ns_stem *a)
{
    size_t n_slots = (a->mask + 1) * 2;
    ns_stem_slot *slots = ns_calloc(n_slots, sizeof *slots);
    if (!slots)
        return false;
    size_t mask = n_slots - 1;
    char w[NS_STEM_WORD_BUF];
    for (size_t i = 0; i <= a->mask; i++) {
        const ns_stem_slot *s = &a->slots[i];
        if (!s->key_len)
            continue;
        slot_word(s, w);
        size_t j = (size_t)ns_stem_hash(w, s->key_len, s->k0, s->k1) & mask;
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
const char *ns_stem_direct(ns_stem *a, const char *w, size_t wl, size_t *out_len)
{
    if (ns_stop_is(a->stop_list, w, wl)) {
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

/* The cache miss of ns_stem_cached(): stems w and stores it in slot i (the
 * empty slot where the probe for hash h ended) or, after a clear or growth,
 * wherever h now leads. */
__attribute__((noinline)) const char *ns_stem_insert(ns_stem *a, const char *w, size_t wl, uint64_t k0, uint64_t k1, uint64_t h,
            size_t i, size_t *out_len)
{
    size_t sl;
    const char *stem = ns_stem_direct(a, w, wl, &sl);
    if (!stem)
        return NULL;
    bool prefix = sl <= wl && memcmp(stem, w, sl) == 0;
    size_t tail = wl > NS_STEM_SLOT_KEY ? wl - NS_STEM_SLOT_KEY : 0;
    size_t ext_len = tail + (prefix ? 0 : sl);

    bool arena_full = a->arena_bytes >= NS_STEM_CACHE_MAX_ARENA &&
                      NS_STEM_CACHE_CHUNK - a->chunks->used < ext_len;
    bool table_full = (a->n_entries + 1) * 4 > (a->mask + 1) * 3;
    if (arena_full || (table_full && a->mask + 1 >= NS_STEM_CACHE_MAX_SLOTS)) {
        ns_stem_clear(a);
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
        memcpy(ext, w + NS_STEM_SLOT_KEY, tail);
        if (!prefix)
            memcpy(ext + tail, stem, sl);
    }
    ns_stem_slot *s = &a->slots[i];
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


ns_rc ns_stem_init(ns_stem *a, const char *lang, ns_err *err)
{
    memset(a, 0, sizeof *a);
    a->cache_on = 1;
    if (strcmp(lang, "none") == 0)
        return NS_OK;
    a->stemmer = sb_stemmer_new(lang, "UTF_8");
    a->slots = ns_calloc(NS_STEM_CACHE_MIN_SLOTS, sizeof *a->slots);
    a->mask = NS_STEM_CACHE_MIN_SLOTS - 1;
    if (!a->stemmer || !a->slots) {
        ns_stem_release(a);
        return ns_err_set(err, NS_E_NOMEM, "out of memory creating the '%s' stemmer", lang);
    }
    return NS_OK;
}

void ns_stem_release(ns_stem *a)
{
    sb_stemmer_delete(a->stemmer);
    cache_release(a);
    memset(a, 0, sizeof *a);
}

void ns_stem_set_stop_list(ns_stem *a, uint32_t list)
{
    a->stop_list = list;
    if (a->slots)
        ns_stem_clear(a);
}
