/* sr_query: query analysis and term lookup (see sr_query.h). */
#include "sr_query.h"

#include <string.h>

#include "ns_alloc.h"
#include "ns_hash.h"

typedef struct parse_ctx {
    sr_query *q;
    size_t cap;
    uint32_t *slot; /* owned: open addressing, 0 empty, else term index + 1 */
    size_t mask;    /* slots - 1 */
    ns_rc rc;
} parse_ctx;

static uint64_t term_hash(const char *term, size_t len)
{
    uint64_t w[2] = {0, 0};
    memcpy(w, term, len < sizeof w ? len : sizeof w);
    return ns_hash_key(term, len, w[0], w[1]);
}

static int on_token(void *vctx, const ns_token *tok)
{
    parse_ctx *c = vctx;
    sr_query *q = c->q;
    size_t h = (size_t)term_hash(tok->term, tok->term_len) & c->mask;
    for (; c->slot[h]; h = (h + 1) & c->mask) {
        sr_qterm *t = &q->t[c->slot[h] - 1];
        if (t->len == tok->term_len && memcmp(t->term, tok->term, tok->term_len) == 0) {
            t->qtf++;
            return 0;
        }
    }
    if (q->n == SR_QUERY_MAX_TERMS) {
        c->rc = NS_E_ARG;
        return 1;
    }
    if (q->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 8;
        sr_qterm *t = ns_realloc(q->t, nc * sizeof *t);
        if (!t) {
            c->rc = NS_E_NOMEM;
            return 1;
        }
        q->t = t;
        c->cap = nc;
    }
    sr_qterm *t = &q->t[q->n++];
    memset(t, 0, sizeof *t);
    memcpy(t->term, tok->term, tok->term_len);
    t->len = tok->term_len;
    t->qtf = 1;
    c->slot[h] = (uint32_t)q->n;
    return 0;
}

ns_rc sr_query_parse(sr_index *ix, const char *text, size_t len, sr_query *q, ns_err *err)
{
    q->t = NULL;
    q->n = 0;
    q->n_words = 0;
    /* Every term takes a byte of text, and no more than the cap are
     * stored: twice that many slots keeps the table at most half full
     * (2,048 slots at most), so a probe always ends. */
    size_t most = len + 1 < SR_QUERY_MAX_TERMS ? len + 1 : SR_QUERY_MAX_TERMS;
    size_t slots = 16;
    while (slots < 2 * most)
        slots *= 2;
    parse_ctx c = {q, 0, ns_calloc(slots, sizeof(uint32_t)), slots - 1, NS_OK};
    ns_rc rc = c.slot ? ns_analyze(ix->an, text, len, on_token, &c) : NS_E_NOMEM;
    ns_free(c.slot);
    q->n_words = ns_analyzer_words(ix->an);
    if (!rc)
        rc = c.rc;
    if (rc) {
        sr_query_release(q);
        if (rc == NS_E_ARG)
            return ns_err_set(err, rc,
                              "the query has more than %d distinct words; %d is the limit",
                              SR_QUERY_MAX_TERMS, SR_QUERY_MAX_TERMS);
        return ns_err_set(err, rc, "out of memory");
    }
    for (size_t i = 0; i < q->n; i++) {
        sr_qterm *t = &q->t[i];
        rc = sr_index_lookup(ix, t->term, t->len, &t->found, &t->info, err);
        if (rc) {
            sr_query_release(q);
            return rc;
        }
        if (t->found)
            t->idf = ns_bm25_idf((double)ix->n_live, (double)t->info.df);
    }
    return NS_OK;
}

void sr_query_release(sr_query *q)
{
    if (!q)
        return;
    ns_free(q->t);
    q->t = NULL;
    q->n = 0;
}
