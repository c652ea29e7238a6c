/* ix_commit: the final merge of the postings into the index files (see
 * ix_commit.h). */
#include "ix_commit.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ix_build.h" /* IX_RUN_PREFIX */
#include "ix_inv.h"
#include "ix_run.h"
#include "ns_format.h"
#include "ix_tmpdir.h"
#include "ns_alloc.h"

/* The final merge on several threads, when every posting is in the
 * inverters (no runs): the term space is cut into slices of about equal
 * postings volume at keys of the biggest inverter; threads merge slices
 * into parts (ix_wpart) while this thread appends finished parts in order.
 * At most `window` slices are ahead of the one being appended, which bounds
 * the memory of finished parts. */
typedef struct pmerge {
    ix_writer *w;
    ix_inv **invs;
    size_t n_invs, n_slices, window;
    size_t *bounds;    /* n_slices + 1 rows of n_invs term indices */
    ix_wpart **parts;  /* per slice, once merged */
    ns_rc *rcs;
    ns_err *errs;
    size_t next, appended; /* under the mutex */
    int abort;
    pthread_mutex_t mu; /* guards next, appended, abort, parts, rcs, errs */
    pthread_cond_t cv;
} pmerge;

static ns_rc part_begin(void *ctx, const char *key, size_t len, ns_err *err)
{
    return ix_wpart_term_begin(ctx, key, len, err);
}
static ns_rc part_posting(void *ctx, uint32_t doc, uint32_t tf, const uint8_t *pos, size_t n,
                          ns_err *err)
{
    return ix_wpart_posting(ctx, doc, tf, pos, n, err);
}
static ns_rc part_end(void *ctx, ns_err *err) { return ix_wpart_term_end(ctx, err); }

static void *pmerge_main(void *arg)
{
    pmerge *m = arg;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->abort && m->next < m->n_slices && m->next >= m->appended + m->window)
            pthread_cond_wait(&m->cv, &m->mu);
        if (m->abort || m->next >= m->n_slices)
            break;
        size_t k = m->next++;
        pthread_mutex_unlock(&m->mu);
        ix_wpart *part = NULL;
        ns_err err;
        ns_rc rc = ix_wpart_new(m->w, &part);
        if (rc) {
            ns_err_set(&err, rc, "out of memory");
        } else {
            ix_sink sink = {part, part_begin, part_posting, part_end};
            rc = ix_merge_slice(m->invs, m->bounds + k * m->n_invs, m->bounds + (k + 1) * m->n_invs,
                                m->n_invs, &sink, &err);
        }
        pthread_mutex_lock(&m->mu);
        m->parts[k] = part;
        m->rcs[k] = rc;
        if (rc) {
            m->errs[k] = err;
            m->abort = 1;
        }
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static ns_rc merge_parallel(ix_pipe *p, ix_writer *w, ix_inv **invs, ns_err *err)
{
    size_t n = p->n_threads, big = 0;
    for (size_t i = 1; i < n; i++)
        if (ix_inv_n_terms(invs[i]) > ix_inv_n_terms(invs[big]))
            big = i;
    size_t n_terms = ix_inv_n_terms(invs[big]);
    uint64_t total_df = 0;
    for (size_t t = 0; t < n_terms; t++) {
        ix_inv_term it;
        ix_inv_term_get(invs[big], t, &it);
        total_df += it.df;
    }
    /* slices: a few per thread, and small enough that `window` finished
     * ones fit in a quarter of the budget (encoded postings take about as
     * much as the inverters' pools) */
    size_t pool = 0;
    for (size_t i = 0; i < n; i++)
        pool += ix_inv_mem(invs[i]);
    size_t window = 2 * n;
    size_t per = (size_t)(p->mem / 4 / window);
    size_t n_slices = 4 * n;
    if (per && pool / per + 1 > n_slices)
        n_slices = pool / per + 1;
    if (n_slices > n_terms / 16 + 1)
        n_slices = n_terms / 16 + 1;
    pmerge m = {0};
    m.w = w;
    m.invs = invs;
    m.n_invs = n;
    m.window = window;
    m.bounds = ns_calloc((n_slices + 1) * n, sizeof *m.bounds);
    m.parts = ns_calloc(n_slices, sizeof *m.parts);
    m.rcs = ns_calloc(n_slices, sizeof *m.rcs);
    m.errs = ns_calloc(n_slices, sizeof *m.errs);
    pthread_t *tids = ns_calloc(n, sizeof *tids);
    ns_rc rc = NS_OK;
    if (!m.bounds || !m.parts || !m.rcs || !m.errs || !tids) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        goto out;
    }
    /* cut at keys of the biggest inverter, every total_df / n_slices */
    size_t k = 1;
    uint64_t acc = 0;
    for (size_t t = 0; t < n_terms && k < n_slices; t++) {
        ix_inv_term it;
        ix_inv_term_get(invs[big], t, &it);
        acc += it.df;
        if (acc * n_slices >= total_df * k && t + 1 < n_terms) {
            ix_inv_term cut;
            ix_inv_term_get(invs[big], t + 1, &cut);
            for (size_t i = 0; i < n; i++)
                m.bounds[k * n + i] = ix_inv_lower_bound(invs[i], cut.key, cut.key_len);
            k++;
        }
    }
    n_slices = k;
    m.n_slices = n_slices;
    for (size_t i = 0; i < n; i++)
        m.bounds[n_slices * n + i] = ix_inv_n_terms(invs[i]);
    pthread_mutex_init(&m.mu, NULL);
    pthread_cond_init(&m.cv, NULL);
    size_t started = 0;
    for (; started < n; started++)
        if (pthread_create(&tids[started], NULL, pmerge_main, &m) != 0)
            break;
    if (!started) {
        pthread_cond_destroy(&m.cv);
        pthread_mutex_destroy(&m.mu);
        rc = ns_err_sys(err, NS_E_NOMEM, errno, "cannot start a thread");
        goto out;
    }
    for (size_t s = 0; s < n_slices && !rc; s++) {
        pthread_mutex_lock(&m.mu);
        while (!m.parts[s] && !m.rcs[s] && !m.abort)
            pthread_cond_wait(&m.cv, &m.mu);
        for (size_t f = 0; f < n_slices && !m.parts[s] && !rc; f++) {
            if (m.rcs[f]) { /* this slice's, or the one that stopped the others */
                rc = m.rcs[f];
                *err = m.errs[f];
            }
        }
        pthread_mutex_unlock(&m.mu);
        if (!rc) {
            rc = ix_writer_append(w, m.parts[s], err);
        }
        ix_wpart_free(m.parts[s]);
        pthread_mutex_lock(&m.mu);
        m.parts[s] = NULL;
        m.appended++;
        if (rc)
            m.abort = 1;
        pthread_cond_broadcast(&m.cv);
        pthread_mutex_unlock(&m.mu);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    pthread_cond_destroy(&m.cv);
    pthread_mutex_destroy(&m.mu);
out:
    if (m.parts)
        for (size_t s = 0; s < n_slices; s++)
            ix_wpart_free(m.parts[s]);
    ns_free(m.bounds);
    ns_free(m.parts);
    ns_free(m.rcs);
    ns_free(m.errs);
    ns_free(tids);
    return rc;
}

static ns_rc sink_begin(void *ctx, const char *key, size_t len, ns_err *err)
{
    return ix_writer_term_begin(ctx, key, len, err);
}
static ns_rc sink_posting(void *ctx, uint32_t doc, uint32_t tf, const uint8_t *pos, size_t n,
                          ns_err *err)
{
    return ix_writer_posting(ctx, doc, tf, pos, n, err);
}
static ns_rc sink_end(void *ctx, ns_err *err) { return ix_writer_term_end(ctx, err); }

/* Read buffer per run file in a merge: together an eighth of the budget
 * (the inverters may still hold most of it), between 64 KiB and 1 MiB. */
static size_t read_buf_for(const ix_pipe *p, size_t n_runs)
{
    size_t per = n_runs ? (size_t)(p->mem / (8 * n_runs)) : 0;
    return per < ((size_t)64 << 10) ? (size_t)64 << 10 : per > ((size_t)1 << 20) ? (size_t)1 << 20 : per;
}

/* Merges runs max_fanin at a time into bigger runs until at most
 * max_fanin remain (the oldest first: any subset merges correctly, doc ids
 * being absolute). */
static ns_rc reduce_runs(ix_pipe *p, size_t max_fanin, ns_err *err)
{
    size_t fan = max_fanin;
    while (p->n_runs > fan) {
        char name[32];
        snprintf(name, sizeof name, IX_RUN_PREFIX "%06u", p->run_seq++);
        char *path = ix_tmpdir_path(p->tmp_dir, name);
        if (!path)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        ix_run_writer *rw;
        ns_rc rc = ix_run_writer_open(path, &rw, err);
        if (rc) {
            ns_free(path);
            return rc;
        }
        ix_sink sink;
        ix_run_writer_sink(rw, &sink);
        rc = ix_merge((const char *const *)p->runs, fan, NULL, 0,
                      read_buf_for(p, fan), &sink, err);
        uint64_t bytes = 0;
        if (!rc)
            rc = ix_run_writer_finish(rw, &bytes, err);
        ix_run_writer_free(rw);
        if (rc) {
            unlink(path);
            ns_free(path);
            return rc;
        }
        for (size_t i = 0; i < fan; i++) {
            unlink(p->runs[i]);
            ns_free(p->runs[i]);
        }
        memmove(p->runs, p->runs + fan, (p->n_runs - fan) * sizeof *p->runs);
        p->n_runs -= fan;
        p->runs[p->n_runs++] = path; /* room: one slot was just freed */
        p->run_bytes += bytes;
    }
    return NS_OK;
}

ns_rc ix_commit_write(ix_pipe *p, size_t max_fanin, ns_analyzer *an, const ix_doc_tables *tables,
                      uint64_t ds_size, uint64_t docs_size, ix_writer_stats *ws,
                      ns_err *err)
{
    ns_rc rc;
    if ((rc = reduce_runs(p, max_fanin, err)))
        return rc;
    ix_writer *w;
    rc = ix_writer_open(p->tmp_dir, tables, &w, err);
    if (rc)
        return rc;
    ix_inv **invs = ns_malloc(p->n_threads * sizeof *invs);
    if (!invs) {
        ix_writer_free(w);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    for (unsigned i = 0; i < p->n_threads; i++)
        invs[i] = ix_pipe_inv(p, i);
    ix_sink sink = {w, sink_begin, sink_posting, sink_end};
    if (p->n_threads > 1 && p->n_runs == 0)
        rc = merge_parallel(p, w, invs, err);
    else
        rc = ix_merge((const char *const *)p->runs, p->n_runs, invs, p->n_threads,
                      read_buf_for(p, p->n_runs), &sink, err);
    ns_free(invs);
    uint64_t identity = rc ? 0 : ns_analyzer_identity(an);
    if (!rc && identity == 0) /* libstemmer out of memory */
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (!rc)
        rc = ix_writer_finish(w, ns_analyzer_lang(an), ns_analyzer_stop_list(an),
                              ns_analyzer_keep_diacritics(an) ? NS_META_ANALYZER_KEEP_DIACRITICS
                                                              : 0u,
                              identity, ds_size,
                              docs_size, ws, err);
    ix_writer_free(w);
    for (size_t i = 0; i < p->n_runs; i++) {
        unlink(p->runs[i]);
        ns_free(p->runs[i]);
    }
    p->n_runs = 0;
    return rc;
}
