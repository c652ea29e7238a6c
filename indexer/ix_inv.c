/* ix_inv: in-memory inversion of documents into raw postings (see ix_inv.h). */
#include "ix_inv.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_varint.h"

typedef struct term {
    uint64_t hash;
    uint32_t key_off; /* into inv->keys */
    uint32_t key_len;
    uint8_t *raw; /* owned */
    uint32_t raw_len, raw_cap;
    uint32_t df;
    uint32_t last_doc; /* doc of the last posting appended */
    uint32_t cur_doc;  /* doc whose positions are being chained, or UINT32_MAX */
    uint32_t cur_head, cur_tail, cur_tf; /* chain through inv->tok_* */
} term;

struct ix_inv {
    term *terms; /* owned */
    uint32_t n_terms, cap_terms;
    uint32_t *slots; /* owned: open addressing, term index + 1, 0 = empty */
    uint32_t n_slots;
    ns_buf keys;
    /* current document */
    uint32_t doc_id;
    uint32_t *tok_pos, *tok_next; /* owned */
    uint32_t n_tok, cap_tok;
    uint32_t *touched; /* owned: term indices seen in this doc */
    uint32_t n_touched, cap_touched;
    size_t raw_bytes;
    const char *sort_keys; /* during sorting */
};

ns_rc ix_inv_new(ix_inv **out)
{
    ix_inv *inv = ns_calloc(1, sizeof *inv);
    if (!inv)
        return NS_E_NOMEM;
    ns_buf_init(&inv->keys);
    inv->n_slots = 1u << 12;
    inv->slots = ns_calloc(inv->n_slots, sizeof *inv->slots);
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
    for (uint32_t i = 0; i < inv->n_terms; i++)
        ns_free(inv->terms[i].raw);
    ns_free(inv->terms);
    ns_free(inv->slots);
    ns_buf_release(&inv->keys);
    ns_free(inv->tok_pos);
    ns_free(inv->tok_next);
    ns_free(inv->touched);
    ns_free(inv);
}

static ns_rc grow_slots(ix_inv *inv)
{
    uint32_t n = inv->n_slots * 2;
    uint32_t *s = ns_calloc(n, sizeof *s);
    if (!s)
        return NS_E_NOMEM;
    for (uint32_t i = 0; i < inv->n_terms; i++) {
        uint32_t j = (uint32_t)inv->terms[i].hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = i + 1;
    }
    ns_free(inv->slots);
    inv->slots = s;
    inv->n_slots = n;
    return NS_OK;
}

/* Returns the term index for key, inserting it; UINT32_MAX on NOMEM. */
static uint32_t intern(ix_inv *inv, const char *key, size_t len)
{
    uint64_t h = XXH3_64bits(key, len);
    uint32_t mask = inv->n_slots - 1;
    uint32_t j = (uint32_t)h & mask;
    for (;;) {
        uint32_t s = inv->slots[j];
        if (!s)
            break;
        term *t = &inv->terms[s - 1];
        if (t->hash == h && t->key_len == len && memcmp(inv->keys.data + t->key_off, key, len) == 0)
            return s - 1;
        j = (j + 1) & mask;
    }
    if (inv->n_terms == inv->cap_terms) {
        uint32_t c = inv->cap_terms ? inv->cap_terms * 2 : 1024;
        term *t = ns_realloc(inv->terms, (size_t)c * sizeof *t);
        if (!t)
            return UINT32_MAX;
        inv->terms = t;
        inv->cap_terms = c;
    }
    if (inv->keys.len > UINT32_MAX - len || ns_buf_append(&inv->keys, key, len))
        return UINT32_MAX;
    uint32_t id = inv->n_terms++;
    term *t = &inv->terms[id];
    memset(t, 0, sizeof *t);
    t->hash = h;
    t->key_off = (uint32_t)(inv->keys.len - len);
    t->key_len = (uint32_t)len;
    t->cur_doc = UINT32_MAX;
    inv->slots[j] = id + 1;
    if ((uint64_t)inv->n_terms * 2 > inv->n_slots && grow_slots(inv))
        return UINT32_MAX;
    return id;
}

void ix_inv_begin_doc(ix_inv *inv, uint32_t doc_id)
{
    inv->doc_id = doc_id;
    inv->n_tok = 0;
    inv->n_touched = 0;
}

ns_rc ix_inv_add_token(ix_inv *inv, const char *key, size_t len, uint32_t pos)
{
    uint32_t id = intern(inv, key, len);
    if (id == UINT32_MAX)
        return NS_E_NOMEM;
    if (inv->n_tok == inv->cap_tok) {
        uint32_t c = inv->cap_tok ? inv->cap_tok * 2 : 1024;
        uint32_t *p = ns_realloc(inv->tok_pos, (size_t)c * sizeof *p);
        if (!p)
            return NS_E_NOMEM;
        inv->tok_pos = p;
        uint32_t *q = ns_realloc(inv->tok_next, (size_t)c * sizeof *q);
        if (!q)
            return NS_E_NOMEM;
        inv->tok_next = q;
        inv->cap_tok = c;
    }
    uint32_t k = inv->n_tok++;
    inv->tok_pos[k] = pos;
    inv->tok_next[k] = UINT32_MAX;
    term *t = &inv->terms[id];
    if (t->cur_doc != inv->doc_id) {
        if (inv->n_touched == inv->cap_touched) {
            uint32_t c = inv->cap_touched ? inv->cap_touched * 2 : 256;
            uint32_t *p = ns_realloc(inv->touched, (size_t)c * sizeof *p);
            if (!p)
                return NS_E_NOMEM;
            inv->touched = p;
            inv->cap_touched = c;
        }
        inv->touched[inv->n_touched++] = id;
        t->cur_doc = inv->doc_id;
        t->cur_head = t->cur_tail = k;
        t->cur_tf = 1;
    } else {
        inv->tok_next[t->cur_tail] = k;
        t->cur_tail = k;
        t->cur_tf++;
    }
    return NS_OK;
}

static ns_rc raw_reserve(ix_inv *inv, term *t, size_t extra)
{
    if ((size_t)t->raw_len + extra <= t->raw_cap)
        return NS_OK;
    size_t c = t->raw_cap ? t->raw_cap : 16;
    while (c < (size_t)t->raw_len + extra)
        c *= 2;
    if (c > UINT32_MAX)
        return NS_E_NOMEM;
    uint8_t *r = ns_realloc(t->raw, c);
    if (!r)
        return NS_E_NOMEM;
    inv->raw_bytes += c - t->raw_cap;
    t->raw = r;
    t->raw_cap = (uint32_t)c;
    return NS_OK;
}

ns_rc ix_inv_end_doc(ix_inv *inv, uint32_t *n_tokens)
{
    for (uint32_t i = 0; i < inv->n_touched; i++) {
        term *t = &inv->terms[inv->touched[i]];
        /* worst case: gap + tf + tf positions, each <= 5 bytes */
        if (raw_reserve(inv, t, 10 + 5 * (size_t)t->cur_tf))
            return NS_E_NOMEM;
        uint8_t *w = t->raw + t->raw_len;
        w += ns_varint_put(w, t->df ? inv->doc_id - t->last_doc : inv->doc_id);
        w += ns_varint_put(w, t->cur_tf);
        uint32_t prev = 0;
        for (uint32_t k = t->cur_head; k != UINT32_MAX; k = inv->tok_next[k]) {
            w += ns_varint_put(w, inv->tok_pos[k] - prev);
            prev = inv->tok_pos[k];
        }
        t->raw_len = (uint32_t)(w - t->raw);
        t->last_doc = inv->doc_id;
        t->df++;
        t->cur_doc = UINT32_MAX;
    }
    if (n_tokens)
        *n_tokens = inv->n_tok;
    inv->n_tok = 0;
    inv->n_touched = 0;
    return NS_OK;
}

size_t ix_inv_mem(const ix_inv *inv)
{
    return inv->raw_bytes + (size_t)inv->cap_terms * sizeof(term) + (size_t)inv->n_slots * 4 +
           inv->keys.cap + (size_t)inv->cap_tok * 8 + (size_t)inv->cap_touched * 4;
}

size_t ix_inv_n_terms(const ix_inv *inv) { return inv->n_terms; }

static int cmp_terms(const void *a, const void *b)
{
    const ix_inv_term *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

ns_rc ix_inv_sorted(ix_inv *inv, ix_inv_term **out, size_t *n)
{
    ix_inv_term *v = ns_malloc((size_t)(inv->n_terms ? inv->n_terms : 1) * sizeof *v);
    if (!v)
        return NS_E_NOMEM;
    for (uint32_t i = 0; i < inv->n_terms; i++) {
        term *t = &inv->terms[i];
        v[i].key = (const char *)inv->keys.data + t->key_off;
        v[i].key_len = t->key_len;
        v[i].raw = t->raw;
        v[i].raw_len = t->raw_len;
        v[i].df = t->df;
    }
    qsort(v, inv->n_terms, sizeof *v, cmp_terms);
    *out = v;
    *n = inv->n_terms;
    return NS_OK;
}
