/* sr_query: query analysis, term lookup and the query tree (see sr_query.h). */
#include "sr_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_format.h"
#include "ns_hash.h"
#include "ns_json.h"
#include "ns_keyword.h"
#include "ns_term.h"
#include "ns_utf8.h"
#include "sr_qparse.h"

/* The most clauses a query tree may hold (each is a cursor or a group). */
#define SR_QUERY_MAX_CLAUSES 16384

typedef struct build {
    sr_index *ix;
    sr_query *q;
    size_t cap;
    uint32_t *slot; /* owned: open addressing over q->t, 0 empty, else index + 1 */
    size_t mask;
    size_t typed;   /* distinct terms typed (not expanded) */
    size_t clauses;
    const sr_prefix_cut *cuts; /* borrowed: the caller's cut-offs */
    size_t n_cuts;
    size_t cap_px;  /* of q->px */
    ns_err *err;
    ns_rc rc;
} build;

static uint64_t term_hash(const char *term, size_t len)
{
    uint64_t w[2] = {0, 0};
    memcpy(w, term, len < sizeof w ? len : sizeof w);
    return ns_hash_key(term, len, w[0], w[1]);
}

static int set_rc(build *b, ns_rc rc)
{
    if (!b->rc)
        b->rc = rc == NS_E_NOMEM ? ns_err_set(b->err, rc, "out of memory") : rc;
    return -1;
}

static int grow_slots(build *b)
{
    size_t slots = (b->mask + 1) * 2;
    uint32_t *s = ns_calloc(slots, sizeof *s);
    if (!s)
        return set_rc(b, NS_E_NOMEM);
    for (size_t i = 0; i < b->q->n; i++) {
        const sr_qterm *t = &b->q->t[i];
        size_t h = (size_t)term_hash(t->term, t->len) & (slots - 1);
        while (s[h])
            h = (h + 1) & (slots - 1);
        s[h] = (uint32_t)i + 1;
    }
    ns_free(b->slot);
    b->slot = s;
    b->mask = slots - 1;
    return 0;
}

/* The index in q->t of term[0..len), added when new (typed: counts toward
 * SR_QUERY_MAX_TERMS); info, when not NULL, is its dictionary entry
 * already read (a prefix's expansion).  -1 on error. */
static long intern(build *b, const char *term, size_t len, bool typed, const sr_term_info *info)
{
    sr_query *q = b->q;
    size_t h = (size_t)term_hash(term, len) & b->mask;
    for (; b->slot[h]; h = (h + 1) & b->mask) {
        sr_qterm *t = &q->t[b->slot[h] - 1];
        if (t->len == len && memcmp(t->term, term, len) == 0)
            return (long)(b->slot[h] - 1);
    }
    if (typed && b->typed == SR_QUERY_MAX_TERMS) {
        if (!b->rc)
            b->rc = ns_err_set(b->err, NS_E_LIMIT,
                               "the query has more than %d distinct words; %d is the limit",
                               SR_QUERY_MAX_TERMS, SR_QUERY_MAX_TERMS);
        return -1;
    }
    if (q->n == SR_QUERY_MAX_ALL_TERMS) {
        if (!b->rc)
            b->rc = ns_err_set(b->err, NS_E_LIMIT,
                               "the query's words and prefixes make more than %d terms; %d is "
                               "the limit",
                               SR_QUERY_MAX_ALL_TERMS, SR_QUERY_MAX_ALL_TERMS);
        return -1;
    }
    if (q->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 8;
        sr_qterm *t = ns_realloc(q->t, nc * sizeof *t);
        if (!t)
            return set_rc(b, NS_E_NOMEM);
        q->t = t;
        b->cap = nc;
    }
    sr_qterm *t = &q->t[q->n];
    memset(t, 0, sizeof *t);
    memcpy(t->term, term, len);
    t->len = len;
    if (info) {
        t->found = true;
        t->info = *info;
        t->idf = sr_index_idf(b->ix, info);
    }
    b->slot[h] = (uint32_t)(q->n + 1);
    q->n++;
    b->typed += typed;
    if (2 * q->n > b->mask && grow_slots(b))
        return -1;
    return (long)(q->n - 1);
}

static size_t qt_count(const sr_qt *n)
{
    size_t c = 1;
    for (size_t i = 0; i < n->n_kids; i++)
        c += qt_count(n->kids[i]);
    return c;
}

static void qt_free(sr_qt *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        qt_free(n->kids[i]);
    ns_free(n->kids);
    ns_free(n->w);
    ns_free(n->off);
    ns_free(n);
}

static sr_qt *new_qt(build *b, sr_qt_kind kind, const sr_qp_node *src)
{
    if (++b->clauses > SR_QUERY_MAX_CLAUSES) {
        if (!b->rc)
            b->rc = ns_err_set(b->err, NS_E_LIMIT, "the query has more than %d clauses; %d is the "
                               "limit", SR_QUERY_MAX_CLAUSES, SR_QUERY_MAX_CLAUSES);
        return NULL;
    }
    sr_qt *n = ns_calloc(1, sizeof *n);
    if (!n) {
        set_rc(b, NS_E_NOMEM);
        return NULL;
    }
    n->kind = kind;
    n->qtf = 1;
    n->at = src->at;
    n->end = src->end;
    return n;
}

static int add_kid(build *b, sr_qt *g, sr_qt *k, size_t *cap)
{
    if (g->n_kids == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        sr_qt **t = ns_realloc(g->kids, nc * sizeof *t);
        if (!t)
            return set_rc(b, NS_E_NOMEM);
        g->kids = t;
        *cap = nc;
    }
    g->kids[g->n_kids++] = k;
    return 0;
}

/* A TERM of term index ti. */
static sr_qt *term_node(build *b, const sr_qp_node *src, long ti, sr_scope scope)
{
    sr_qt *n = new_qt(b, SR_QT_TERM, src);
    if (!n)
        return NULL;
    n->w = ns_malloc(sizeof *n->w);
    if (!n->w) {
        qt_free(n);
        set_rc(b, NS_E_NOMEM);
        return NULL;
    }
    n->w[0] = (uint32_t)ti;
    n->n_w = 1;
    n->scope = scope;
    return n;
}

/* The analysed terms of one word or phrase. */
typedef struct toks {
    build *b;
    long *ti;     /* owned: term indexes */
    uint32_t *pos; /* owned: positions */
    size_t n, cap;
} toks;

static int on_token(void *ctx, const ns_token *tok)
{
    toks *t = ctx;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        long *a = ns_realloc(t->ti, nc * sizeof *a);
        if (!a)
            return set_rc(t->b, NS_E_NOMEM), 1;
        t->ti = a;
        uint32_t *p = ns_realloc(t->pos, nc * sizeof *p);
        if (!p)
            return set_rc(t->b, NS_E_NOMEM), 1;
        t->pos = p;
        t->cap = nc;
    }
    long ti = intern(t->b, tok->term, tok->term_len, true, NULL);
    if (ti < 0)
        return 1;
    t->ti[t->n] = ti;
    t->pos[t->n] = tok->pos;
    t->n++;
    return 0;
}

static int analyse(build *b, const char *text, size_t len, toks *t)
{
    memset(t, 0, sizeof *t);
    t->b = b;
    ns_rc rc = ns_analyze(b->ix->an, text, len, on_token, t);
    if (rc)
        set_rc(b, rc);
    uint32_t words = ns_analyzer_words(b->ix->an);
    b->q->n_words += words;
    if (!b->rc && t->n == 0) { /* said by --show-query */
        ns_buf *o = &b->q->left_out;
        ns_buf_puts(o, "'");
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c < 0x20 || c == 0x7F)
                ns_buf_printf(o, "\\x%02X", c);
            else
                ns_buf_putc(o, c);
        }
        ns_buf_puts(o, words ? "' (stop words only)\n" : "' (no letters or digits)\n");
    }
    return b->rc ? -1 : 0;
}

static void toks_release(toks *t)
{
    ns_free(t->ti);
    ns_free(t->pos);
}

typedef struct kwf {
    const char *name; /* a keyword field scope, NULL for text */
    size_t len;
} kwf;

static sr_qt *build_node(build *b, const sr_qp_node *src, bool parent_and, sr_scope scope, kwf kw);

static sr_occur occur_of(const sr_qp_node *src, bool parent_and)
{
    return src->mod == SR_QP_MUST  ? SR_OCC_MUST
           : src->mod == SR_QP_NOT ? SR_OCC_NOT
           : parent_and            ? SR_OCC_MUST
                                   : SR_OCC_SHOULD;
}

static sr_qt *build_word(build *b, const sr_qp_node *src, sr_scope scope)
{
    toks t;
    if (analyse(b, src->text, src->len, &t))
        return toks_release(&t), NULL;
    sr_qt *n = NULL;
    if (t.n == 1) {
        n = term_node(b, src, t.ti[0], scope);
    } else if (t.n > 1) { /* "e-mail": the default operator between its terms */
        n = new_qt(b, SR_QT_BOOL, src);
        size_t cap = 0;
        for (size_t i = 0; n && i < t.n; i++) {
            sr_qt *k = term_node(b, src, t.ti[i], scope);
            if (!k || add_kid(b, n, k, &cap)) {
                qt_free(k);
                qt_free(n);
                n = NULL;
            } else {
                k->occur = b->q->default_and ? SR_OCC_MUST : SR_OCC_SHOULD;
            }
        }
    }
    toks_release(&t);
    return n;
}

static sr_qt *build_phrase(build *b, const sr_qp_node *src, sr_scope scope)
{
    toks t;
    if (analyse(b, src->text, src->len, &t))
        return toks_release(&t), NULL;
    sr_qt *n = NULL;
    if (src->sloppy) { /* a word given twice in a sloppy phrase counts once */
        size_t k = 0;
        for (size_t i = 0; i < t.n; i++) {
            size_t j = 0;
            while (j < k && t.ti[j] != t.ti[i])
                j++;
            if (j == k) {
                t.ti[k] = t.ti[i];
                t.pos[k++] = t.pos[i];
            }
        }
        t.n = k;
    }
    size_t words = t.n ? t.pos[t.n - 1] - t.pos[0] + 1 : 0;
    size_t most = src->sloppy ? SR_QUERY_MAX_SLOPPY_WORDS : SR_QUERY_MAX_PHRASE_WORDS;
    if ((src->sloppy ? t.n : words) > most) {
        if (!b->rc)
            b->rc = ns_err_set(b->err, NS_E_LIMIT, "column %zu: a %sphrase of more than %zu words",
                               sr_qp_column(b->q->text, src->at), src->sloppy ? "sloppy " : "",
                               most);
        toks_release(&t);
        return NULL;
    }
    if (t.n == 1) {
        n = term_node(b, src, t.ti[0], scope);
    } else if (t.n > 1) {
        n = new_qt(b, SR_QT_PHRASE, src);
        if (n) {
            n->w = ns_malloc(t.n * sizeof *n->w);
            n->off = ns_malloc(t.n * sizeof *n->off);
            if (!n->w || !n->off) {
                qt_free(n);
                n = NULL;
                set_rc(b, NS_E_NOMEM);
            } else {
                for (size_t i = 0; i < t.n; i++) {
                    n->w[i] = (uint32_t)t.ti[i];
                    n->off[i] = t.pos[i] - t.pos[0];
                }
                n->n_w = t.n;
                n->scope = scope;
                n->sloppy = src->sloppy;
                n->slop = src->slop;
            }
        }
    }
    toks_release(&t);
    return n;
}

typedef struct expansion {
    char term[SR_TERM_MAX_BYTES + 1];
    size_t len;
    sr_term_info info;
    uint64_t order; /* dictionary order */
} expansion;

static int by_df_desc(const void *a, const void *b)
{
    const expansion *x = a, *y = b;
    if (x->info.gdf != y->info.gdf)
        return x->info.gdf > y->info.gdf ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static int by_order(const void *a, const void *b)
{
    const expansion *x = a, *y = b;
    return (x->order > y->order) - (x->order < y->order);
}

int sr_prefix_key_cmp(uint32_t gdf_a, const char *a, size_t la, uint32_t gdf_b, const char *b,
                      size_t lb)
{
    if (gdf_a != gdf_b)
        return gdf_a > gdf_b ? -1 : 1;
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c)
        return c;
    return (la > lb) - (la < lb); /* the dictionary's order: shorter first */
}

static const sr_prefix_cut *cut_at(const build *b, size_t at)
{
    for (size_t i = 0; i < b->n_cuts; i++)
        if (b->cuts[i].at == at)
            return &b->cuts[i];
    return NULL;
}

/* Records the prefix pre[0..pl) at `at` (q->px), its kept terms to come
 * in ti (taken). */
static int add_px(build *b, size_t at, uint64_t total, uint32_t *ti, const char *pre, size_t pl,
                  bool cut)
{
    sr_query *q = b->q;
    if (q->n_px == b->cap_px) {
        size_t nc = b->cap_px ? b->cap_px * 2 : 4;
        sr_qprefix *t = ns_realloc(q->px, nc * sizeof *t);
        if (!t) {
            ns_free(ti);
            return set_rc(b, NS_E_NOMEM);
        }
        q->px = t;
        b->cap_px = nc;
    }
    sr_qprefix *x = &q->px[q->n_px++];
    *x = (sr_qprefix){.at = at, .total = total, .t = ti, .n = 0, .cut = cut, .pre_len = pl};
    memcpy(x->pre, pre, pl);
    return 0;
}

/* Steps it to the next dictionary term that starts with pre[0..pl): 1 (the
 * term in it->term, its entry in *info), 0 past them, -1 (err set). */
static int prefix_next(const sr_index *ix, sr_dict_iter *it, const char *pre, size_t pl,
                       sr_term_info *info, ns_err *err)
{
    int r;
    while ((r = sr_dict_iter_next(ix, it, info, err)) == 1) {
        int c = memcmp(it->term, pre, it->term_len < pl ? it->term_len : pl);
        if (c < 0 || (c == 0 && it->term_len < pl))
            continue; /* before the prefix, in its block */
        return c > 0 ? 0 : 1;
    }
    return r;
}

ns_rc sr_prefix_union_count(const sr_index *const *ix, size_t n, const char *pre, size_t pl,
                            uint64_t *out, ns_err *err)
{
    *out = 0;
    sr_dict_iter *it = ns_calloc(n ? n : 1, sizeof *it);
    int *live = ns_calloc(n ? n : 1, sizeof *live);
    if (!it || !live) {
        ns_free(it);
        ns_free(live);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    sr_term_info info;
    ns_rc rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = sr_dict_iter_seek(ix[i], &it[i], pre, pl, err);
        live[i] = rc ? -1 : prefix_next(ix[i], &it[i], pre, pl, &info, err);
    }
    for (;;) { /* the smallest term of the parts, once, then past it in each */
        const sr_dict_iter *min = NULL;
        for (size_t i = 0; i < n; i++) {
            if (live[i] < 0)
                rc = rc ? rc : NS_E_CORRUPT;
            if (live[i] == 1 && (!min || sr_prefix_key_cmp(0, it[i].term, it[i].term_len, 0,
                                                           min->term, min->term_len) < 0))
                min = &it[i];
        }
        if (!min || rc)
            break;
        char term[NS_TERM_KEY_MAX + 1];
        size_t tl = min->term_len;
        memcpy(term, min->term, tl);
        (*out)++;
        for (size_t i = 0; i < n; i++)
            if (live[i] == 1 && it[i].term_len == tl && !memcmp(it[i].term, term, tl))
                live[i] = prefix_next(ix[i], &it[i], pre, pl, &info, err);
    }
    ns_free(it);
    ns_free(live);
    return rc;
}

static void set_total(sr_qt *n, size_t at, uint64_t total)
{
    if (n->at == at && (n->prefix || (n->from_prefix && n->expansions)))
        n->expansions = total;
    for (size_t i = 0; i < n->n_kids; i++)
        set_total(n->kids[i], at, total);
}

void sr_query_set_prefix_total(sr_query *q, size_t at, uint64_t total)
{
    if (q->root)
        set_total(q->root, at, total);
}

/* The typed prefix in the analyzer's normal form (not stemmed): *out_len 0
 * when it holds a character that is not a letter, digit or mark. */
static void fold_prefix(ns_analyzer *an, const char *s, size_t len, char *out, size_t *out_len)
{
    ns_buf f;
    ns_buf_init(&f);
    *out_len = 0;
    if (!ns_analyzer_fold(an, s, len, &f) && f.len && f.len <= SR_TERM_MAX_BYTES) {
        memcpy(out, f.data, f.len);
        *out_len = f.len;
    }
    ns_buf_release(&f);
}

static sr_qt *build_prefix(build *b, const sr_qp_node *src, sr_scope scope, kwf kw)
{
    char pre[SR_TERM_MAX_BYTES + 1];
    size_t pl = 0;
    if (kw.name) { /* a keyword value's prefix: exact bytes */
        ns_buf key;
        ns_buf_init(&key);
        if (!ns_keyword_key(&key, kw.name, kw.len, src->text, src->len) &&
            key.len <= SR_TERM_MAX_BYTES) {
            memcpy(pre, key.data, key.len);
            pl = key.len;
        }
        ns_buf_release(&key);
    } else {
        fold_prefix(b->ix->an, src->text, src->len, pre, &pl);
    }
    if (!pl) {
        if (!b->rc) { /* the typed text, terminal-safe */
            ns_buf t;
            ns_buf_init(&t);
            ns_term_put(&t, src->text, src->len < 200 ? src->len : 200, NS_TERM_TEXT);
            b->rc = ns_err_set(b->err, NS_E_ARG,
                               "column %zu: a prefix is letters and digits only: '%s*' is not "
                               "(write '\\*' to search for the word)",
                               sr_qp_column(b->q->text, src->at),
                               ns_buf_cstr(&t) ? ns_buf_cstr(&t) : "");
            ns_buf_release(&t);
        }
        return NULL;
    }
    b->q->n_words++;
    const sr_prefix_cut *cut = cut_at(b, src->at);
    expansion *e = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    sr_dict_iter it;
    sr_term_info info;
    ns_err e2;
    ns_rc rc = sr_dict_iter_seek(b->ix, &it, pre, pl, &e2);
    int r = rc ? -1 : 1;
    while (!rc && (r = prefix_next(b->ix, &it, pre, pl, &info, &e2)) == 1) {
        total++;
        if (cut && sr_prefix_key_cmp(info.gdf, it.term, it.term_len, cut->gdf, cut->term,
                                     cut->len) > 0)
            continue; /* after the set's cut-off */
        if (n == cap) {
            /* keep at most twice the cap, trimming to the most frequent */
            if (cap >= 2 * SR_QUERY_MAX_EXPANSIONS) {
                qsort(e, n, sizeof *e, by_df_desc);
                n = SR_QUERY_MAX_EXPANSIONS;
            } else {
                size_t nc = cap ? cap * 2 : 16;
                expansion *t = ns_realloc(e, nc * sizeof *t);
                if (!t) {
                    ns_free(e);
                    set_rc(b, NS_E_NOMEM);
                    return NULL;
                }
                e = t;
                cap = nc;
            }
        }
        memcpy(e[n].term, it.term, it.term_len);
        e[n].len = it.term_len;
        e[n].info = info;
        e[n].order = total;
        n++;
    }
    if (r < 0) {
        ns_free(e);
        if (!b->rc) {
            *b->err = e2;
            b->rc = e2.rc ? e2.rc : NS_E_CORRUPT;
        }
        return NULL;
    }
    if (n > SR_QUERY_MAX_EXPANSIONS) {
        qsort(e, n, sizeof *e, by_df_desc);
        n = SR_QUERY_MAX_EXPANSIONS;
    }
    if (cut || total > SR_QUERY_MAX_EXPANSIONS)
        ns_buf_printf(&b->q->notes,
                      "'%.*s*' matches more than %d terms; searching the %d most frequent (the "
                      "limit)\n",
                      (int)src->len, src->text, SR_QUERY_MAX_EXPANSIONS, SR_QUERY_MAX_EXPANSIONS);
    if (n > 1)
        qsort(e, n, sizeof *e, by_order);
    uint32_t *kept = ns_malloc((n ? n : 1) * sizeof *kept);
    if (!kept || add_px(b, src->at, total, kept, pre, pl, cut != NULL)) {
        if (!kept)
            set_rc(b, NS_E_NOMEM);
        ns_free(e);
        return NULL;
    }
    sr_qprefix *px = &b->q->px[b->q->n_px - 1];
    sr_qt *g = new_qt(b, SR_QT_BOOL, src);
    size_t kcap = 0;
    for (size_t i = 0; g && i < n; i++) {
        long ti = intern(b, e[i].term, e[i].len, false, &e[i].info);
        if (ti >= 0)
            px->t[px->n++] = (uint32_t)ti;
        sr_qt *k = ti < 0 ? NULL : term_node(b, src, ti, kw.name ? SR_SCOPE_ALL : scope);
        if (k) {
            k->keyword = kw.name != NULL;
            k->from_prefix = true;
        }
        if (!k || add_kid(b, g, k, &kcap)) {
            qt_free(k);
            qt_free(g);
            g = NULL;
        }
    }
    ns_free(e);
    if (g) {
        g->prefix = true;
        g->expansions = total;
    }
    return g;
}

/* Whether two leaves are the same clause (merged into one of weight 2). */
static bool same_leaf(const sr_qt *a, const sr_qt *b)
{
    return a->kind == b->kind && a->kind != SR_QT_BOOL && a->occur == b->occur &&
           a->scope == b->scope && a->keyword == b->keyword && a->sloppy == b->sloppy &&
           a->slop == b->slop && a->n_w == b->n_w &&
           !memcmp(a->w, b->w, a->n_w * sizeof *a->w) &&
           (a->kind == SR_QT_TERM || !memcmp(a->off, b->off, a->n_w * sizeof *a->off));
}

static uint64_t leaf_hash(const sr_qt *a)
{
    uint64_t h = XXH3_64bits(a->w, a->n_w * sizeof *a->w);
    if (a->off)
        h ^= XXH3_64bits(a->off, a->n_w * sizeof *a->off) * 31;
    return h ^ ((uint64_t)a->kind << 1 | (uint64_t)a->occur << 3 | (uint64_t)a->scope << 5 |
                (uint64_t)a->sloppy << 7 | (uint64_t)a->slop << 8);
}

/* Frees a node the tree no longer holds. */
static void drop(build *b, sr_qt *n)
{
    if (!n)
        return;
    b->clauses -= qt_count(n);
    qt_free(n);
}

/* A group being built: repeated leaves merge as they come (a term or
 * phrase given twice weighs twice; an exclusion given twice is one), so a
 * long query of repeated words stays small, in time linear in its clauses. */
typedef struct merger {
    uint32_t *slot; /* owned: kid index + 1 of each leaf, 0 empty */
    size_t mask;
    size_t cap;     /* of the group's kids */
} merger;

static int mg_rehash(build *b, sr_qt *g, merger *m, size_t slots)
{
    uint32_t *s = ns_calloc(slots, sizeof *s);
    if (!s)
        return set_rc(b, NS_E_NOMEM);
    for (size_t i = 0; i < g->n_kids; i++) {
        if (g->kids[i]->kind == SR_QT_BOOL)
            continue;
        size_t h = (size_t)leaf_hash(g->kids[i]) & (slots - 1);
        while (s[h])
            h = (h + 1) & (slots - 1);
        s[h] = (uint32_t)i + 1;
    }
    ns_free(m->slot);
    m->slot = s;
    m->mask = slots - 1;
    return 0;
}

static int mg_add(build *b, sr_qt *g, merger *m, sr_qt *k)
{
    size_t h = 0;
    if (k->kind != SR_QT_BOOL) {
        h = (size_t)leaf_hash(k) & m->mask;
        for (; m->slot[h]; h = (h + 1) & m->mask) {
            sr_qt *o = g->kids[m->slot[h] - 1];
            if (same_leaf(o, k)) {
                if (k->occur != SR_OCC_NOT)
                    o->qtf += k->qtf;
                drop(b, k);
                return 0;
            }
        }
    }
    if (add_kid(b, g, k, &m->cap))
        return -1;
    if (k->kind != SR_QT_BOOL) {
        m->slot[h] = (uint32_t)g->n_kids;
        if (2 * g->n_kids > m->mask)
            return mg_rehash(b, g, m, 2 * (m->mask + 1));
    }
    return 0;
}

static bool all_kids(const sr_qt *g, int mask)
{
    for (size_t i = 0; i < g->n_kids; i++)
        if (!(mask & (1 << g->kids[i]->occur)))
            return false;
    return true;
}

static sr_qt *build_group(build *b, const sr_qp_node *src, sr_scope scope, kwf kw)
{
    sr_qt *g = new_qt(b, SR_QT_BOOL, src);
    merger m = {NULL, 0, 0};
    if (!g || mg_rehash(b, g, &m, 16)) {
        qt_free(g);
        return NULL;
    }
    for (size_t i = 0; i < src->n_kids && !b->rc; i++) {
        sr_qt *k = build_node(b, src->kids[i], src->and_group, scope, kw);
        if (b->rc) {
            qt_free(k);
            break;
        }
        if (!k)
            continue; /* left out: nothing to search for */
        /* splice a group of the same kind (an optional prefix's too, unless
         * it has no expansion: it then stays, to be shown) */
        bool splice = k->kind == SR_QT_BOOL && (!k->prefix || (k->occur == SR_OCC_SHOULD && k->n_kids)) &&
                      ((k->occur == SR_OCC_SHOULD && all_kids(k, 1 << SR_OCC_SHOULD)) ||
                       (k->occur == SR_OCC_MUST && all_kids(k, 1 << SR_OCC_MUST | 1 << SR_OCC_NOT)) ||
                       (k->occur == SR_OCC_NOT && all_kids(k, 1 << SR_OCC_SHOULD)));
        if (!splice) {
            if (mg_add(b, g, &m, k))
                qt_free(k);
            continue;
        }
        if (k->prefix)
            k->kids[0]->expansions = k->expansions;
        size_t j = 0;
        for (; j < k->n_kids && !b->rc; j++) {
            if (k->occur == SR_OCC_NOT)
                k->kids[j]->occur = SR_OCC_NOT;
            if (mg_add(b, g, &m, k->kids[j])) {
                qt_free(k->kids[j]);
                j++;
                break;
            }
        }
        for (; j < k->n_kids; j++)
            qt_free(k->kids[j]);
        k->n_kids = 0;
        drop(b, k);
    }
    ns_free(m.slot);
    if (b->rc) {
        qt_free(g);
        return NULL;
    }
    if (g->n_kids == 0 || all_kids(g, 1 << SR_OCC_NOT)) {
        drop(b, g); /* nothing left to search for */
        return NULL;
    }
    if (g->n_kids == 1) { /* (x) is x */
        sr_qt *only = g->kids[0];
        g->n_kids = 0;
        drop(b, g);
        return only;
    }
    return g;
}

/* The scope or keyword field named by a written field, or -1 with the
 * error set (an unknown field: the message lists the index's). */
static int resolve_field(build *b, const sr_qp_node *src, sr_scope *scope, kwf *kw)
{
    if (kw->name) {
        if (!b->rc)
            b->rc = ns_err_set(b->err, NS_E_ARG, "column %zu: a field scope inside the keyword "
                               "field '%.*s'", sr_qp_column(b->q->text, src->at), (int)kw->len,
                               kw->name);
        return -1;
    }
    if (!strcmp(src->field, "title")) {
        *scope = SR_SCOPE_TITLE;
        return 0;
    }
    if (!strcmp(src->field, "body")) {
        *scope = SR_SCOPE_BODY;
        return 0;
    }
    const sr_index *ix = b->ix;
    for (uint32_t i = 0; i < ix->n_kw_fields; i++) {
        if (ix->kw_fields[i].len == strlen(src->field) &&
            !memcmp(ix->kw_fields[i].name, src->field, ix->kw_fields[i].len)) {
            kw->name = ix->kw_fields[i].name;
            kw->len = ix->kw_fields[i].len;
            return 0;
        }
    }
    if (b->rc)
        return -1;
    ns_buf names;
    ns_buf_init(&names);
    ns_buf_puts(&names, "title, body");
    for (uint32_t i = 0; i < ix->n_kw_fields; i++) {
        ns_buf_puts(&names, ", ");
        ns_term_put(&names, ix->kw_fields[i].name, ix->kw_fields[i].len, NS_TERM_NAME);
    }
    ns_buf field;
    ns_buf_init(&field);
    ns_term_put(&field, src->field, strlen(src->field), NS_TERM_NAME);
    b->rc = ns_err_set(b->err, NS_E_ARG,
                       "column %zu: unknown field '%s': index '%s' has the fields %s (to search "
                       "for the text '%s:', write '%s\\:' or use --literal)",
                       sr_qp_column(b->q->text, src->at), ns_buf_cstr(&field), ix->dir,
                       ns_buf_cstr(&names) ? ns_buf_cstr(&names) : "", ns_buf_cstr(&field),
                       ns_buf_cstr(&field));
    ns_buf_release(&names);
    ns_buf_release(&field);
    return -1;
}

/* A keyword field's value (topics:crude, topics:"nat-gas"): the exact
 * text, a filter that scores 0. */
static sr_qt *build_keyword(build *b, const sr_qp_node *src, kwf kw)
{
    b->q->n_words++;
    if (src->len == 0)
        return NULL;
    ns_buf key;
    ns_buf_init(&key);
    ns_rc rc = ns_keyword_key(&key, kw.name, kw.len, src->text, src->len);
    if (rc == NS_E_ARG) {
        ns_buf_release(&key);
        if (!b->rc)
            b->rc = ns_err_set(b->err, NS_E_ARG, "column %zu: the value is longer than a keyword "
                               "field holds (%u bytes with its name)",
                               sr_qp_column(b->q->text, src->at), NS_KW_KEY_MAX);
        return NULL;
    }
    long ti = rc ? set_rc(b, rc) : intern(b, (const char *)key.data, key.len, true, NULL);
    ns_buf_release(&key);
    sr_qt *n = ti < 0 ? NULL : term_node(b, src, ti, SR_SCOPE_ALL);
    if (n)
        n->keyword = true;
    return n;
}

static sr_qt *build_node(build *b, const sr_qp_node *src, bool parent_and, sr_scope scope, kwf kw)
{
    if (src->field && resolve_field(b, src, &scope, &kw))
        return NULL;
    sr_qt *n = NULL;
    switch (src->kind) {
    case SR_QP_WORD:
    case SR_QP_PHRASE:
        n = kw.name ? build_keyword(b, src, kw)
            : src->kind == SR_QP_WORD ? build_word(b, src, scope)
                                      : build_phrase(b, src, scope);
        break;
    case SR_QP_PREFIX: n = build_prefix(b, src, scope, kw); break;
    case SR_QP_GROUP: n = build_group(b, src, scope, kw); break;
    }
    if (!n)
        return NULL;
    /* a group collapsed to its one clause, or a word's terms, stand in
     * the parent where the written clause stands */
    n->occur = occur_of(src, parent_and);
    return n;
}

/* Marks the terms of clauses that are not excluded (they are highlighted)
 * and sets each leaf's idf and found. */
static void finish_tree(sr_query *q, sr_qt *n, bool negated)
{
    if (n->kind == SR_QT_BOOL) {
        n->found = false;
        for (size_t i = 0; i < n->n_kids; i++) {
            finish_tree(q, n->kids[i], negated || n->kids[i]->occur == SR_OCC_NOT);
            n->found |= n->kids[i]->found;
        }
        return;
    }
    n->found = true;
    n->idf = 0;
    for (size_t i = 0; i < n->n_w; i++) {
        sr_qterm *t = &q->t[n->w[i]];
        if (!negated)
            t->highlight = true;
        n->found &= t->found;
        n->idf += t->found ? t->idf : 0;
    }
}

ns_rc sr_query_parse_opts(sr_index *ix, const char *text, size_t len, const sr_query_opts *opts,
                          sr_query *q, ns_err *err)
{
    return sr_query_parse_cut(ix, text, len, opts, NULL, 0, q, err);
}

ns_rc sr_query_parse_cut(sr_index *ix, const char *text, size_t len, const sr_query_opts *opts,
                         const sr_prefix_cut *cuts, size_t n_cuts, sr_query *q, ns_err *err)
{
    sr_query_opts def = {false, false};
    if (!opts)
        opts = &def;
    memset(q, 0, sizeof *q);
    ns_buf_init(&q->notes);
    ns_buf_init(&q->left_out);
    q->default_and = opts->default_and;
    q->text = ns_malloc(len + 1);
    build b = {ix, q, 0, ns_calloc(64, sizeof(uint32_t)), 63, 0, 0, cuts, n_cuts, 0, err, NS_OK};
    if (!q->text || !b.slot) {
        ns_free(b.slot);
        sr_query_release(q);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    memcpy(q->text, text, len);
    q->text[len] = 0;
    q->len = len;
    sr_qp_node *tree = NULL;
    ns_rc rc = NS_OK;
    if (opts->literal) {
        /* the words as one word node: analysed into the default operator's group */
        tree = ns_calloc(1, sizeof *tree);
        if (tree && (tree->text = ns_malloc(len + 1)) != NULL) {
            memcpy(tree->text, text, len);
            tree->text[len] = 0;
            tree->len = len;
            tree->end = len;
        } else {
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        }
    } else {
        rc = sr_qp_parse(text, len, opts->default_and, &tree, err);
    }
    if (!rc && tree) {
        q->root = build_node(&b, tree, opts->default_and, SR_SCOPE_ALL, (kwf){NULL, 0});
        rc = b.rc;
    }
    sr_qp_free(tree);
    ns_free(b.slot);
    for (size_t i = 0; !rc && i < q->n; i++) {
        sr_qterm *t = &q->t[i];
        if (t->found)
            continue; /* an expansion: read already */
        rc = sr_index_lookup(ix, t->term, t->len, &t->found, &t->info, err);
        if (!rc && t->found)
            t->idf = sr_index_idf(ix, &t->info);
    }
    if (rc) {
        sr_query_release(q);
        return rc;
    }
    if (q->root) {
        finish_tree(q, q->root, false);
        for (size_t i = 0; i < q->root->n_kids; i++) /* flat queries: qtf per term */
            if (q->root->kids[i]->kind == SR_QT_TERM)
                q->t[q->root->kids[i]->w[0]].qtf = q->root->kids[i]->qtf;
        if (q->root->kind == SR_QT_TERM)
            q->t[q->root->w[0]].qtf = q->root->qtf;
    }
    return NS_OK;
}

ns_rc sr_query_parse(sr_index *ix, const char *text, size_t len, sr_query *q, ns_err *err)
{
    return sr_query_parse_opts(ix, text, len, NULL, q, err);
}

void sr_query_release(sr_query *q)
{
    if (!q)
        return;
    qt_free(q->root);
    q->root = NULL;
    ns_free(q->t);
    q->t = NULL;
    q->n = 0;
    ns_free(q->text);
    q->text = NULL;
    ns_buf_release(&q->notes);
    ns_buf_release(&q->left_out);
    for (size_t i = 0; i < q->n_px; i++)
        ns_free(q->px[i].t);
    ns_free(q->px);
    q->px = NULL;
    q->n_px = 0;
}

bool sr_query_is_flat(const sr_query *q, bool *all_must)
{
    const sr_qt *r = q->root;
    *all_must = false;
    if (!r)
        return false;
    if (r->kind == SR_QT_TERM)
        return r->scope == SR_SCOPE_ALL && !r->keyword;
    if (r->kind != SR_QT_BOOL)
        return false;
    int seen = 0;
    for (size_t i = 0; i < r->n_kids; i++) {
        const sr_qt *k = r->kids[i];
        if (k->occur == SR_OCC_NOT)
            continue;
        if (k->kind != SR_QT_TERM || k->scope != SR_SCOPE_ALL || k->keyword)
            return false;
        seen |= 1 << k->occur;
    }
    if (seen == (1 << SR_OCC_SHOULD | 1 << SR_OCC_MUST) || !seen)
        return false;
    *all_must = seen == 1 << SR_OCC_MUST;
    return true;
}

/* --show-query */

static void show_term(ns_buf *out, const sr_qterm *t)
{
    const char *name, *value;
    size_t nl, vl;
    if (ns_keyword_is_key(t->term, t->len) &&
        ns_keyword_split(t->term, t->len, &name, &nl, &value, &vl)) {
        ns_term_put(out, name, nl, NS_TERM_NAME);
        ns_buf_putc(out, '=');
        ns_term_put(out, value, vl, NS_TERM_NAME);
    } else {
        ns_term_put(out, t->term, t->len, NS_TERM_NAME);
    }
    if (t->found)
        ns_buf_printf(out, " (df %u, idf %.3f)", t->info.gdf, t->idf);
    else
        ns_buf_puts(out, " (not in the index)");
}

static void show_node(const sr_query *q, const sr_qt *n, int depth, ns_buf *out)
{
    static const char *const occ[] = {"", "+", "-"};
    static const char *const scope[] = {"", "title:", "body:"};
    for (int i = 0; i < depth; i++)
        ns_buf_puts(out, "  ");
    ns_buf_puts(out, occ[n->occur]);
    size_t len = n->end > n->at ? n->end - n->at : 0;
    if (n->kind == SR_QT_BOOL && !n->prefix) {
        bool must = false;
        for (size_t i = 0; i < n->n_kids; i++)
            must |= n->kids[i]->occur == SR_OCC_MUST;
        ns_buf_printf(out, "%s (%s)\n",
                      must ? "AND" : "OR",
                      must ? "every + clause, no - clause; the others add to the score"
                           : "any clause, no - clause");
        for (size_t i = 0; i < n->n_kids; i++)
            show_node(q, n->kids[i], depth + 1, out);
        return;
    }
    if (n->added) { /* no text: the term is all there is */
        ns_buf_printf(out, "added term ");
        show_term(out, &q->t[n->w[0]]);
        ns_buf_printf(out, " x%.9g\n", n->qtf);
        return;
    }
    ns_buf_puts(out, "'");
    for (size_t i = 0; i < len; i++) { /* the typed text, controls escaped */
        unsigned char c = (unsigned char)q->text[n->at + i];
        if (c < 0x20 || c == 0x7F)
            ns_buf_printf(out, "\\x%02X", c);
        else
            ns_buf_putc(out, c);
    }
    ns_buf_puts(out, "' -> ");
    if (n->kind == SR_QT_BOOL) {
        ns_buf_printf(out, "prefix: %llu term%s", (unsigned long long)n->expansions,
                      n->expansions == 1 ? "" : "s");
        if (n->expansions > n->n_kids)
            ns_buf_printf(out, ", the %zu most frequent searched", n->n_kids);
        ns_buf_puts(out, n->n_kids ? ":\n" : " (matches nothing)\n");
        for (size_t i = 0; i < n->n_kids; i++) {
            for (int d = 0; d <= depth; d++)
                ns_buf_puts(out, "  ");
            ns_buf_puts(out, scope[n->kids[i]->scope]);
            show_term(out, &q->t[n->kids[i]->w[0]]);
            ns_buf_putc(out, '\n');
        }
        return;
    }
    if (n->from_prefix && n->expansions) {
        ns_buf_printf(out, "prefix: %llu term%s", (unsigned long long)n->expansions,
                      n->expansions == 1 ? "" : "s");
        if (n->expansions > SR_QUERY_MAX_EXPANSIONS)
            ns_buf_printf(out, ", the %d most frequent searched", SR_QUERY_MAX_EXPANSIONS);
        ns_buf_puts(out, "; ");
    }
    ns_buf_puts(out, scope[n->scope]);
    if (n->kind == SR_QT_TERM) {
        ns_buf_puts(out, n->keyword ? "keyword (a filter: scores 0) " : "term ");
        show_term(out, &q->t[n->w[0]]);
    } else {
        ns_buf_printf(out, "%s phrase", n->sloppy ? "sloppy" : "exact");
        if (n->sloppy)
            ns_buf_printf(out, " (slop %u)", n->slop);
        ns_buf_puts(out, ":");
        for (size_t i = 0; i < n->n_w; i++) {
            if (i && n->off[i] > n->off[i - 1] + 1)
                for (uint32_t g = n->off[i - 1] + 1; g < n->off[i]; g++)
                    ns_buf_puts(out, " _");
            ns_buf_putc(out, ' ');
            show_term(out, &q->t[n->w[i]]);
        }
        if (!n->found)
            ns_buf_puts(out, " -- matches nothing");
    }
    if (n->qtf != 1)
        ns_buf_printf(out, " x%.9g", n->qtf);
    ns_buf_putc(out, '\n');
}

ns_rc sr_query_show(const sr_index *ix, const sr_query *q, ns_buf *out)
{
    (void)ix;
    if (!q->root) {
        ns_buf_puts(out, q->n_words ? "nothing to search for: every word is a stop word\n"
                                    : "nothing to search for: no words\n");
    } else {
        show_node(q, q->root, 0, out);
    }
    for (const char *l = ns_buf_cstr(&q->left_out); l && *l;) {
        const char *nl = strchr(l, '\n');
        ns_buf_puts(out, "left out: ");
        ns_buf_append(out, l, (size_t)(nl - l) + 1);
        l = nl + 1;
    }
    if (out->len == 0 || ns_buf_cstr(out) == NULL)
        return NS_E_NOMEM;
    return NS_OK;
}

/* --show-query --json */

static void json_term(ns_buf *out, const sr_qterm *t)
{
    const char *name, *value;
    size_t nl, vl;
    ns_buf_puts(out, "{\"term\":");
    if (ns_keyword_is_key(t->term, t->len) &&
        ns_keyword_split(t->term, t->len, &name, &nl, &value, &vl)) {
        ns_json_put_string(out, value, vl);
        ns_buf_puts(out, ",\"field\":");
        ns_json_put_string(out, name, nl);
    } else {
        ns_json_put_string(out, t->term, t->len);
    }
    if (t->found)
        ns_buf_printf(out, ",\"df\":%u,\"idf\":%.6f}", t->info.gdf, t->idf);
    else
        ns_buf_puts(out, ",\"df\":0}");
}

static void json_node(const sr_query *q, const sr_qt *n, ns_buf *out)
{
    static const char *const occ[] = {"should", "must", "not"};
    static const char *const scope[] = {"", "title", "body"};
    bool must = false;
    for (size_t i = 0; i < n->n_kids; i++)
        must |= n->kids[i]->occur == SR_OCC_MUST;
    const char *type = n->kind == SR_QT_BOOL ? (n->prefix ? "prefix" : must ? "and" : "or")
                       : n->kind == SR_QT_PHRASE ? "phrase"
                       : n->keyword           ? "keyword"
                                              : "term";
    ns_buf_printf(out, "{\"type\":\"%s\",\"occur\":\"%s\",\"text\":", type, occ[n->occur]);
    ns_json_put_string(out, q->text + n->at, n->end > n->at ? n->end - n->at : 0);
    if (n->kind != SR_QT_BOOL && n->scope)
        ns_buf_printf(out, ",\"field\":\"%s\"", scope[n->scope]);
    if (n->kind == SR_QT_BOOL) {
        if (n->prefix)
            ns_buf_printf(out, ",\"expansions\":%llu", (unsigned long long)n->expansions);
        ns_buf_puts(out, ",\"clauses\":[");
        for (size_t i = 0; i < n->n_kids; i++) {
            if (i)
                ns_buf_putc(out, ',');
            json_node(q, n->kids[i], out);
        }
        ns_buf_puts(out, "]}");
        return;
    }
    if (n->from_prefix)
        ns_buf_puts(out, ",\"from_prefix\":true");
    if (n->added)
        ns_buf_puts(out, ",\"added\":true");
    if (n->kind == SR_QT_PHRASE) {
        if (n->sloppy)
            ns_buf_printf(out, ",\"slop\":%u", n->slop);
        ns_buf_puts(out, ",\"offsets\":[");
        for (size_t i = 0; i < n->n_w; i++)
            ns_buf_printf(out, "%s%u", i ? "," : "", n->off[i]);
        ns_buf_putc(out, ']');
    }
    ns_buf_printf(out, ",\"qtf\":%.9g,\"terms\":[", n->qtf);
    for (size_t i = 0; i < n->n_w; i++) {
        if (i)
            ns_buf_putc(out, ',');
        json_term(out, &q->t[n->w[i]]);
    }
    ns_buf_puts(out, "]}");
}

ns_rc sr_query_show_json(const sr_query *q, ns_buf *out)
{
    ns_buf_puts(out, "{\"query\":");
    ns_json_put_string(out, q->text, q->len);
    ns_buf_printf(out, ",\"default\":\"%s\",\"root\":", q->default_and ? "and" : "or");
    if (q->root)
        json_node(q, q->root, out);
    else
        ns_buf_puts(out, "null");
    ns_buf_puts(out, ",\"left_out\":[");
    bool first = true;
    for (const char *l = ns_buf_cstr(&q->left_out); l && *l;) {
        /* each line is "'TEXT' (reason)" */
        const char *nl = strchr(l, '\n'), *close = nl;
        while (close > l && *close != '\'')
            close--;
        if (!first)
            ns_buf_putc(out, ',');
        first = false;
        ns_json_put_string(out, l + 1, close > l ? (size_t)(close - l - 1) : 0);
        l = nl + 1;
    }
    ns_buf_puts(out, "]}\n");
    return ns_buf_cstr(out) ? NS_OK : NS_E_NOMEM;
}

/* Weights of the clauses that score (sr_query_weight, sr_query_scale). */

static double weight_sum(const sr_qt *n, bool negated)
{
    if (n->kind == SR_QT_BOOL) {
        double s = 0;
        for (size_t i = 0; i < n->n_kids; i++)
            s += weight_sum(n->kids[i], negated || n->kids[i]->occur == SR_OCC_NOT);
        return s;
    }
    return negated || n->keyword ? 0.0 : n->qtf;
}

double sr_query_weight(const sr_query *q)
{
    return q->root ? weight_sum(q->root, q->root->occur == SR_OCC_NOT) : 0.0;
}

static void scale_tree(sr_query *q, sr_qt *n, bool negated, double f)
{
    if (n->kind == SR_QT_BOOL) {
        for (size_t i = 0; i < n->n_kids; i++)
            scale_tree(q, n->kids[i], negated || n->kids[i]->occur == SR_OCC_NOT, f);
        return;
    }
    if (negated || n->keyword)
        return;
    n->qtf *= f;
}

/* Keeps each flat query's term weights in sr_qterm.qtf, as the parse does. */
static void sync_flat_weights(sr_query *q)
{
    if (!q->root)
        return;
    if (q->root->kind == SR_QT_TERM)
        q->t[q->root->w[0]].qtf = q->root->qtf;
    for (size_t i = 0; i < q->root->n_kids; i++)
        if (q->root->kids[i]->kind == SR_QT_TERM)
            q->t[q->root->kids[i]->w[0]].qtf = q->root->kids[i]->qtf;
}

void sr_query_scale(sr_query *q, double f)
{
    if (!q->root)
        return;
    scale_tree(q, q->root, q->root->occur == SR_OCC_NOT, f);
    sync_flat_weights(q);
}

/* Adding terms (sr_query_add_terms) */

static long find_term(const sr_query *q, const char *term, size_t len)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->t[i].len == len && memcmp(q->t[i].term, term, len) == 0)
            return (long)i;
    return -1;
}

ns_rc sr_query_add_terms(const sr_index *ix, sr_query *q, const sr_qadd *a, size_t n, ns_err *err)
{
    if (n == 0)
        return NS_OK;
    /* every new term first, so that a failure leaves the tree untouched */
    size_t n_new = 0;
    for (size_t i = 0; i < n; i++)
        if (a[i].len == 0 || a[i].len > SR_TERM_MAX_BYTES)
            return ns_err_set(err, NS_E_ARG, "a term of %zu bytes cannot be searched", a[i].len);
    long *ti = ns_malloc(n * sizeof *ti);
    sr_qterm *t = ti ? ns_realloc(q->t, (q->n + n) * sizeof *t) : NULL;
    if (!t) {
        ns_free(ti);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    q->t = t;
    ns_rc rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        ti[i] = find_term(q, a[i].term, a[i].len);
        if (ti[i] >= 0)
            continue;
        if (q->n == SR_QUERY_MAX_ALL_TERMS) {
            rc = ns_err_set(err, NS_E_LIMIT, "the query and the terms added make more than %d terms",
                            SR_QUERY_MAX_ALL_TERMS);
            break;
        }
        sr_qterm *nt = &q->t[q->n];
        memset(nt, 0, sizeof *nt);
        memcpy(nt->term, a[i].term, a[i].len);
        nt->len = a[i].len;
        rc = sr_index_lookup(ix, nt->term, nt->len, &nt->found, &nt->info, err);
        if (!rc && nt->found)
            nt->idf = sr_index_idf(ix, &nt->info);
        ti[i] = (long)q->n++;
        n_new++;
    }
    /* the root becomes a plain group */
    sr_qt *root = q->root;
    if (!rc && (!root || root->kind != SR_QT_BOOL || root->prefix)) {
        sr_qt *g = ns_calloc(1, sizeof *g);
        if (!g || (root && !(g->kids = ns_malloc(sizeof *g->kids)))) {
            ns_free(g);
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        } else {
            g->kind = SR_QT_BOOL;
            g->occur = SR_OCC_SHOULD;
            g->qtf = 1;
            g->end = q->len;
            if (root) {
                g->kids[0] = root;
                g->n_kids = 1;
                g->found = root->found;
            }
            q->root = root = g;
        }
    }
    sr_qt **kids = rc ? NULL : ns_realloc(root->kids, (root->n_kids + n) * sizeof *kids);
    if (!rc && !kids)
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    /* each term's clause: the root's optional clause of it, else a new one,
     * all made before any weight changes */
    sr_qt **into = rc ? NULL : ns_calloc(n, sizeof *into);
    if (!rc && !into)
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (!rc)
        root->kids = kids;
    size_t n_old = rc ? 0 : root->n_kids;
    for (size_t i = 0; i < n && !rc; i++) {
        for (size_t k = 0; k < n_old && !into[i]; k++) {
            sr_qt *c = kids[k];
            if (c->kind == SR_QT_TERM && c->occur == SR_OCC_SHOULD && c->scope == SR_SCOPE_ALL &&
                !c->keyword && c->w[0] == (uint32_t)ti[i])
                into[i] = c;
        }
        for (size_t j = 0; j < i && !into[i]; j++) /* a term given twice: one clause */
            if (ti[j] == ti[i])
                into[i] = into[j];
        if (into[i])
            continue;
        sr_qt *c = ns_calloc(1, sizeof *c);
        uint32_t *w = c ? ns_malloc(sizeof *w) : NULL;
        if (!w) {
            ns_free(c);
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            break;
        }
        w[0] = (uint32_t)ti[i];
        c->kind = SR_QT_TERM;
        c->occur = SR_OCC_SHOULD;
        c->n_w = 1;
        c->w = w;
        c->added = true;
        kids[root->n_kids++] = into[i] = c;
    }
    if (rc) { /* undo */
        if (into)
            for (size_t k = n_old; k < root->n_kids; k++)
                qt_free(kids[k]);
        if (into)
            root->n_kids = n_old;
        q->n -= n_new;
        ns_free(into);
        ns_free(ti);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        into[i]->qtf += a[i].weight;
    ns_free(into);
    ns_free(ti);
    finish_tree(q, root, root->occur == SR_OCC_NOT);
    sync_flat_weights(q);
    return NS_OK;
}
