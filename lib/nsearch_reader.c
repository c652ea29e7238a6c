/* nsearch_reader: the open index and its readers (include/nsearch.h).
 *
 * The index is an sr_index nobody queries directly; each reader is a view
 * of it (sr_index_view_init) with its own analyzer, zstd context and
 * buffers, so that readers on different threads share only read-only
 * mappings. */
#include "nsearch_api.h"

#include <stdlib.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_docrec.h"
#include "ns_format.h"
#include "sr_check.h"
#include "sr_exec.h"
#include "sr_feedback.h"
#include "sr_info.h"
#include "sr_rank.h"
#include "sr_render.h"
#include "ns_stop.h"
#include "sh_set.h"

nsearch_rc nsearch_index_open(const char *dir, nsearch_index **out, nsearch_error *err)
{
    if (!dir || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_index_open: NULL argument");
    *out = NULL;
    nsearch_index *x = ns_calloc(1, sizeof *x);
    if (!x || !(x->part = ns_calloc(1, sizeof *x->part))) {
        ns_free(x);
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    }
    ns_err e;
    ns_err_clear(&e);
    if (sr_index_open(dir, &x->part[0], &e)) {
        nsearch_index_close(x);
        return nsearch_fail(err, &e);
    }
    x->n_parts = 1;
    x->sharded = x->part[0]->n_shards > 0;
    *out = x;
    return NSEARCH_OK;
}

/* Checks that the open shards ix[0..n) (in the order given) are one
 * complete, merged set; sorts them by shard number. */
static nsearch_rc check_set(sr_index **ix, size_t n, nsearch_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!ix[i]->n_shards)
            return nsearch_fail_msg(err, NSEARCH_E_ARG,
                                    "'%s' is not a shard: several indexes are searched together "
                                    "only as the shards of one set (nindex --shard)",
                                    ix[i]->dir);
        if (!ix[i]->set_id)
            return nsearch_fail_msg(err, NSEARCH_E_ARG,
                                    "shard '%s' (%u of %u) has not been merged: run nindex "
                                    "--merge-stats with every shard of its set",
                                    ix[i]->dir, ix[i]->shard, ix[i]->n_shards);
    }
    for (size_t i = 0; i < n; i++) {
        if (ix[i]->set_id != ix[0]->set_id || ix[i]->n_shards != ix[0]->n_shards)
            return nsearch_fail_msg(err, NSEARCH_E_ARG,
                                    "'%s' and '%s' are shards of different sets (or of one set "
                                    "merged at different times): merge their statistics again",
                                    ix[0]->dir, ix[i]->dir);
        for (size_t j = 0; j < i; j++)
            if (ix[j]->shard == ix[i]->shard)
                return nsearch_fail_msg(err, NSEARCH_E_ARG, "'%s' and '%s' are both shard %u of %u",
                                        ix[j]->dir, ix[i]->dir, ix[i]->shard, ix[i]->n_shards);
    }
    uint32_t want = ix[0]->n_shards;
    if (n != want) {
        /* name the first missing shard */
        uint32_t miss = 0;
        for (; miss < want; miss++) {
            size_t j = 0;
            while (j < n && ix[j]->shard != miss)
                j++;
            if (j == n)
                break;
        }
        return nsearch_fail_msg(err, NSEARCH_E_ARG,
                                "the set of '%s' has %u shards and %zu are given: shard %u is "
                                "missing (give each with -i)",
                                ix[0]->dir, want, n, miss);
    }
    for (size_t i = 0; i < n; i++) { /* by shard number */
        while (ix[i]->shard != i) {
            sr_index *t = ix[ix[i]->shard];
            ix[ix[i]->shard] = ix[i];
            ix[i] = t;
        }
    }
    return NSEARCH_OK;
}

nsearch_rc nsearch_index_open_set(const char *const *dirs, size_t n, nsearch_index **out,
                                  nsearch_error *err)
{
    if (!dirs || !out || n == 0)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_index_open_set: no directories");
    if (n == 1)
        return nsearch_index_open(dirs[0], out, err);
    *out = NULL;
    nsearch_index *x = ns_calloc(1, sizeof *x);
    if (!x || !(x->part = ns_calloc(n, sizeof *x->part))) {
        ns_free(x);
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    }
    x->sharded = 1;
    ns_err e;
    ns_err_clear(&e);
    for (size_t i = 0; i < n; i++) {
        if (!dirs[i]) {
            nsearch_index_close(x);
            return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_index_open_set: NULL directory");
        }
        if (sr_index_open(dirs[i], &x->part[i], &e)) {
            nsearch_index_close(x);
            return nsearch_fail(err, &e);
        }
        x->n_parts++;
    }
    nsearch_rc rc = check_set(x->part, n, err);
    if (rc) {
        nsearch_index_close(x);
        return rc;
    }
    *out = x;
    return NSEARCH_OK;
}

void nsearch_index_close(nsearch_index *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n_parts; i++)
        sr_index_close(x->part[i]);
    ns_free(x->part);
    ns_free(x);
}

nsearch_rc nsearch_index_stats_get(const nsearch_index *x, nsearch_index_stats *out)
{
    if (!x || !out)
        return NSEARCH_E_ARG;
    const sr_index *ix = x->part[0];
    memset(out, 0, sizeof *out);
    out->documents = ix->n_docs;
    out->live_documents = ix->n_live;
    out->terms = ix->n_terms;
    out->postings = ix->n_postings;
    out->tokens = ix->total_tokens;
    out->avg_length = ix->avgdl;
    if (x->sharded) { /* the set's figures: documents are its ordinals */
        out->documents = ix->n_input;
        out->live_documents = ix->set_id ? ix->set_live : ix->n_live;
        out->tokens = ix->set_id ? ix->set_tokens : ix->total_tokens;
        out->terms = ix->set_id ? ix->set_terms : ix->n_terms;
        out->postings = 0;
        for (size_t i = 0; i < x->n_parts; i++)
            out->postings += x->part[i]->n_postings;
        out->shard = ix->shard;
        out->n_shards = ix->n_shards;
        out->shards_open = x->n_parts;
    }
    out->language = ix->lang;
    out->format_major = NS_FORMAT_MAJOR;
    out->format_minor = ix->minor;
    out->stop_words = ns_stop_list_name(ns_analyzer_stop_list(ix->an));
    return NSEARCH_OK;
}

typedef struct problem_ctx {
    nsearch_problem_fn fn;
    void *ctx;
} problem_ctx;

static void on_problem(void *ctx, const char *msg)
{
    const problem_ctx *p = ctx;
    if (p->fn)
        p->fn(p->ctx, msg);
}

nsearch_rc nsearch_index_check(const nsearch_index *x, nsearch_problem_fn fn, void *ctx,
                               uint64_t *n_problems, nsearch_error *err)
{
    if (!x || !n_problems)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_index_check: NULL argument");
    problem_ctx p = {fn, ctx};
    *n_problems = 0;
    ns_err e;
    ns_err_clear(&e);
    for (size_t i = 0; i < x->n_parts; i++) {
        sr_index view;
        if (sr_index_view_init(x->part[i], &view, &e))
            return nsearch_fail(err, &e);
        *n_problems += sr_check(&view, on_problem, &p);
        sr_index_view_release(&view);
    }
    if (x->n_parts > 1 || (x->sharded && x->part[0]->n_shards == 1)) {
        int64_t n = sh_check((const sr_index *const *)x->part, x->n_parts, on_problem, &p, &e);
        if (n < 0)
            return nsearch_fail(err, &e);
        *n_problems += (uint64_t)n;
    }
    return NSEARCH_OK;
}

nsearch_rc nsearch_check_files(const char *dir, nsearch_problem_fn fn, void *ctx,
                               uint64_t *n_damaged, nsearch_error *err)
{
    if (!dir || !n_damaged)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_check_files: NULL argument");
    *n_damaged = 0;
    problem_ctx p = {fn, ctx};
    ns_err e;
    ns_err_clear(&e);
    if (sr_check_files(dir, on_problem, &p, n_damaged, &e))
        return nsearch_fail(err, &e);
    return NSEARCH_OK;
}

/* ---- readers ----------------------------------------------------------- */

nsearch_rc nsearch_reader_new(const nsearch_index *x, nsearch_reader **out, nsearch_error *err)
{
    if (!x || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_new: NULL argument");
    *out = NULL;
    nsearch_reader *r = ns_calloc(1, sizeof *r);
    if (!r)
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    r->owner = x;
    sr_snippet_init(&r->snip);
    ns_buf_init(&r->text);
    ns_buf_init(&r->out);
    ns_err e;
    ns_err_clear(&e);
    if (sr_render_new(&r->render) || !(r->p = ns_calloc(x->n_parts, sizeof *r->p))) {
        nsearch_reader_free(r);
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < x->n_parts; i++) {
        if (sr_index_view_init(x->part[i], &r->p[i].view, &e)) {
            nsearch_reader_free(r);
            return nsearch_fail(err, &e);
        }
        r->n_parts++;
        /* an empty query until the first search: snippets highlight nothing */
        if (sr_query_parse(&r->p[i].view, "", 0, &r->p[i].q, &e)) {
            sr_index_view_release(&r->p[i].view);
            r->n_parts--;
            nsearch_reader_free(r);
            return nsearch_fail(err, &e);
        }
    }
    *out = r;
    return NSEARCH_OK;
}

void nsearch_reader_free(nsearch_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_parts; i++) {
        sr_query_release(&r->p[i].q);
        sr_index_view_release(&r->p[i].view);
    }
    ns_free(r->p);
    sr_snippet_release(&r->snip);
    ns_buf_release(&r->text);
    ns_buf_release(&r->out);
    sr_render_free(r->render);
    ns_free(r->hits);
    ns_free(r->raw);
    ns_free(r->part_raw);
    ns_free(r->spans);
    ns_free(r);
}

void nsearch_search_opts_init(nsearch_search_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->algo = NSEARCH_ALGO_DEFAULT;
}

static int algo_of(nsearch_algo a, sr_algo *out)
{
    switch (a) {
    case NSEARCH_ALGO_DEFAULT:
    case NSEARCH_ALGO_MAXSCORE: *out = SR_ALGO_MAXSCORE; return 0;
    case NSEARCH_ALGO_BMW: *out = SR_ALGO_BMW; return 0;
    case NSEARCH_ALGO_EXHAUSTIVE: *out = SR_ALGO_EXHAUSTIVE; return 0;
    }
    return -1;
}

static int grow_hits(nsearch_reader *r, size_t n)
{
    if (n <= r->cap_hits)
        return 0;
    nsearch_hit *h = ns_realloc(r->hits, n * sizeof *h);
    if (!h)
        return -1;
    r->hits = h;
    sr_hit *raw = ns_realloc(r->raw, n * sizeof *raw);
    if (!raw)
        return -1;
    r->raw = raw;
    raw = ns_realloc(r->part_raw, n * sizeof *raw);
    if (!raw)
        return -1;
    r->part_raw = raw;
    r->cap_hits = n;
    return 0;
}

/* The part holding document number doc (an ordinal in a shard set) and
 * its doc id there: NSEARCH_E_ARG unless doc is one of the index's
 * document numbers (a slot of a shard set that no shard given has: out of
 * range too). */
static nsearch_rc locate(const nsearch_reader *r, uint32_t doc, nsearch_part **part,
                         uint32_t *local, nsearch_error *err)
{
    for (size_t i = 0; i < r->n_parts; i++) {
        if (sr_index_doc_of_ordinal(&r->p[i].view, doc, local)) {
            *part = &r->p[i];
            return NSEARCH_OK;
        }
    }
    return nsearch_fail_msg(err, NSEARCH_E_ARG, "document %u out of range", doc);
}

/* Checks opts (NULL: the defaults, in *dflt) and picks the algorithm. */
static nsearch_rc check_opts(const nsearch_search_opts **opts, nsearch_search_opts *dflt,
                             sr_algo *algo, nsearch_error *err)
{
    if (!*opts) {
        nsearch_search_opts_init(dflt);
        *opts = dflt;
    }
    const nsearch_search_opts *o = *opts;
    if (algo_of(o->algo, algo))
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "unknown algorithm %d", (int)o->algo);
    if ((o->flags & ~(NSEARCH_QUERY_ALL | NSEARCH_QUERY_LITERAL)) != 0)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "unknown query flags 0x%x", o->flags);
    if (o->k > NSEARCH_MAX_RESULTS || o->offset > NSEARCH_MAX_RESULTS - o->k)
        return nsearch_fail_msg(err, NSEARCH_E_LIMIT, "k + offset is more than %u",
                                NSEARCH_MAX_RESULTS);
    return NSEARCH_OK;
}

/* Replaces the reader's query by an empty one (snippets highlight nothing). */
static void forget_query(nsearch_reader *r)
{
    ns_err ignored;
    for (size_t i = 0; i < r->n_parts; i++) {
        sr_query_release(&r->p[i].q);
        sr_query_parse(&r->p[i].view, "", 0, &r->p[i].q, &ignored);
    }
}

/* Hits merged from the parts: higher score first, then lower ordinal
 * (the single index's doc id). */
static int by_rank(const void *a, const void *b)
{
    const sr_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

/* Ranks every part's query for its best `want` hits and merges them into
 * r->raw[0..*n) (documents as ordinals), the set's ranking; the work summed
 * over the parts into *w.  NS_E_CORRUPT, NS_E_NOMEM. */
static ns_rc rank_parts(nsearch_reader *r, sr_algo algo, size_t want, size_t *n_out,
                        nsearch_work *w, nsearch_results *out, ns_err *e)
{
    size_t n = 0;
    *n_out = 0;
    w->postings_decoded = w->docs_scored = 0;
    if (grow_hits(r, r->n_parts > 1 ? 2 * want : want))
        return ns_err_set(e, NS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_parts; i++) {
        size_t got = 0;
        sr_rank_stats st;
        sr_hit *dst = r->n_parts == 1 ? r->raw : r->part_raw;
        ns_rc rc = sr_rank(&r->p[i].view, &r->p[i].q, algo, want, dst, &got, &st, e);
        if (rc)
            return rc;
        w->postings_decoded += st.postings_decoded;
        w->docs_scored += st.docs_scored;
        out->damaged |= st.corrupt;
        for (size_t j = 0; j < got; j++)
            dst[j].doc = sr_index_ordinal(&r->p[i].view, dst[j].doc);
        if (r->n_parts == 1) {
            n = got;
            break;
        }
        /* keep the best `want` of the parts so far */
        memcpy(r->raw + n, dst, got * sizeof *dst);
        n += got;
        qsort(r->raw, n, sizeof *r->raw, by_rank);
        if (n > want)
            n = want;
    }
    *n_out = n;
    return NS_OK;
}

/* Runs the reader's query: the count, then hits [offset, offset + k) of
 * the ranking, leaving out document `skip` (-1: none). */
static nsearch_rc run(nsearch_reader *r, const nsearch_search_opts *opts, sr_algo algo,
                      int64_t skip, nsearch_results *out, nsearch_error *err)
{
    const sr_query *q0 = &r->p[0].q;
    const char *notes = ns_buf_cstr(&q0->notes);
    out->notes = notes ? notes : "";
    if (!q0->root) {
        out->empty_query = skip >= 0 ? NSEARCH_EMPTY_LIKE
                           : q0->n_words > 0 ? NSEARCH_EMPTY_STOPWORDS : NSEARCH_EMPTY_NOWORDS;
        return NSEARCH_OK;
    }
    ns_err e;
    ns_err_clear(&e);
    sr_rank_stats st;
    if (opts->count) {
        uint64_t total = 0, max = opts->count_limit;
        if (max && skip >= 0)
            max++; /* the document itself is left out below */
        nsearch_work w = {0, 0};
        for (size_t i = 0; i < r->n_parts; i++) {
            uint64_t t = 0, left = max ? max - total : 0;
            if (max && left == 0)
                break;
            if (sr_exec_count(&r->p[i].view, &r->p[i].q, left, &t, &st, &e))
                return nsearch_fail(err, &e);
            total += t;
            w.postings_decoded += st.postings_decoded;
            w.docs_scored += st.docs_scored;
            out->damaged |= st.corrupt;
        }
        out->count_work = w;
        out->total = skip >= 0 && total > 0 ? total - 1 : total;
    }
    if (opts->k == 0)
        return NSEARCH_OK;
    size_t want = opts->k + opts->offset + (skip >= 0), n = 0;
    if (rank_parts(r, algo, want, &n, &out->rank_work, out, &e))
        return nsearch_fail(err, &e);
    size_t shown = 0, seen = 0;
    for (size_t i = 0; i < n && shown < opts->k; i++) {
        if (skip >= 0 && r->raw[i].doc == (uint32_t)skip)
            continue;
        if (seen++ < opts->offset)
            continue;
        r->hits[shown].doc = r->raw[i].doc;
        r->hits[shown].score = r->raw[i].score;
        shown++;
    }
    out->hits = r->hits;
    out->n = shown;
    return NSEARCH_OK;
}

/* A scoring expansion of a prefix in some part's query: the prefix's
 * bytes in the query text and the term. */
typedef struct expansion {
    size_t at, end;
    const char *term; /* borrowed from the part's query */
    size_t len;
    double qtf;
} expansion;

static int by_expansion(const void *a, const void *b)
{
    const expansion *x = a, *y = b;
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    if (x->end != y->end)
        return (x->end > y->end) - (x->end < y->end);
    int c = memcmp(x->term, y->term, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The weights of n's scoring clauses (as sr_query_weight): the prefixes'
 * expansions into e (when e is not NULL; counted in *n_e), the others
 * summed into *w. */
static void weigh(const sr_query *q, const sr_qt *n, bool negated, double *w, expansion *e,
                  size_t *n_e)
{
    if (n->kind == SR_QT_BOOL) {
        for (size_t i = 0; i < n->n_kids; i++)
            weigh(q, n->kids[i], negated || n->kids[i]->occur == SR_OCC_NOT, w, e, n_e);
        return;
    }
    if (negated || n->keyword)
        return;
    if (!n->from_prefix) {
        *w += n->qtf;
    } else {
        const sr_qterm *t = &q->t[n->w[0]];
        if (e)
            e[*n_e] = (expansion){n->at, n->end, t->term, t->len, n->qtf};
        ++*n_e;
    }
}

/* The weight of the set's query, sr_query_weight of the single index's:
 * each part expands a prefix over the terms it has, so the set's
 * expansions are the union of the parts'; the other clauses are every
 * part's.  The weights are whole numbers (a clause's repetitions), so the
 * sum does not depend on its order.  -1: out of memory. */
static double set_weight(const nsearch_reader *r)
{
    size_t n_e = 0;
    double w = 0;
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->p[i].q.root)
            weigh(&r->p[i].q, r->p[i].q.root, r->p[i].q.root->occur == SR_OCC_NOT, &w, NULL, &n_e);
    if (n_e == 0 || r->n_parts == 1)
        return sr_query_weight(&r->p[0].q);
    expansion *e = ns_malloc(n_e * sizeof *e);
    if (!e)
        return -1;
    w = 0;
    n_e = 0;
    for (size_t i = 0; i < r->n_parts; i++) {
        double ignored = 0;
        const sr_query *q = &r->p[i].q;
        if (q->root)
            weigh(q, q->root, q->root->occur == SR_OCC_NOT, i ? &ignored : &w, e, &n_e);
    }
    qsort(e, n_e, sizeof *e, by_expansion);
    for (size_t i = 0; i < n_e; i++)
        if (i == 0 || by_expansion(&e[i - 1], &e[i]))
            w += e[i].qtf;
    ns_free(e);
    return w;
}

/* RM3 over every part (sr_fb_model): the first pass is the set's ranking,
 * each feedback document's terms come from its own part (a merged shard's
 * df and N are the set's), and every part's query gets the same scale and
 * terms, so that the set ranks as the single index does. */
static ns_rc expand(nsearch_reader *r, sr_algo algo, const sr_fb_opts *fb, nsearch_results *out,
                    ns_err *e)
{
    size_t n = 0;
    ns_rc rc = rank_parts(r, algo, fb->fb_docs, &n, &out->fb_work, out, e);
    sr_fb_model m;
    sr_fb_model_init(&m);
    for (size_t i = 0; !rc && i < n; i++) {
        nsearch_part *pt = NULL;
        uint32_t local = 0;
        nsearch_error ignored;
        if (locate(r, r->raw[i].doc, &pt, &local, &ignored)) /* a hit is some part's */
            rc = ns_err_set(e, NS_E_CORRUPT, "document %u is in no shard", r->raw[i].doc);
        else
            rc = sr_fb_model_add_doc(&m, &pt->view, local, r->raw[i].score, fb, e);
    }
    if (!rc && n)
        rc = sr_fb_model_finish(&m, fb, e);
    double qw = !rc && n ? set_weight(r) : 0;
    if (qw < 0)
        rc = ns_err_set(e, NS_E_NOMEM, "out of memory");
    double scale = qw > 0 ? fb->fb_weight / qw : 0;
    for (size_t i = 0; !rc && n && i < r->n_parts; i++)
        rc = sr_fb_model_apply(&m, &r->p[i].view, &r->p[i].q, scale, e);
    if (!rc) {
        out->fb_docs_used = n;
        out->fb_terms_used = m.terms;
    }
    sr_fb_model_release(&m);
    return rc;
}

static ns_rc parse_each(nsearch_reader *r, const char *text, size_t len, const sr_query_opts *qo,
                        const sr_prefix_cut *cuts, size_t n_cuts, ns_err *e)
{
    ns_rc rc = NS_OK;
    for (size_t i = 0; i < r->n_parts && !rc; i++) {
        sr_query_release(&r->p[i].q);
        rc = sr_query_parse_cut(&r->p[i].view, text, len, qo, cuts, n_cuts, &r->p[i].q, e);
    }
    return rc;
}

/* Parses text on every part, each prefix expanded to the terms the single
 * index keeps: under opts->prefix_cuts when given, else, over several parts
 * whose prefix may match more terms than one keeps, again under the cuts
 * of the parts' expansions (nsearch_prefix.c).  A failure of the cuts is in
 * *prc (err set; the query forgotten); of the parse, the return. */
static ns_rc parse_parts(nsearch_reader *r, const char *text, size_t len, const sr_query_opts *qo,
                         const nsearch_search_opts *opts, ns_err *e, nsearch_rc *prc,
                         nsearch_error *err)
{
    sr_prefix_cut *cuts = NULL;
    size_t n_cuts = 0;
    *prc = opts->prefix_cuts ? nsearch_px_cuts_decode(opts->prefix_cuts, opts->prefix_cuts_len,
                                                      &cuts, &n_cuts, err)
                             : NSEARCH_OK;
    ns_rc rc = *prc ? NS_OK : parse_each(r, text, len, qo, cuts, n_cuts, e);
    if (!rc && !*prc && !opts->prefix_cuts && nsearch_px_may_cut(r->p, r->n_parts)) {
        *prc = nsearch_px_cuts_of_parts(r->p, r->n_parts, &cuts, &n_cuts, err);
        if (!*prc && n_cuts)
            rc = parse_each(r, text, len, qo, cuts, n_cuts, e);
    }
    ns_free(cuts);
    if (*prc)
        forget_query(r);
    return rc;
}

nsearch_rc nsearch_reader_search(nsearch_reader *r, const char *text, size_t len,
                                 const nsearch_search_opts *opts, nsearch_results *out,
                                 nsearch_error *err)
{
    if (!r || !out || (!text && len))
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_search: NULL argument");
    memset(out, 0, sizeof *out);
    out->notes = "";
    nsearch_search_opts dflt;
    sr_algo algo;
    nsearch_rc prc = check_opts(&opts, &dflt, &algo, err);
    if (prc)
        return prc;
    sr_fb_opts fb;
    sr_fb_opts_default(&fb);
    ns_err e;
    ns_err_clear(&e);
    if (opts->expand) {
        if (opts->fb_docs)
            fb.fb_docs = opts->fb_docs;
        if (opts->fb_terms)
            fb.fb_terms = opts->fb_terms;
        if (opts->fb_weight != 0)
            fb.fb_weight = opts->fb_weight;
        if (sr_fb_opts_check(&fb, &e))
            return nsearch_fail(err, &e);
    }
    sr_query_opts qo = {(opts->flags & NSEARCH_QUERY_ALL) != 0,
                        (opts->flags & NSEARCH_QUERY_LITERAL) != 0};
    ns_rc rc = parse_parts(r, text ? text : "", len, &qo, opts, &e, &prc, err);
    if (prc)
        return prc;
    if (!rc && opts->expand && r->p[0].q.root)
        rc = expand(r, algo, &fb, out, &e);
    if (rc) {
        forget_query(r);
        if (rc == NS_E_ARG)
            return nsearch_fail_msg(err, NSEARCH_E_QUERY, "%s", e.msg);
        return nsearch_fail(err, &e);
    }
    return run(r, opts, algo, -1, out, err);
}

nsearch_rc nsearch_reader_like(nsearch_reader *r, uint32_t doc, const nsearch_search_opts *opts,
                               nsearch_results *out, nsearch_error *err)
{
    if (!r || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_like: NULL argument");
    memset(out, 0, sizeof *out);
    out->notes = "";
    nsearch_search_opts dflt;
    sr_algo algo;
    nsearch_rc prc = check_opts(&opts, &dflt, &algo, err);
    if (prc)
        return prc;
    nsearch_part *pt = NULL;
    uint32_t local = 0;
    if ((prc = locate(r, doc, &pt, &local, err)))
        return prc;
    /* the terms and weights from the document's own part (the set's df and
     * idf), the same query built on every part */
    ns_err e;
    ns_err_clear(&e);
    sr_tv tv;
    sr_tv_init(&tv);
    sr_qadd *add = NULL;
    size_t n = 0;
    ns_rc rc = sr_like_terms(&pt->view, local, &tv, &add, &n, &e);
    for (size_t i = 0; !rc && i < r->n_parts; i++) {
        sr_query_release(&r->p[i].q);
        rc = sr_like_build(&r->p[i].view, add, n, &r->p[i].q, &e);
    }
    ns_free(add);
    sr_tv_release(&tv);
    if (rc) {
        forget_query(r);
        return nsearch_fail(err, &e);
    }
    return run(r, opts, algo, doc, out, err);
}

/* ---- stored documents -------------------------------------------------- */

static nsearch_str str_of(const char *p, size_t len)
{
    nsearch_str s = {p, p ? len : 0};
    return s;
}

/* The head, and the body when body is set or the fields need the frame. */
static nsearch_rc fetch(nsearch_reader *r, uint32_t doc, int body, sr_doc *d, nsearch_part **pt,
                        nsearch_error *err)
{
    uint32_t local = 0;
    nsearch_rc prc = locate(r, doc, pt, &local, err);
    if (prc)
        return prc;
    ns_err e;
    ns_err_clear(&e);
    if (sr_index_doc_head(&(*pt)->view, local, d, &e))
        return nsearch_fail(err, &e);
    if ((body || sr_doc_needs_frame(d)) && sr_index_doc_body(&(*pt)->view, d, &e))
        return nsearch_fail(err, &e);
    return NSEARCH_OK;
}

nsearch_rc nsearch_reader_doc(nsearch_reader *r, uint32_t doc, nsearch_doc *out,
                              nsearch_error *err)
{
    if (!r || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_doc: NULL argument");
    sr_doc d;
    nsearch_part *pt = NULL;
    nsearch_rc rc = fetch(r, doc, 1, &d, &pt, err);
    if (rc)
        return rc;
    out->doc = doc;
    out->id = str_of(d.f[NS_FIELD_ID], d.len[NS_FIELD_ID]);
    out->title = str_of(d.f[NS_FIELD_TITLE], d.len[NS_FIELD_TITLE]);
    out->body = str_of(d.f[NS_FIELD_BODY], d.len[NS_FIELD_BODY]);
    out->date = str_of(d.f[NS_FIELD_DATE], d.len[NS_FIELD_DATE]);
    out->url = str_of(d.f[NS_FIELD_URL], d.len[NS_FIELD_URL]);
    return NSEARCH_OK;
}

nsearch_rc nsearch_reader_fields(nsearch_reader *r, uint32_t doc, nsearch_field_fn fn, void *ctx,
                                 nsearch_error *err)
{
    if (!r || !fn)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_fields: NULL argument");
    sr_doc d;
    nsearch_part *pt = NULL;
    nsearch_rc rc = fetch(r, doc, 0, &d, &pt, err);
    if (rc)
        return rc;
    sr_field_iter it;
    sr_field f;
    ns_err e;
    ns_err_clear(&e);
    sr_doc_field_first(&d, &it);
    int more;
    while ((more = sr_doc_field_next(&pt->view, &d, &it, &f, &e)) == 1) {
        nsearch_value_type t = f.type == NS_VAL_STRING ? NSEARCH_VALUE_STRING : NSEARCH_VALUE_JSON;
        if (fn(ctx, str_of(f.name, f.name_len), t, str_of(f.v, f.len)))
            return NSEARCH_OK;
    }
    return more < 0 ? nsearch_fail(err, &e) : NSEARCH_OK;
}

nsearch_rc nsearch_reader_find(nsearch_reader *r, const char *id, size_t len, uint32_t *doc,
                               nsearch_error *err)
{
    if (!r || !doc || (!id && len))
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_find: NULL argument");
    bool found = false;
    ns_err e;
    ns_err_clear(&e);
    for (size_t i = 0; i < r->n_parts && !found; i++) {
        if (sr_index_find_id(&r->p[i].view, id ? id : "", len, doc, &found, &e))
            return nsearch_fail(err, &e);
        if (found)
            *doc = sr_index_ordinal(&r->p[i].view, *doc);
    }
    if (!found)
        return nsearch_fail_msg(err, NSEARCH_E_NOTFOUND, "no document has that id");
    return NSEARCH_OK;
}

nsearch_rc nsearch_reader_snippet(nsearch_reader *r, uint32_t doc, int field, size_t width,
                                  nsearch_snippet *out, nsearch_error *err)
{
    if (!r || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_snippet: NULL argument");
    if (field != NSEARCH_FIELD_TITLE && field != NSEARCH_FIELD_BODY)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "unknown field %d", field);
    sr_doc d;
    nsearch_part *pt = NULL;
    nsearch_rc rc = fetch(r, doc, field == NSEARCH_FIELD_BODY, &d, &pt, err);
    if (rc)
        return rc;
    int k = field == NSEARCH_FIELD_BODY ? NS_FIELD_BODY : NS_FIELD_TITLE;
    const char *text = d.f[k] ? d.f[k] : "";
    if (sr_snippet_make(pt->view.an, &pt->q, text, d.f[k] ? d.len[k] : 0,
                        width ? width : SR_SNIPPET_WIDTH, &r->snip))
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    if (r->snip.n_hl > r->cap_spans) {
        nsearch_span *s = ns_realloc(r->spans, r->snip.n_hl * sizeof *s);
        if (!s)
            return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
        r->spans = s;
        r->cap_spans = r->snip.n_hl;
    }
    for (size_t i = 0; i < r->snip.n_hl; i++) {
        r->spans[i].start = r->snip.hl[i].start;
        r->spans[i].end = r->snip.hl[i].end;
    }
    const char *t = ns_buf_cstr(&r->snip.text);
    out->text = str_of(t ? t : "", r->snip.text.len);
    out->hl = r->spans;
    out->n_hl = r->snip.n_hl;
    return NSEARCH_OK;
}

/* ---- descriptions ------------------------------------------------------- */

static nsearch_rc described(nsearch_reader *r, ns_rc rc, const ns_err *e, const char **out,
                            nsearch_error *err)
{
    if (rc == NS_E_NOMEM && !e->msg[0])
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    if (rc)
        return nsearch_fail(err, e);
    *out = ns_buf_cstr(&r->text);
    return NSEARCH_OK;
}

static nsearch_rc check_describe(nsearch_reader *r, int format, const char **out,
                                 nsearch_error *err)
{
    if (!r || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "NULL argument");
    if (format != NSEARCH_TEXT && format != NSEARCH_JSON)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "unknown format %d", format);
    ns_buf_reset(&r->text);
    return NSEARCH_OK;
}

nsearch_rc nsearch_reader_explain(nsearch_reader *r, uint32_t doc, int format, const char **out,
                                  nsearch_error *err)
{
    nsearch_rc prc = check_describe(r, format, out, err);
    nsearch_part *pt = NULL;
    uint32_t local = 0;
    if (!prc)
        prc = locate(r, doc, &pt, &local, err);
    if (prc)
        return prc;
    ns_err e;
    ns_err_clear(&e);
    ns_rc rc = pt->q.root ? sr_exec_explain(&pt->view, &pt->q, local, format == NSEARCH_JSON,
                                            &r->text, &e)
                          : ns_buf_puts(&r->text, format == NSEARCH_JSON ? "null" : "");
    return described(r, rc, &e, out, err);
}

nsearch_rc nsearch_reader_show_query(nsearch_reader *r, int format, const char **out,
                                     nsearch_error *err)
{
    nsearch_rc prc = check_describe(r, format, out, err);
    if (!prc)
        prc = nsearch_px_show_totals(r, err); /* a set's prefix counts */
    if (prc)
        return prc;
    ns_err e;
    ns_err_clear(&e);
    ns_rc rc = format == NSEARCH_JSON ? sr_query_show_json(&r->p[0].q, &r->text)
                                      : sr_query_show(&r->p[0].view, &r->p[0].q, &r->text);
    return described(r, rc, &e, out, err);
}

nsearch_rc nsearch_reader_info(nsearch_reader *r, int format, const char **out, nsearch_error *err)
{
    nsearch_rc prc = check_describe(r, format, out, err);
    if (prc)
        return prc;
    ns_err e;
    ns_err_clear(&e);
    sr_info_format fmt = format == NSEARCH_JSON ? SR_INFO_JSON : SR_INFO_TEXT;
    if (!r->owner->sharded) {
        ns_rc rc = sr_info_write(&r->p[0].view, fmt, &r->text, &e);
        return described(r, rc, &e, out, err);
    }
    const sr_index **parts = ns_malloc(r->n_parts * sizeof *parts);
    if (!parts)
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_parts; i++)
        parts[i] = &r->p[i].view;
    ns_rc rc = sr_info_write_set(parts, r->n_parts, fmt, &r->text, &e);
    ns_free(parts);
    return described(r, rc, &e, out, err);
}

/* ---- rendering ---------------------------------------------------------- */

void nsearch_render_opts_init(nsearch_render_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = NSEARCH_TEXT;
    o->snippets = 1;
}

/* The internal options for o (NULL: the defaults). */
static nsearch_rc render_opts(const nsearch_render_opts *o, sr_render_opts *ro, nsearch_error *err)
{
    nsearch_render_opts dflt;
    if (!o) {
        nsearch_render_opts_init(&dflt);
        o = &dflt;
    }
    memset(ro, 0, sizeof *ro);
    switch (o->format) {
    case NSEARCH_TEXT: ro->out.fmt = SR_FMT_TEXT; break;
    case NSEARCH_JSON: ro->out.fmt = SR_FMT_JSON; break;
    case NSEARCH_TREC: ro->out.fmt = SR_FMT_TREC; break;
    default: return nsearch_fail_msg(err, NSEARCH_E_ARG, "unknown format %d", o->format);
    }
    ro->out.color = o->color != 0;
    ro->out.qid = o->qid;
    ro->out.utf16 = o->highlights_utf16 != 0;
    ro->out.fields = o->fields;
    ro->snippets = o->snippets != 0;
    ro->explain = o->explain != 0;
    return NSEARCH_OK;
}

static nsearch_rc rendered(nsearch_reader *r, ns_rc rc, const ns_err *e, nsearch_str *out,
                           nsearch_error *err)
{
    if (rc)
        return nsearch_fail(err, e);
    const char *t = ns_buf_cstr(&r->out);
    *out = str_of(t ? t : "", r->out.len);
    return NSEARCH_OK;
}

nsearch_rc nsearch_reader_render(nsearch_reader *r, const nsearch_hit *hit, size_t rank,
                                 const nsearch_render_opts *o, nsearch_str *out,
                                 nsearch_error *err)
{
    if (!r || !hit || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_render: NULL argument");
    sr_render_opts ro;
    nsearch_part *pt = NULL;
    uint32_t local = 0;
    nsearch_rc prc = render_opts(o, &ro, err);
    if (!prc)
        prc = locate(r, hit->doc, &pt, &local, err);
    if (prc)
        return prc;
    ns_buf_reset(&r->out);
    sr_hit h = {local, hit->score};
    ns_err e;
    ns_err_clear(&e);
    ns_rc rc = sr_render_hit(r->render, &pt->view, &pt->q, &h, rank, &ro, &r->out, NULL, &e);
    return rendered(r, rc, &e, out, err);
}

nsearch_rc nsearch_reader_render_doc(nsearch_reader *r, uint32_t doc, const nsearch_render_opts *o,
                                     nsearch_str *out, nsearch_error *err)
{
    if (!r || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_reader_render_doc: NULL argument");
    sr_render_opts ro;
    nsearch_rc prc = render_opts(o, &ro, err);
    if (prc)
        return prc;
    sr_doc d;
    nsearch_part *pt = NULL;
    if ((prc = fetch(r, doc, 1, &d, &pt, err)))
        return prc;
    ns_buf_reset(&r->out);
    ns_err e;
    ns_err_clear(&e);
    ns_rc rc = sr_output_doc(&r->out, &ro.out, &pt->view, &d, &e);
    return rendered(r, rc, &e, out, err);
}
