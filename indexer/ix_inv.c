/* ix_inv: in-memory inversion of documents into per-term byte streams kept
 * in pool slices (see ix_inv.h).
 *
 * Pool: 1 MiB chunks; a slice is addressed by a u32 "pool offset"
 * (chunk << 20 | offset in chunk), so an inverter holds at most 4 GiB (the
 * builder flushes long before).  A slice of level L is 16 << L bytes (up to
 * IX_SLICE_MAX_LEVEL): data, then the u32 pool offset of the next slice in
 * its last 4 bytes.  A term's stream is its first slice (head), and the
 * write position and data end of its current slice.
 *
 * Hash table: open addressing, linear probing, at most half full; a slot is
 * (hash >> 32) << 32 | (term index + 1), so a probe that misses never
 * touches the term array.  A term keeps two "fingerprint" words that, with
 * its length, identify any key of up to 16 bytes (the first and last 8, or
 * 4, bytes); longer keys are compared in full. */
#include "ix_inv.h"

#include <stdint.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_hash.h"

#define IX_POOL_CHUNK_BITS 20
#define IX_POOL_CHUNK ((uint32_t)1 << IX_POOL_CHUNK_BITS)
#define IX_POOL_MAX_CHUNKS 4096u
#define IX_SLICE_MAX_LEVEL 8 /* 4 KiB */
#define IX_NONE UINT32_MAX

/* 64 bytes, cache-line aligned: a token touches one line of its term.
 * Each stream is its write position, data end (where the link to the next
 * slice goes) and level; the first slices live in inv->heads (cold). */
typedef struct term {
    uint64_t fp0, fp1;
    uint32_t key_off;
    uint16_t key_len;
    uint8_t dlev, plev; /* level of the current slice of each stream */
    uint32_t df;        /* postings, the pending one included */
    uint32_t last_doc;  /* doc of the last posting written to the doc stream */
    uint32_t cur_doc;   /* doc of the pending posting, IX_NONE if none */
    uint32_t tf;        /* pending tf */
    uint32_t last_pos;
    uint32_t dw, dend, pw, pend;
    uint32_t pad;
} term;

typedef struct stream_ref {
    uint32_t *w, *end, *head;
    uint8_t *level;
} stream_ref;

typedef struct sort_ent {
    uint64_t pfx; /* first 8 key bytes, big-endian, zero padded */
    uint32_t id;
} sort_ent;

struct ix_inv {
    uint8_t **chunks; /* owned, each IX_POOL_CHUNK bytes */
    uint32_t n_chunks, cap_chunks;
    uint32_t cur_chunk, chunk_used; /* bump allocator */
    uint64_t pool_used;
    term *terms;      /* 64-byte aligned inside terms_mem */
    void *terms_mem;  /* owned */
    uint32_t *heads;  /* owned: per term, first slice of the doc and pos streams */
    uint32_t n_terms, cap_terms;
    uint64_t *scratch; /* owned: IX_SCR words per token of the document */
    size_t cap_scratch;
    uint64_t *slots; /* owned */
    uint32_t mask;
    ns_buf keys;
    sort_ent *order; /* owned; valid after ix_inv_sort */
    size_t cap_order;
};

static inline uint8_t *addr(const ix_inv *inv, uint32_t off)
{
    return inv->chunks[off >> IX_POOL_CHUNK_BITS] + (off & (IX_POOL_CHUNK - 1));
}

static inline uint32_t slice_size(unsigned level) { return 16u << level; }

ns_rc ix_inv_new(ix_inv **out)
{
    ix_inv *inv = ns_calloc(1, sizeof *inv);
    if (!inv)
        return NS_E_NOMEM;
    ns_buf_init(&inv->keys);
    inv->mask = (1u << 12) - 1;
    inv->slots = ns_calloc((size_t)inv->mask + 1, sizeof *inv->slots);
    if (!inv->slots) {
        ix_inv_free(inv);
        return NS_E_NOMEM;
    }
    *out = inv;
    return NS_OK;
}

void ix_inv_free(ix_inv *inv)
{
    if (!inv)
        return;
    for (uint32_t i = 0; i < inv->n_chunks; i++)
        ns_free(inv->chunks[i]);
    ns_free(inv->chunks);
    ns_free(inv->terms_mem);
    ns_free(inv->heads);
    ns_free(inv->scratch);
    ns_free(inv->slots);
    ns_free(inv->order);
    ns_buf_release(&inv->keys);
    ns_free(inv);
}

/* Returns the pool offset of a new slice of `size` bytes, IX_NONE on NOMEM. */
static uint32_t pool_alloc(ix_inv *inv, uint32_t size)
{
    if (inv->n_chunks == 0 || IX_POOL_CHUNK - inv->chunk_used < size) {
        uint32_t next = inv->n_chunks ? inv->cur_chunk + 1 : 0;
        if (next >= IX_POOL_MAX_CHUNKS)
            return IX_NONE;
        if (next == inv->n_chunks) {
            if (inv->n_chunks == inv->cap_chunks) {
                uint32_t c = inv->cap_chunks ? inv->cap_chunks * 2 : 16;
                uint8_t **p = ns_realloc(inv->chunks, (size_t)c * sizeof *p);
                if (!p)
                    return IX_NONE;
                inv->chunks = p;
                inv->cap_chunks = c;
            }
            uint8_t *ch = ns_malloc(IX_POOL_CHUNK);
            if (!ch)
                return IX_NONE;
            inv->chunks[inv->n_chunks++] = ch;
        }
        inv->cur_chunk = next;
        inv->chunk_used = 0;
    }
    uint32_t off = (inv->cur_chunk << IX_POOL_CHUNK_BITS) | inv->chunk_used;
    inv->chunk_used += size;
    inv->pool_used += size;
    return off;
}

/* Slow path of put_varint: byte by byte, opening slices as needed. */
static __attribute__((noinline)) int put_varint_slow(ix_inv *inv, stream_ref s, uint32_t v)
{
    for (;;) {
        if (*s.w == *s.end) {
            int first = *s.head == IX_NONE;
            unsigned lev = first ? 0 : (*s.level < IX_SLICE_MAX_LEVEL ? *s.level + 1u : *s.level);
            uint32_t size = slice_size(lev);
            uint32_t off = pool_alloc(inv, size);
            if (off == IX_NONE)
                return -1;
            if (first)
                *s.head = off;
            else
                memcpy(addr(inv, *s.end), &off, 4);
            *s.level = (uint8_t)lev;
            *s.w = off;
            *s.end = off + size - 4;
        }
        uint8_t *p = addr(inv, (*s.w)++);
        if (v < 0x80) {
            *p = (uint8_t)v;
            return 0;
        }
        *p = (uint8_t)(v | 0x80);
        v >>= 7;
    }
}

static inline int put_varint(ix_inv *inv, uint32_t *w, uint32_t *end, uint8_t *level,
                             uint32_t *head, uint32_t v)
{
    if (*end - *w < 5) {
        stream_ref s = {w, end, head, level};
        return put_varint_slow(inv, s, v);
    }
    uint8_t *p = addr(inv, *w), *q = p;
    while (v >= 0x80) {
        *q++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *q++ = (uint8_t)v;
    *w += (uint32_t)(q - p);
    return 0;
}

static inline uint64_t load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void fingerprint(const uint8_t *p, size_t len, uint64_t *a, uint64_t *b)
{
    if (len >= 8) {
        *a = load64(p);
        *b = load64(p + len - 8);
    } else if (len >= 4) {
        *a = load32(p);
        *b = load32(p + len - 4);
    } else {
        *a = (uint64_t)p[0] | (uint64_t)p[len / 2] << 8 | (uint64_t)p[len - 1] << 16;
        *b = 0;
    }
}

static ns_rc grow_slots(ix_inv *inv)
{
    uint32_t n = (inv->mask + 1) * 2;
    uint64_t *s = ns_calloc(n, sizeof *s);
    if (!s)
        return NS_E_NOMEM;
    uint32_t mask = n - 1;
    for (uint32_t i = 0; i <= inv->mask; i++) {
        uint64_t v = inv->slots[i];
        if (!v)
            continue;
        const term *t = &inv->terms[(uint32_t)v - 1];
        const uint8_t *k = inv->keys.data + t->key_off;
        uint64_t h = ns_hash_key(k, t->key_len, t->fp0, t->fp1);
        uint32_t j = (uint32_t)h & mask;
        while (s[j])
            j = (j + 1) & mask;
        s[j] = v;
    }
    ns_free(inv->slots);
    inv->slots = s;
    inv->mask = mask;
    return NS_OK;
}

static int grow_terms(ix_inv *inv)
{
    uint32_t c = inv->cap_terms ? inv->cap_terms * 2 : 1024;
    void *mem = ns_malloc((size_t)c * sizeof(term) + 64);
    uint32_t *heads = mem ? ns_realloc(inv->heads, (size_t)c * 2 * sizeof *heads) : NULL;
    if (!heads) {
        ns_free(mem);
        return -1;
    }
    inv->heads = heads;
    term *t = (term *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    if (inv->n_terms)
        memcpy(t, inv->terms, (size_t)inv->n_terms * sizeof *t);
    ns_free(inv->terms_mem);
    inv->terms_mem = mem;
    inv->terms = t;
    inv->cap_terms = c;
    return 0;
}

/* Inserts a new term at empty slot j; returns its index or IX_NONE. */
static __attribute__((noinline)) uint32_t insert(ix_inv *inv, const uint8_t *key, size_t len,
                                                 uint64_t a, uint64_t b, uint64_t h, uint32_t j)
{
    if (inv->n_terms == inv->cap_terms && grow_terms(inv))
        return IX_NONE;
    if (inv->keys.len > UINT32_MAX - len || ns_buf_append(&inv->keys, key, len))
        return IX_NONE;
    uint32_t id = inv->n_terms++;
    term *t = &inv->terms[id];
    memset(t, 0, sizeof *t);
    t->fp0 = a;
    t->fp1 = b;
    t->key_off = (uint32_t)(inv->keys.len - len);
    t->key_len = (uint16_t)len;
    t->cur_doc = IX_NONE;
    inv->heads[2 * id] = inv->heads[2 * id + 1] = IX_NONE;
    inv->slots[j] = (h >> 32) << 32 | (uint64_t)(id + 1);
    if ((uint64_t)inv->n_terms * 2 > (uint64_t)inv->mask + 1 && grow_slots(inv)) {
        inv->slots[j] = 0; /* keep the table consistent: forget the term */
        inv->n_terms--;
        inv->keys.len -= len;
        return IX_NONE;
    }
    return id;
}

/* Appends the pending posting's (gap, tf) to the doc stream of term id. */
static inline int write_pending(ix_inv *inv, term *t, uint32_t id)
{
    uint32_t gap = t->df > 1 ? t->cur_doc - t->last_doc : t->cur_doc;
    uint32_t *head = &inv->heads[2 * id];
    if (put_varint(inv, &t->dw, &t->dend, &t->dlev, head, gap) ||
        put_varint(inv, &t->dw, &t->dend, &t->dlev, head, t->tf))
        return -1;
    t->last_doc = t->cur_doc;
    return 0;
}

/* Prefetch distances in tokens: hash slots, then terms (whose slot was
 * prefetched), then the terms' position slices (whose term was). */
#define IX_PF_SLOT 32
#define IX_PF_TERM 16
#define IX_PF_POS 6

/* The term of key k (hash h, fingerprint a, b): probes the table, inserting
 * a new term at the first empty slot.  Returns its index or IX_NONE. */
static inline uint32_t probe(ix_inv *inv, const uint8_t *k, size_t len, uint64_t a, uint64_t b,
                             uint64_t h)
{
    uint32_t hi = (uint32_t)(h >> 32);
    uint32_t j = (uint32_t)h & inv->mask;
    for (;;) {
        uint64_t s = inv->slots[j];
        if (!s)
            return insert(inv, k, len, a, b, h, j);
        if ((uint32_t)(s >> 32) == hi) {
            const term *t = &inv->terms[(uint32_t)s - 1];
            if (t->fp0 == a && t->fp1 == b && t->key_len == len &&
                (len <= 16 || memcmp(inv->keys.data + t->key_off, k, len) == 0))
                return (uint32_t)s - 1;
        }
        j = (j + 1) & inv->mask;
    }
}

/* Scratch per token: hash (when computed), fingerprint a, b, and the term
 * its tag names (IX_NONE: none, or not checked yet). */
#define IX_SCR 4

/* The term a token's scratch leads to without probing: its tagged term, or
 * through its hash slot; NULL if neither is known yet.  For prefetching. */
static inline const term *term_hint(const ix_inv *inv, const uint64_t *sc)
{
    if ((uint32_t)sc[3] != IX_NONE)
        return &inv->terms[(uint32_t)sc[3]];
    uint64_t s = inv->slots[(uint32_t)sc[0] & inv->mask];
    return s ? &inv->terms[(uint32_t)s - 1] : NULL;
}

ns_rc ix_inv_add_doc(ix_inv *inv, uint32_t doc_id, const uint8_t *bytes, const ix_tok *toks,
                     size_t n)
{
    if (n > inv->cap_scratch) {
        size_t c = n < 1024 ? 1024 : n;
        uint64_t *p = ns_realloc(inv->scratch, c * IX_SCR * sizeof *p);
        if (!p)
            return NS_E_NOMEM;
        inv->scratch = p;
        inv->cap_scratch = c;
    }
    /* Tokens whose word was seen before carry the term found then (a
     * tag); the others are hashed for the table. */
    uint64_t *hs = inv->scratch;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *k = bytes + toks[i].off;
        uint64_t a, b;
        fingerprint(k, toks[i].len, &a, &b);
        uint64_t *sc = hs + IX_SCR * i;
        uint32_t tag = toks[i].tag ? *toks[i].tag : 0;
        if (tag && tag - 1 < inv->n_terms) {
            sc[3] = tag - 1;
        } else {
            sc[3] = IX_NONE;
            sc[0] = ns_hash_key(k, toks[i].len, a, b);
        }
        sc[1] = a;
        sc[2] = b;
    }
    for (size_t i = 0; i < n && i < IX_PF_SLOT; i++)
        if ((uint32_t)hs[IX_SCR * i + 3] == IX_NONE)
            __builtin_prefetch(&inv->slots[(uint32_t)hs[IX_SCR * i] & inv->mask]);
    for (size_t i = 0; i < n; i++) {
        if (i + IX_PF_SLOT < n && (uint32_t)hs[IX_SCR * (i + IX_PF_SLOT) + 3] == IX_NONE)
            __builtin_prefetch(&inv->slots[(uint32_t)hs[IX_SCR * (i + IX_PF_SLOT)] & inv->mask]);
        if (i + IX_PF_TERM < n) {
            const term *pt = term_hint(inv, hs + IX_SCR * (i + IX_PF_TERM));
            if (pt)
                __builtin_prefetch(pt);
        }
        if (i + IX_PF_POS < n) {
            const term *pt = term_hint(inv, hs + IX_SCR * (i + IX_PF_POS));
            if (pt && pt->pend - pt->pw >= 5)
                __builtin_prefetch(addr(inv, pt->pw), 1);
        }
        uint64_t *sc = hs + IX_SCR * i;
        uint64_t a = sc[1], b = sc[2];
        const uint8_t *k = bytes + toks[i].off;
        size_t len = toks[i].len;
        uint32_t pos = toks[i].pos;
        uint32_t id = (uint32_t)sc[3];
        term *t;
        if (id != IX_NONE) {
            t = &inv->terms[id];
            if (!(t->fp0 == a && t->fp1 == b && t->key_len == len &&
                  (len <= 16 || memcmp(inv->keys.data + t->key_off, k, len) == 0)))
                id = IX_NONE; /* a stale tag (the inverter was reset) */
        }
        if (id == IX_NONE) {
            if ((uint32_t)sc[3] != IX_NONE)
                sc[0] = ns_hash_key(k, len, a, b);
            id = probe(inv, k, len, a, b, sc[0]);
            if (id == IX_NONE)
                return NS_E_NOMEM;
            if (toks[i].tag)
                *toks[i].tag = id + 1;
            t = &inv->terms[id];
        }
        uint32_t v;
        if (t->cur_doc != doc_id) {
            if (t->cur_doc != IX_NONE && write_pending(inv, t, id))
                return NS_E_NOMEM;
            t->cur_doc = doc_id;
            t->tf = 1;
            t->df++;
            v = pos;
        } else {
            v = pos - t->last_pos - 1;
            t->tf++;
        }
        t->last_pos = pos;
        if (put_varint(inv, &t->pw, &t->pend, &t->plev, &inv->heads[2 * id + 1], v))
            return NS_E_NOMEM;
    }
    return NS_OK;
}

ns_rc ix_inv_add_keys(ix_inv *inv, uint32_t doc_id, const uint8_t *bytes, const ix_tok *toks,
                     size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *k = bytes + toks[i].off;
        size_t len = toks[i].len;
        uint64_t a, b;
        fingerprint(k, len, &a, &b);
        uint32_t id = probe(inv, k, len, a, b, ns_hash_key(k, len, a, b));
        if (id == IX_NONE)
            return NS_E_NOMEM;
        term *t = &inv->terms[id];
        if (t->cur_doc == doc_id)
            continue; /* a value repeated in the document: still tf 1 */
        if (t->cur_doc != IX_NONE && write_pending(inv, t, id))
            return NS_E_NOMEM;
        t->cur_doc = doc_id;
        t->tf = 1;
        t->df++;
    }
    return NS_OK;
}

size_t ix_inv_mem(const ix_inv *inv)
{
    return (size_t)inv->n_chunks * IX_POOL_CHUNK + (size_t)inv->cap_terms * (sizeof(term) + 8) +
           inv->cap_scratch * IX_SCR * sizeof(uint64_t) +
           ((size_t)inv->mask + 1) * sizeof(uint64_t) + inv->keys.cap +
           inv->cap_order * sizeof(sort_ent);
}

size_t ix_inv_n_terms(const ix_inv *inv) { return inv->n_terms; }

/* ---- sorting ---- */

static inline int key_cmp(const ix_inv *inv, const sort_ent *x, const sort_ent *y)
{
    if (x->pfx != y->pfx)
        return x->pfx < y->pfx ? -1 : 1;
    const term *a = &inv->terms[x->id], *b = &inv->terms[y->id];
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(inv->keys.data + a->key_off, inv->keys.data + b->key_off, n);
    if (c)
        return c;
    return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

static void sort_range(const ix_inv *inv, sort_ent *v, size_t n)
{
    while (n > 16) {
        /* median of three as pivot */
        size_t m = n / 2;
        if (key_cmp(inv, &v[m], &v[0]) < 0) {
            sort_ent t = v[m]; v[m] = v[0]; v[0] = t;
        }
        if (key_cmp(inv, &v[n - 1], &v[0]) < 0) {
            sort_ent t = v[n - 1]; v[n - 1] = v[0]; v[0] = t;
        }
        if (key_cmp(inv, &v[n - 1], &v[m]) < 0) {
            sort_ent t = v[n - 1]; v[n - 1] = v[m]; v[m] = t;
        }
        sort_ent pivot = v[m];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (key_cmp(inv, &v[i], &pivot) < 0)
                i++;
            while (key_cmp(inv, &pivot, &v[j]) < 0)
                j--;
            if (i >= j)
                break;
            sort_ent t = v[i]; v[i] = v[j]; v[j] = t;
            i++;
            j--;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse on the smaller side */
        size_t left = j + 1;
        if (left < n - left) {
            sort_range(inv, v, left);
            v += left;
            n -= left;
        } else {
            sort_range(inv, v + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        sort_ent x = v[i];
        size_t j = i;
        while (j > 0 && key_cmp(inv, &x, &v[j - 1]) < 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

ns_rc ix_inv_sort(ix_inv *inv)
{
    for (uint32_t i = 0; i < inv->n_terms; i++) {
        term *t = &inv->terms[i];
        if (t->cur_doc != IX_NONE) {
            if (write_pending(inv, t, i))
                return NS_E_NOMEM;
            t->cur_doc = IX_NONE;
        }
    }
    if (inv->cap_order < inv->n_terms) {
        sort_ent *o = ns_realloc(inv->order, (size_t)inv->n_terms * sizeof *o);
        if (!o)
            return NS_E_NOMEM;
        inv->order = o;
        inv->cap_order = inv->n_terms;
    }
    for (uint32_t i = 0; i < inv->n_terms; i++) {
        const term *t = &inv->terms[i];
        uint8_t b[8] = {0};
        memcpy(b, inv->keys.data + t->key_off, t->key_len < 8 ? t->key_len : 8);
        uint64_t p = 0;
        for (int k = 0; k < 8; k++)
            p = p << 8 | b[k];
        inv->order[i].pfx = p;
        inv->order[i].id = i;
    }
    sort_range(inv, inv->order, inv->n_terms);
    return NS_OK;
}

void ix_inv_term_get(const ix_inv *inv, size_t i, ix_inv_term *out)
{
    const term *t = &inv->terms[inv->order[i].id];
    out->key = (const char *)inv->keys.data + t->key_off;
    out->key_len = t->key_len;
    out->df = t->df;
}

static ns_rc copy_stream(const ix_inv *inv, uint32_t head, uint32_t w, ns_buf *out)
{
    if (head == IX_NONE)
        return NS_OK;
    uint32_t off = head;
    unsigned lev = 0;
    for (;;) {
        uint32_t end = off + slice_size(lev) - 4;
        int last = w >= off && w <= end;
        uint32_t stop = last ? w : end;
        if (ns_buf_append(out, addr(inv, off), stop - off))
            return NS_E_NOMEM;
        if (last)
            return NS_OK;
        memcpy(&off, addr(inv, end), 4);
        if (lev < IX_SLICE_MAX_LEVEL)
            lev++;
    }
}

ns_rc ix_inv_term_streams(const ix_inv *inv, size_t i, ns_buf *docs, ns_buf *pos)
{
    uint32_t id = inv->order[i].id;
    const term *t = &inv->terms[id];
    if (copy_stream(inv, inv->heads[2 * id], t->dw, docs) ||
        copy_stream(inv, inv->heads[2 * id + 1], t->pw, pos))
        return NS_E_NOMEM;
    return NS_OK;
}

size_t ix_inv_lower_bound(const ix_inv *inv, const char *key, size_t key_len)
{
    size_t lo = 0, hi = inv->n_terms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const term *t = &inv->terms[inv->order[mid].id];
        size_t n = t->key_len < key_len ? t->key_len : key_len;
        int c = memcmp(inv->keys.data + t->key_off, key, n);
        if (c < 0 || (c == 0 && t->key_len < key_len))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void ix_inv_reset(ix_inv *inv)
{
    /* Give the memory back (it is what the budget counts): the next run
     * regrows what it needs, at a cost small next to writing a run. */
    for (uint32_t i = 0; i < inv->n_chunks; i++)
        ns_free(inv->chunks[i]);
    inv->n_chunks = 0;
    inv->cur_chunk = 0;
    inv->chunk_used = 0;
    inv->pool_used = 0;
    inv->n_terms = 0;
    ns_free(inv->terms_mem);
    ns_free(inv->heads);
    ns_free(inv->order);
    inv->terms_mem = NULL;
    inv->terms = NULL;
    inv->heads = NULL;
    inv->order = NULL;
    inv->cap_terms = 0;
    inv->cap_order = 0;
    ns_buf_release(&inv->keys);
    uint64_t *s = (size_t)inv->mask + 1 > 4096 ? ns_calloc(4096, sizeof *s) : NULL;
    if (s) {
        ns_free(inv->slots);
        inv->slots = s;
        inv->mask = 4095;
    } else {
        memset(inv->slots, 0, ((size_t)inv->mask + 1) * sizeof *inv->slots);
    }
}
