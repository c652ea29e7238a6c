/* sr_exec: the query tree's iterators, root pruning, counting, the
 * exclusion filter and the reference evaluation (see sr_exec.h). */
#include "sr_exec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_format.h"
#include "ns_json.h"
#include "ns_term.h"
#include "sr_cursor.h"
#include "sr_pos.h"

enum { XN_NONE, XN_TERM, XN_SCOPED, XN_PHRASE, XN_BOOL };

typedef struct xn {
    int kind;
    sr_occur occur;
    uint32_t doc;     /* current match, SR_DOC_END past the last */
    double max_score; /* bound of every score it gives */
    uint64_t cost;    /* documents it may match (ordering) */
    double scale;     /* qtf x idf (a phrase: x the sum of its words' idf) */
    bool keyword;     /* scores 0 */
    sr_scope scope;
    bool sloppy;
    uint32_t slop;
    double freq;      /* SCOPED, PHRASE: at doc */
    size_t n;         /* words */
    sr_cursor **c;    /* owned, n owned cursors */
    sr_pos *pos;      /* owned, n readers (SCOPED, PHRASE) */
    const uint32_t *off; /* borrowed from the query: PHRASE offsets */
    size_t lead;      /* PHRASE: the rarest word */
    const uint32_t **pp; /* owned scratch: each word's positions in scope */
    uint32_t *np;
    int64_t *scratch;
    struct xn **kids; /* owned, BOOL */
    size_t n_kids, n_must;
    size_t *must;     /* owned: indexes of the MUST kids, cheapest first */
} xn;

typedef struct ex {
    const sr_index *ix;
    double avgdl;
    ns_rc rc;
} ex;

static void xn_free(xn *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n_kids; i++)
        xn_free(x->kids[i]);
    for (size_t i = 0; x->c && i < x->n; i++)
        ns_free(x->c[i]);
    for (size_t i = 0; x->pos && i < x->n; i++)
        sr_pos_release(&x->pos[i]);
    ns_free(x->c);
    ns_free(x->pos);
    ns_free(x->pp);
    ns_free(x->np);
    ns_free(x->scratch);
    ns_free(x->kids);
    ns_free(x->must);
    ns_free(x);
}

static void xn_stats(const xn *x, sr_rank_stats *st)
{
    for (size_t i = 0; i < x->n_kids; i++)
        xn_stats(x->kids[i], st);
    for (size_t i = 0; x->c && i < x->n; i++) {
        st->postings_decoded += x->c[i]->n_decoded;
        st->corrupt |= x->c[i]->corrupt;
    }
    for (size_t i = 0; x->pos && i < x->n; i++)
        st->corrupt |= x->pos[i].corrupt;
}

static uint32_t doclen(const ex *e, uint32_t d) { return sr_index_doclen(e->ix, d); }

/* The [lo, hi) of positions a scope allows in document d. */
static void scope_range(const ex *e, sr_scope s, uint32_t d, uint32_t *lo, uint32_t *hi)
{
    uint32_t tl = s == SR_SCOPE_ALL ? 0 : sr_index_title_len(e->ix, d);
    *lo = s == SR_SCOPE_BODY ? tl : 0;
    *hi = s == SR_SCOPE_TITLE ? tl : UINT32_MAX;
}

/* Narrows pos[0..*n) to [lo, hi). */
static const uint32_t *clip(const uint32_t *pos, uint32_t *n, uint32_t lo, uint32_t hi)
{
    uint32_t a = 0, b = *n;
    while (a < b && pos[a] < lo)
        a++;
    while (b > a && pos[b - 1] >= hi)
        b--;
    *n = b - a;
    return pos + a;
}

/* Leafs: match and score */

static double leaf_score(const ex *e, const xn *x, double tf)
{
    return x->keyword ? 0.0 : x->scale * ns_bm25_tf(tf, doclen(e, x->doc), e->avgdl);
}

/* Positions of word i at its cursor's document, in the node's scope. */
static int word_positions(const ex *e, xn *x, size_t i, uint32_t d)
{
    const uint32_t *p;
    uint32_t n;
    if (sr_pos_get(&x->pos[i], x->c[i], &p, &n))
        return -1;
    if (x->scope != SR_SCOPE_ALL) {
        uint32_t lo, hi;
        scope_range(e, x->scope, d, &lo, &hi);
        p = clip(p, &n, lo, hi);
    }
    x->pp[i] = p;
    x->np[i] = n;
    return 0;
}

/* The frequency of a phrase or scoped term at d (its cursors there). */
static double verify(const ex *e, xn *x, uint32_t d)
{
    for (size_t i = 0; i < x->n; i++)
        if (word_positions(e, x, i, d) || x->np[i] == 0)
            return 0;
    if (x->kind == XN_SCOPED)
        return x->np[0];
    return x->sloppy ? sr_phrase_sloppy(x->pp, x->np, x->off, x->n, x->slop, x->scratch)
                     : sr_phrase_exact(x->pp, x->np, x->off, x->n, (uint32_t *)x->scratch);
}

/* A bound of the phrase's score at d from its words' frequencies there
 * (exact: the phrase frequency is at most any word's; sloppy: at most the
 * sum), or of the scoped term's. */
static double freq_bound(const ex *e, xn *x, uint32_t d)
{
    double f;
    if (x->kind == XN_SCOPED || !x->sloppy) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < x->n; i++) {
            uint32_t t = sr_cursor_freq(x->c[i]);
            m = t < m ? t : m;
        }
        f = m;
    } else {
        f = 0;
        for (size_t i = 0; i < x->n; i++)
            f += sr_cursor_freq(x->c[i]);
    }
    return x->keyword ? 0 : x->scale * ns_bm25_tf(f, doclen(e, d), e->avgdl) * (1 + SR_UB_SLACK);
}

/* The first document >= target where every word's cursor is. */
static uint32_t leapfrog(xn *x, uint32_t target)
{
    sr_cursor **c = x->c;
    for (;;) {
        sr_cursor_next_geq(c[x->lead], target);
        uint32_t d = c[x->lead]->doc;
        if (d == SR_DOC_END)
            return d;
        size_t i = 0;
        for (; i < x->n; i++) {
            if (i == x->lead)
                continue;
            sr_cursor_next_geq(c[i], d);
            if (c[i]->doc != d)
                break;
        }
        if (i == x->n)
            return d;
        target = c[i]->doc;
        if (target == SR_DOC_END)
            return target;
    }
}

/* Moves a phrase or scoped term to its first match >= target that can
 * score above theta (-1: any match): whole blocks of the lead word whose
 * bound cannot are skipped, then candidates whose frequencies cannot,
 * before any position is read. */
static void pos_search(const ex *e, xn *x, uint32_t target, double theta)
{
    /* the block bounds hold for an exact phrase (its frequency is at most
     * each word's tf) and a scoped term, not for a sloppy phrase (its
     * frequency can pass any word's tf) */
    bool blocks = theta >= 0 && !x->keyword && !x->sloppy;
    uint64_t until = 0; /* the blocks' bound holds for docs < until */
    for (;;) {
        if (blocks && target >= until) {
            /* every word's block at target: the phrase scores at most the
             * least of their bounds, up to the first of their ends */
            double m = INFINITY;
            until = UINT64_MAX;
            for (size_t i = 0; i < x->n; i++) {
                sr_cursor *c = x->c[i];
                sr_cursor_shallow_next_geq(c, target);
                double b = sr_cursor_block_max(c) / c->scale;
                m = b < m ? b : m;
                uint32_t last = sr_cursor_block_last(c);
                uint64_t after = last == SR_DOC_END ? (uint64_t)SR_DOC_END : (uint64_t)last + 1;
                until = after < until ? after : until;
            }
            if (x->scale * m <= theta) {
                if (until >= SR_DOC_END) {
                    x->doc = SR_DOC_END;
                    return;
                }
                target = (uint32_t)until;
                continue;
            }
        }
        uint32_t d = leapfrog(x, target);
        if (d == SR_DOC_END) {
            x->doc = d;
            return;
        }
        if ((theta < 0 || freq_bound(e, x, d) > theta) && (x->freq = verify(e, x, d)) > 0) {
            x->doc = d;
            return;
        }
        target = d + 1;
    }
}

static void xn_next_geq(const ex *e, xn *x, uint32_t target);

static bool excluded(const ex *e, xn *x, uint32_t d)
{
    for (size_t i = 0; i < x->n_kids; i++) {
        xn *k = x->kids[i];
        if (k->occur != SR_OCC_NOT)
            continue;
        if (k->doc < d)
            xn_next_geq(e, k, d);
        if (k->doc == d)
            return true;
    }
    return false;
}

/* A group's first match >= target, from its kids' current places. */
static void bool_search(const ex *e, xn *x, uint32_t target)
{
    for (;;) {
        uint32_t d = target;
        if (x->n_must) { /* every required clause at one document */
            for (size_t j = 0; j < x->n_must;) {
                xn *k = x->kids[x->must[j]];
                if (k->doc < d)
                    xn_next_geq(e, k, d);
                if (k->doc == SR_DOC_END) {
                    x->doc = SR_DOC_END;
                    return;
                }
                if (k->doc > d) {
                    d = k->doc;
                    j = 0;
                    continue;
                }
                j++;
            }
        } else {
            d = SR_DOC_END;
            for (size_t i = 0; i < x->n_kids; i++) {
                xn *k = x->kids[i];
                if (k->occur != SR_OCC_SHOULD)
                    continue;
                if (k->doc < target)
                    xn_next_geq(e, k, target);
                if (k->doc < d)
                    d = k->doc;
            }
            if (d == SR_DOC_END) {
                x->doc = d;
                return;
            }
        }
        if (!excluded(e, x, d)) {
            x->doc = d;
            return;
        }
        target = d + 1;
    }
}

static void xn_next_geq(const ex *e, xn *x, uint32_t target)
{
    if (x->doc >= target)
        return;
    switch (x->kind) {
    case XN_NONE: x->doc = SR_DOC_END; break;
    case XN_TERM:
        sr_cursor_next_geq(x->c[0], target);
        x->doc = x->c[0]->doc;
        break;
    case XN_SCOPED:
    case XN_PHRASE: pos_search(e, x, target, -1); break;
    case XN_BOOL: bool_search(e, x, target); break;
    }
}

/* x's score at its current document (x->doc != SR_DOC_END). */
static double xn_score(const ex *e, xn *x)
{
    switch (x->kind) {
    case XN_TERM: return leaf_score(e, x, sr_cursor_freq(x->c[0]));
    case XN_SCOPED:
    case XN_PHRASE: return leaf_score(e, x, x->freq);
    case XN_BOOL: {
        double s = 0;
        for (size_t i = 0; i < x->n_kids; i++) {
            xn *k = x->kids[i];
            if (k->occur == SR_OCC_NOT)
                continue;
            if (k->occur == SR_OCC_SHOULD && k->doc < x->doc)
                xn_next_geq(e, k, x->doc);
            if (k->doc == x->doc)
                s += xn_score(e, k);
        }
        return s;
    }
    }
    return 0;
}

/* Building */

static xn *new_xn(ex *e, int kind)
{
    xn *x = ns_calloc(1, sizeof *x);
    if (!x && !e->rc)
        e->rc = NS_E_NOMEM;
    if (x)
        x->kind = kind;
    return x;
}

static int add_cursors(ex *e, xn *x, const sr_query *q, const sr_qt *t, bool unit)
{
    x->n = t->n_w;
    x->c = ns_calloc(x->n, sizeof *x->c);
    if (!x->c)
        return e->rc = NS_E_NOMEM, -1;
    for (size_t i = 0; i < x->n; i++) {
        x->c[i] = ns_malloc_aligned(_Alignof(sr_cursor), sizeof(sr_cursor));
        if (!x->c[i])
            return e->rc = NS_E_NOMEM, -1;
        const sr_qterm *w = &q->t[t->w[i]];
        /* a phrase's words weigh 1: their bounds are weights of a posting */
        sr_cursor_init(x->c[i], e->ix, &w->info, unit ? 1 : t->qtf, unit ? 1.0 : w->idf);
        if (w->info.df < x->c[x->lead]->df)
            x->lead = i;
    }
    if (x->kind == XN_TERM)
        return 0;
    x->pos = ns_calloc(x->n, sizeof *x->pos);
    x->pp = ns_calloc(x->n, sizeof *x->pp);
    x->np = ns_calloc(x->n, sizeof *x->np);
    x->scratch = ns_calloc(2 * x->n, sizeof *x->scratch);
    if (!x->pos || !x->pp || !x->np || !x->scratch)
        return e->rc = NS_E_NOMEM, -1;
    for (size_t i = 0; i < x->n; i++)
        sr_pos_init(&x->pos[i], e->ix, &q->t[t->w[i]].info);
    return 0;
}

/* Orders a group's required clauses cheapest first (insertion sort: few). */
static void sort_must(xn *x)
{
    for (size_t i = 1; i < x->n_must; i++) {
        size_t v = x->must[i], j = i;
        for (; j > 0 && x->kids[x->must[j - 1]]->cost > x->kids[v]->cost; j--)
            x->must[j] = x->must[j - 1];
        x->must[j] = v;
    }
}

static xn *build(ex *e, const sr_query *q, const sr_qt *t)
{
    xn *x;
    if (!t->found) { /* a word not in the index: matches nothing */
        x = new_xn(e, XN_NONE);
        if (x) {
            x->occur = t->occur;
            x->doc = SR_DOC_END;
        }
        return x;
    }
    if (t->kind == SR_QT_BOOL) {
        x = new_xn(e, XN_BOOL);
        if (!x)
            return NULL;
        x->occur = t->occur;
        x->kids = ns_calloc(t->n_kids, sizeof *x->kids);
        x->must = ns_calloc(t->n_kids, sizeof *x->must);
        if (!x->kids || !x->must) {
            e->rc = NS_E_NOMEM;
            xn_free(x);
            return NULL;
        }
        double sum = 0;
        uint64_t cost = 0;
        for (size_t i = 0; i < t->n_kids; i++) {
            xn *k = build(e, q, t->kids[i]);
            if (!k) {
                xn_free(x);
                return NULL;
            }
            x->kids[x->n_kids++] = k;
            if (k->occur == SR_OCC_NOT)
                continue;
            sum += k->max_score;
            if (k->occur == SR_OCC_MUST) {
                x->must[x->n_must++] = i;
                cost = x->n_must == 1 || k->cost < cost ? k->cost : cost;
            } else if (!x->n_must) {
                cost += k->cost;
            }
        }
        x->max_score = sum * (1 + SR_UB_SLACK);
        x->cost = cost;
        sort_must(x);
        bool_search(e, x, 0);
        return x;
    }
    bool positional = t->kind == SR_QT_PHRASE || t->scope != SR_SCOPE_ALL;
    x = new_xn(e, positional ? (t->kind == SR_QT_PHRASE ? XN_PHRASE : XN_SCOPED) : XN_TERM);
    if (!x)
        return NULL;
    x->occur = t->occur;
    x->keyword = t->keyword;
    x->scope = t->scope;
    x->sloppy = t->sloppy;
    x->slop = t->slop;
    x->off = t->off;
    x->scale = t->qtf * t->idf;
    if (add_cursors(e, x, q, t, t->kind == SR_QT_PHRASE)) {
        xn_free(x);
        return NULL;
    }
    x->cost = x->c[x->lead]->df;
    if (x->keyword)
        x->max_score = 0;
    else if (t->kind == SR_QT_TERM)
        x->max_score = x->c[0]->max_score; /* the term's own bound (scoped: its tf there is less) */
    else if (x->sloppy) /* the frequency is unbounded: BM25's limit */
        x->max_score = x->scale * (NS_BM25_K1 + 1) * (1 + SR_UB_SLACK);
    else { /* the phrase frequency is at most its rarest word's tf */
        double m = x->c[0]->max_score;
        for (size_t i = 1; i < x->n; i++)
            m = x->c[i]->max_score < m ? x->c[i]->max_score : m;
        x->max_score = x->scale * m * (1 + SR_UB_SLACK);
    }
    if (x->kind == XN_TERM)
        x->doc = x->c[0]->doc;
    else
        pos_search(e, x, 0, -1);
    return x;
}

static ns_rc build_root(ex *e, const sr_index *ix, const sr_query *q, xn **root, ns_err *err)
{
    e->ix = ix;
    e->avgdl = ix->avgdl;
    e->rc = NS_OK;
    *root = q->root ? build(e, q, q->root) : NULL;
    if (e->rc) {
        xn_free(*root);
        *root = NULL;
        return ns_err_set(err, e->rc, "out of memory");
    }
    return NS_OK;
}

/* Top k */

static double threshold(const sr_topk *t) { return t->n == t->k ? t->h[0].score : -1.0; }

static void offer(sr_topk *t, sr_rank_stats *st, uint32_t doc, double s)
{
    st->docs_scored++;
    if (t->n == t->k && s <= t->h[0].score)
        return;
    sr_topk_push(t, doc, s);
}

static int by_max(const void *a, const void *b)
{
    const xn *x = *(xn *const *)a, *y = *(xn *const *)b;
    return (x->max_score > y->max_score) - (x->max_score < y->max_score);
}

/* The root's optional clauses into s, by bound ascending, and each one's
 * place in the sum (slot); returns how many. */
static size_t optional_clauses(const xn *r, xn **s, size_t *slot)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_kids; i++)
        if (r->kids[i]->occur == SR_OCC_SHOULD)
            s[n++] = r->kids[i];
    qsort(s, n, sizeof *s, by_max);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < r->n_kids; j++)
            if (r->kids[j] == s[i])
                slot[i] = j;
    return n;
}

/* Probes the optional clauses s[0..i) at d, largest bound first, while
 * part (the score so far) plus rest (the bounds left) can beat theta,
 * recording each contribution in contrib.  True when every one was
 * probed: the document is then scored in full. */
static bool probe(const ex *e, xn **s, const size_t *slot, size_t i, uint32_t d, double part,
                  double rest, double theta, double *contrib)
{
    for (; i > 0; i--) {
        if (part + rest <= theta)
            return false;
        xn *k = s[i - 1];
        xn_next_geq(e, k, d);
        rest -= k->max_score;
        if (k->doc == d)
            part += contrib[slot[i - 1]] = xn_score(e, k);
    }
    return true;
}

/* Offers d with the contributions summed in clause order (every algorithm
 * adds them so), and clears them. */
static void offer_sum(sr_topk *top, sr_rank_stats *st, uint32_t d, double *contrib, size_t n)
{
    double sum = 0;
    for (size_t j = 0; j < n; j++)
        sum += contrib[j];
    offer(top, st, d, sum);
}

/* MaxScore over a root group's optional clauses (no required one). */
static ns_rc topk_or(const ex *e, xn *r, sr_topk *top, sr_rank_stats *st)
{
    xn **s = ns_malloc(r->n_kids * sizeof *s);
    double *up = ns_malloc(r->n_kids * sizeof *up);
    double *contrib = ns_calloc(r->n_kids, sizeof *contrib);
    size_t *slot = ns_malloc(r->n_kids * sizeof *slot);
    ns_rc rc = s && up && contrib && slot ? NS_OK : NS_E_NOMEM;
    size_t n = rc ? 0 : optional_clauses(r, s, slot);
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        up[i] = acc += s[i]->max_score;
    size_t first = 0;
    double theta = threshold(top);
    while (first < n) {
        uint32_t d = SR_DOC_END;
        for (size_t i = first; i < n; i++)
            if (s[i]->doc < d)
                d = s[i]->doc;
        if (d == SR_DOC_END)
            break;
        double part = 0;
        for (size_t i = first; i < n; i++)
            if (s[i]->doc == d)
                part += contrib[slot[i]] = xn_score(e, s[i]);
        if (probe(e, s, slot, first, d, part, first ? up[first - 1] : 0, theta, contrib) &&
            !excluded(e, r, d))
            offer_sum(top, st, d, contrib, r->n_kids);
        memset(contrib, 0, r->n_kids * sizeof *contrib);
        for (size_t j = first; j < n; j++)
            if (s[j]->doc == d)
                xn_next_geq(e, s[j], d + 1);
        theta = threshold(top);
        while (first < n && up[first] <= theta)
            first++;
    }
    ns_free(s);
    ns_free(up);
    ns_free(contrib);
    ns_free(slot);
    return rc;
}

/* A root group with required clauses: they drive; the optional ones are
 * probed, best bound first, while the document can still win. */
static ns_rc topk_and(const ex *e, xn *r, sr_topk *top, sr_rank_stats *st)
{
    xn **s = ns_malloc(r->n_kids * sizeof *s);
    double *contrib = ns_calloc(r->n_kids, sizeof *contrib);
    size_t *slot = ns_malloc(r->n_kids * sizeof *slot);
    ns_rc rc = s && contrib && slot ? NS_OK : NS_E_NOMEM;
    size_t n = rc ? 0 : optional_clauses(r, s, slot);
    double rest_all = 0;
    for (size_t i = 0; i < n; i++)
        rest_all += s[i]->max_score;
    while (!rc && r->doc != SR_DOC_END) {
        uint32_t d = r->doc;
        double part = 0;
        for (size_t j = 0; j < r->n_must; j++)
            part += contrib[r->must[j]] = xn_score(e, r->kids[r->must[j]]);
        if (probe(e, s, slot, n, d, part, rest_all, threshold(top), contrib))
            offer_sum(top, st, d, contrib, r->n_kids);
        memset(contrib, 0, r->n_kids * sizeof *contrib);
        xn_next_geq(e, r, d + 1);
    }
    ns_free(s);
    ns_free(contrib);
    ns_free(slot);
    return rc;
}

ns_rc sr_exec_topk(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out, size_t *n_out,
                   sr_rank_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    *n_out = 0;
    if (!q->root || k == 0)
        return NS_OK;
    ex e;
    xn *r;
    ns_rc rc = build_root(&e, ix, q, &r, err);
    if (rc)
        return rc;
    sr_topk top;
    sr_topk_init(&top, out, k);
    if (r->kind == XN_BOOL && r->n_must) {
        rc = topk_and(&e, r, &top, st);
    } else if (r->kind == XN_BOOL) {
        rc = topk_or(&e, r, &top, st);
    } else if (r->kind == XN_SCOPED || r->kind == XN_PHRASE) {
        while (r->doc != SR_DOC_END) {
            offer(&top, st, r->doc, xn_score(&e, r));
            pos_search(&e, r, r->doc + 1, threshold(&top));
        }
    } else {
        for (; r->doc != SR_DOC_END; xn_next_geq(&e, r, r->doc + 1))
            offer(&top, st, r->doc, xn_score(&e, r));
    }
    if (r)
        xn_stats(r, st);
    xn_free(r);
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    *n_out = sr_topk_finish(&top);
    return NS_OK;
}

ns_rc sr_exec_count(const sr_index *ix, const sr_query *q, uint64_t max, uint64_t *count,
                    sr_rank_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    *count = 0;
    if (!q->root)
        return NS_OK;
    ex e;
    xn *r;
    ns_rc rc = build_root(&e, ix, q, &r, err);
    if (rc)
        return rc;
    for (; r->doc != SR_DOC_END && (!max || *count < max); xn_next_geq(&e, r, r->doc + 1))
        (*count)++;
    xn_stats(r, st);
    xn_free(r);
    return NS_OK;
}

/* The exclusion filter of flat queries */

struct sr_excl {
    ex e;
    xn *g; /* a group holding the excluded clauses only */
};

ns_rc sr_excl_new(const sr_index *ix, const sr_query *q, sr_excl **out, ns_err *err)
{
    *out = NULL;
    const sr_qt *r = q->root;
    size_t n = 0;
    for (size_t i = 0; r && r->kind == SR_QT_BOOL && i < r->n_kids; i++)
        n += r->kids[i]->occur == SR_OCC_NOT;
    if (!n)
        return NS_OK;
    sr_excl *x = ns_calloc(1, sizeof *x);
    if (!x)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    x->e.ix = ix;
    x->e.avgdl = ix->avgdl;
    x->g = new_xn(&x->e, XN_BOOL);
    if (x->g)
        x->g->kids = ns_calloc(n, sizeof *x->g->kids);
    for (size_t i = 0; x->g && x->g->kids && i < r->n_kids; i++) {
        if (r->kids[i]->occur != SR_OCC_NOT)
            continue;
        xn *k = build(&x->e, q, r->kids[i]);
        if (!k)
            break;
        x->g->kids[x->g->n_kids++] = k;
    }
    if (!x->g || !x->g->kids || x->g->n_kids < n) {
        sr_excl_free(x);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    *out = x;
    return NS_OK;
}

bool sr_excl_has(sr_excl *x, uint32_t doc) { return excluded(&x->e, x->g, doc); }

bool sr_excl_corrupt(const sr_excl *x)
{
    sr_rank_stats st;
    memset(&st, 0, sizeof st);
    xn_stats(x->g, &st);
    return st.corrupt;
}

void sr_excl_free(sr_excl *x)
{
    if (!x)
        return;
    xn_free(x->g);
    ns_free(x);
}

/* The reference: every document some clause has, each clause evaluated
 * from its postings read one by one and its whole position streams
 * decoded plainly. */

typedef struct rn {
    const sr_qt *t;
    sr_cursor **c;   /* owned, one per word */
    uint32_t **str;  /* owned: each word's whole positions stream, as stored */
    uint64_t *at;    /* index in str of the current posting's first value */
    uint32_t **pos;  /* owned scratch: decoded positions at the document */
    uint64_t *cf;    /* owned: each word's stream length */
    uint32_t *np;
    struct rn **kids;
} rn;

static void rn_free(rn *r)
{
    if (!r)
        return;
    size_t nw = r->t->kind == SR_QT_BOOL ? 0 : r->t->n_w;
    for (size_t i = 0; i < r->t->n_kids && r->kids; i++)
        rn_free(r->kids[i]);
    for (size_t i = 0; i < nw; i++) {
        if (r->c)
            ns_free(r->c[i]);
        if (r->str)
            ns_free(r->str[i]);
        if (r->pos)
            ns_free(r->pos[i]);
    }
    ns_free(r->c);
    ns_free(r->str);
    ns_free(r->at);
    ns_free(r->pos);
    ns_free(r->np);
    ns_free(r->cf);
    ns_free(r->kids);
    ns_free(r);
}

static rn *rn_build(const sr_index *ix, const sr_query *q, const sr_qt *t)
{
    rn *r = ns_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->t = t;
    if (t->kind == SR_QT_BOOL) {
        r->kids = ns_calloc(t->n_kids ? t->n_kids : 1, sizeof *r->kids);
        if (!r->kids)
            return rn_free(r), NULL;
        for (size_t i = 0; i < t->n_kids; i++)
            if (!(r->kids[i] = rn_build(ix, q, t->kids[i])))
                return rn_free(r), NULL;
        return r;
    }
    size_t n = t->n_w;
    r->c = ns_calloc(n, sizeof *r->c);
    r->str = ns_calloc(n, sizeof *r->str);
    r->at = ns_calloc(n, sizeof *r->at);
    r->pos = ns_calloc(n, sizeof *r->pos);
    r->np = ns_calloc(n, sizeof *r->np);
    r->cf = ns_calloc(n, sizeof *r->cf);
    if (!r->c || !r->str || !r->at || !r->pos || !r->np || !r->cf)
        return rn_free(r), NULL;
    for (size_t i = 0; i < n; i++) {
        const sr_qterm *w = &q->t[t->w[i]];
        if (!w->found)
            continue;
        r->c[i] = ns_malloc_aligned(_Alignof(sr_cursor), sizeof(sr_cursor));
        if (!r->c[i])
            return rn_free(r), NULL;
        sr_cursor_init(r->c[i], ix, &w->info, 1, 1.0);
        r->cf[i] = w->info.cf;
        if (t->kind == SR_QT_PHRASE || t->scope != SR_SCOPE_ALL) {
            r->str[i] = ns_malloc((w->info.cf ? w->info.cf : 1) * sizeof *r->str[i]);
            r->pos[i] = ns_malloc((w->info.cf ? w->info.cf : 1) * sizeof *r->pos[i]);
            if (!r->str[i] || !r->pos[i])
                return rn_free(r), NULL;
            const uint8_t *p = ix->f[NS_FILE_POSITIONS].payload + w->info.pos_off;
            if (sr_pos_decode_stream(&p, p + w->info.pos_len, w->info.cf, r->str[i], NULL))
                r->c[i]->corrupt = true; /* read as empty */
        }
    }
    return r;
}

/* Moves word i's cursor to >= d, one posting at a time; true at d. */
static bool rn_at(rn *r, size_t i, uint32_t d)
{
    sr_cursor *c = r->c[i];
    if (!c)
        return false;
    while (c->doc < d) {
        r->at[i] += sr_cursor_freq(c);
        sr_cursor_next(c);
    }
    return c->doc == d;
}

static uint32_t rn_min(rn *r, uint32_t d)
{
    uint32_t m = SR_DOC_END;
    if (r->t->kind == SR_QT_BOOL) {
        for (size_t i = 0; i < r->t->n_kids; i++) {
            uint32_t k = rn_min(r->kids[i], d);
            m = k < m ? k : m;
        }
        return m;
    }
    for (size_t i = 0; i < r->t->n_w; i++) {
        if (!r->c[i])
            continue;
        rn_at(r, i, d);
        m = r->c[i]->doc < m ? r->c[i]->doc : m;
    }
    return m;
}

/* Word i's positions at d (its cursor there), within the scope. */
static void rn_positions(const sr_index *ix, rn *r, size_t i, uint32_t d)
{
    uint32_t tf = sr_cursor_freq(r->c[i]), n = 0, lo = 0, hi = UINT32_MAX;
    if (r->t->scope != SR_SCOPE_ALL) {
        uint32_t tl = sr_index_title_len(ix, d);
        lo = r->t->scope == SR_SCOPE_BODY ? tl : 0;
        hi = r->t->scope == SR_SCOPE_TITLE ? tl : UINT32_MAX;
    }
    uint64_t p = 0;
    for (uint32_t j = 0; j < tf; j++) {
        if (r->at[i] + j >= r->cf[i]) { /* more postings than positions: damaged */
            r->c[i]->corrupt = true;
            break;
        }
        p = j ? p + r->str[i][r->at[i] + j] + 1 : r->str[i][r->at[i] + j];
        if (p >= lo && p < hi)
            r->pos[i][n++] = (uint32_t)p;
    }
    r->np[i] = n;
}

/* Whether sorted p[0..n) holds v (a binary search: the reference stays
 * independent of the fast paths' merges, and bounded on long lists). */
static bool has_pos(const uint32_t *p, uint32_t n, uint64_t v)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && p[lo] == v;
}

/* The first j with (p[j] - off, k) after (v, m) in the pairs' order
 * (value, then word), by binary search; n when none. */
static uint32_t first_after(const uint32_t *p, uint32_t n, int64_t off, int64_t v, bool k_below_m)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t w = (int64_t)p[mid] - off;
        if (w < v || (w == v && k_below_m))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The exact phrase frequency by its definition: every start position of
 * word 0 with each word at its offset. */
static uint32_t ref_exact(uint32_t *const *pos, const uint32_t *np, const uint32_t *off, size_t n)
{
    uint32_t c = 0;
    for (uint32_t j = 0; j < np[0]; j++) {
        bool ok = true;
        for (size_t i = 1; i < n && ok; i++)
            ok = has_pos(pos[i], np[i], (uint64_t)pos[0][j] + off[i]);
        c += ok;
    }
    return c;
}

/* Sloppy frequency by its definition (sr_pos.h), pair by pair. */
static double ref_sloppy(uint32_t *const *pos, const uint32_t *np, const uint32_t *off, size_t n,
                         uint32_t slop)
{
    double f = 0;
    /* the pairs (v, i) in increasing order: repeatedly the least unvisited */
    size_t *next = ns_calloc(n, sizeof *next);
    if (!next)
        return 0;
    for (;;) {
        size_t m = n;
        int64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            if (next[i] >= np[i])
                continue;
            int64_t w = (int64_t)pos[i][next[i]] - off[i];
            if (m == n || w < v) {
                m = i;
                v = w;
            }
        }
        if (m == n)
            break;
        int64_t end = v;
        bool all = true;
        for (size_t k = 0; k < n && all; k++) {
            if (k == m)
                continue;
            uint32_t j = first_after(pos[k], np[k], off[k], v, k < m); /* k's first pair after (v, m) */
            if (j == np[k])
                all = false;
            else if ((int64_t)pos[k][j] - off[k] > end)
                end = (int64_t)pos[k][j] - off[k];
        }
        if (!all)
            break;
        if (end - v <= (int64_t)slop)
            f += 1.0 / (double)(end - v + 1);
        next[m]++;
    }
    ns_free(next);
    return f;
}

/* Whether r matches d, and its score there. */
static bool rn_eval(const sr_index *ix, rn *r, uint32_t d, double *score)
{
    const sr_qt *t = r->t;
    *score = 0;
    if (t->kind == SR_QT_BOOL) {
        bool ok = true, any = false, must = false;
        double s = 0;
        for (size_t i = 0; i < t->n_kids; i++) {
            double ks;
            bool m = rn_eval(ix, r->kids[i], d, &ks);
            switch (t->kids[i]->occur) {
            case SR_OCC_MUST:
                must = true;
                if (m)
                    s += ks;
                else
                    ok = false;
                break;
            case SR_OCC_SHOULD:
                if (m) {
                    any = true;
                    s += ks;
                }
                break;
            case SR_OCC_NOT: ok &= !m; break;
            }
        }
        *score = s;
        return ok && (must || any);
    }
    for (size_t i = 0; i < t->n_w; i++)
        if (!rn_at(r, i, d))
            return false;
    double f;
    if (t->kind == SR_QT_TERM && t->scope == SR_SCOPE_ALL) {
        f = sr_cursor_freq(r->c[0]);
    } else {
        for (size_t i = 0; i < t->n_w; i++) {
            rn_positions(ix, r, i, d);
            if (!r->np[i])
                return false;
        }
        if (t->kind == SR_QT_TERM) {
            f = r->np[0];
        } else if (t->sloppy) {
            f = ref_sloppy(r->pos, r->np, t->off, t->n_w, t->slop);
        } else {
            f = ref_exact(r->pos, r->np, t->off, t->n_w);
        }
        if (f <= 0)
            return false;
    }
    double scale = t->qtf * t->idf;
    *score = t->keyword ? 0.0 : scale * ns_bm25_tf(f, sr_index_doclen(ix, d), ix->avgdl);
    return true;
}

static void rn_stats(const rn *r, sr_rank_stats *st)
{
    if (r->t->kind == SR_QT_BOOL) {
        for (size_t i = 0; i < r->t->n_kids; i++)
            rn_stats(r->kids[i], st);
        return;
    }
    for (size_t i = 0; i < r->t->n_w; i++) {
        if (!r->c[i])
            continue;
        st->postings_decoded += r->c[i]->n_decoded;
        st->corrupt |= r->c[i]->corrupt;
    }
}

ns_rc sr_exec_reference(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out,
                        size_t *n_out, sr_rank_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    *n_out = 0;
    if (!q->root || k == 0)
        return NS_OK;
    rn *r = rn_build(ix, q, q->root);
    if (!r)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    sr_topk top;
    sr_topk_init(&top, out, k);
    for (uint32_t d = rn_min(r, 0); d != SR_DOC_END; d = d + 1 == SR_DOC_END ? d + 1 : rn_min(r, d + 1)) {
        double s;
        if (rn_eval(ix, r, d, &s))
            offer(&top, st, d, s);
    }
    rn_stats(r, st);
    rn_free(r);
    *n_out = sr_topk_finish(&top);
    return NS_OK;
}

/* --explain: one document's score, clause by clause, from the reference
 * evaluation. */

static void put_clause_text(ns_buf *out, const sr_query *q, const sr_qt *t, bool json)
{
    size_t len = t->end > t->at ? t->end - t->at : 0;
    const char *s = q->text + t->at;
    if (t->added) { /* a term added by feedback or more-like-this: its stem */
        s = q->t[t->w[0]].term;
        len = q->t[t->w[0]].len;
        if (!json)
            ns_buf_puts(out, "(added) ");
    }
    if (json)
        ns_json_put_string(out, s, len);
    else
        ns_term_put(out, s, len, NS_TERM_TEXT);
}

static void explain_node(const sr_index *ix, const sr_query *q, rn *r, uint32_t d, bool json,
                         int depth, ns_buf *out)
{
    const sr_qt *t = r->t;
    double score;
    bool m = rn_eval(ix, r, d, &score);
    static const char *const occ[] = {"should", "must", "not"};
    static const char *const scope[] = {"", "title", "body"};
    if (json) {
        ns_buf_printf(out, "{\"occur\":\"%s\",\"matched\":%s,\"score\":%.6f,", occ[t->occur],
                      m ? "true" : "false", t->occur == SR_OCC_NOT ? 0.0 : score);
    } else {
        for (int i = 0; i < depth; i++)
            ns_buf_puts(out, "  ");
        if (t->occur == SR_OCC_NOT)
            ns_buf_puts(out, "   excluded ");
        else
            ns_buf_printf(out, "   %s%.6f ", t->occur == SR_OCC_MUST ? "+" : "", m ? score : 0.0);
    }
    if (t->kind == SR_QT_BOOL) {
        bool must = false;
        for (size_t i = 0; i < t->n_kids; i++)
            must |= t->kids[i]->occur == SR_OCC_MUST;
        const char *kind = t->prefix ? "prefix" : must ? "and" : "or";
        if (json) {
            ns_buf_printf(out, "\"type\":\"%s\",\"clause\":", kind);
            put_clause_text(out, q, t, true);
            ns_buf_puts(out, ",\"clauses\":[");
        } else {
            ns_buf_printf(out, "%s ", kind);
            put_clause_text(out, q, t, false);
            ns_buf_puts(out, m ? ": the sum of\n" : ": no match\n");
        }
        for (size_t i = 0; i < t->n_kids; i++) {
            if (json && i)
                ns_buf_putc(out, ',');
            explain_node(ix, q, r->kids[i], d, json, depth + 1, out);
        }
        ns_buf_puts(out, json ? "]}" : "");
        return;
    }
    const char *kind = t->keyword ? "keyword" : t->kind == SR_QT_PHRASE ? (t->sloppy ? "sloppy phrase" : "phrase") : "term";
    double f = 0;
    if (m && t->kind == SR_QT_TERM && t->scope == SR_SCOPE_ALL)
        f = sr_cursor_freq(r->c[0]);
    else if (m && t->kind == SR_QT_TERM)
        f = r->np[0];
    else if (m && t->sloppy)
        f = ref_sloppy(r->pos, r->np, t->off, t->n_w, t->slop);
    else if (m)
        f = ref_exact(r->pos, r->np, t->off, t->n_w);
    uint32_t dl = sr_index_doclen(ix, d);
    if (json) {
        ns_buf_printf(out, "\"type\":\"%s\",\"clause\":", kind);
        put_clause_text(out, q, t, true);
        if (t->scope)
            ns_buf_printf(out, ",\"field\":\"%s\"", scope[t->scope]);
        if (!t->keyword)
            ns_buf_printf(out, ",\"idf\":%.6f,\"qtf\":%.9g,\"tf\":%.6f,\"dl\":%u,\"avgdl\":%.6f,"
                               "\"k1\":%.2f,\"b\":%.2f,\"weight\":%.6f",
                          t->idf, t->qtf, f, dl, ix->avgdl, NS_BM25_K1, NS_BM25_B,
                          m ? ns_bm25_tf(f, dl, ix->avgdl) : 0.0);
        ns_buf_putc(out, '}');
        return;
    }
    ns_buf_printf(out, "%s ", kind);
    put_clause_text(out, q, t, false);
    if (!m)
        ns_buf_puts(out, t->found ? ": not in this document\n" : ": not in the index\n");
    else if (t->occur == SR_OCC_NOT)
        ns_buf_puts(out, ": in this document\n");
    else if (t->keyword)
        ns_buf_puts(out, ": a filter, no score\n");
    else
        ns_buf_printf(out, " = idf %.6f x qtf %.9g x weight %.6f (%s %.6g, dl %u, avgdl %.3f, k1 %.2f, "
                           "b %.2f)\n",
                      t->idf, t->qtf, ns_bm25_tf(f, dl, ix->avgdl),
                      t->kind == SR_QT_PHRASE ? "phrase frequency" : "tf", f, dl, ix->avgdl,
                      NS_BM25_K1, NS_BM25_B);
}

ns_rc sr_exec_explain(const sr_index *ix, const sr_query *q, uint32_t doc, bool json, ns_buf *out,
                      ns_err *err)
{
    if (!q->root)
        return NS_OK;
    rn *r = rn_build(ix, q, q->root);
    if (!r)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    explain_node(ix, q, r, doc, json, 0, out);
    rn_free(r);
    return ns_buf_cstr(out) ? NS_OK : ns_err_set(err, NS_E_NOMEM, "out of memory");
}
