/* ix_pipe: the analysis worker threads, their memory accounting and the
 * run files they write (see ix_pipe.h).  process_batch and on_token are the
 * hot path of intake: they stay static here, beside their only callers. */
#include "ix_pipe.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ix_build.h" /* IX_RUN_PREFIX */
#include "ix_docstore.h"
#include "ix_run.h"
#include "ix_tmpdir.h"
#include "ns_alloc.h"
#include "ns_docrec.h"
#include "ns_varint.h"

/* A batch closes at the first docstore block boundary after this many bytes
 * of records: big enough that queue traffic is negligible (~1000 news
 * articles), small enough that a few batches per thread in flight cost
 * little of the budget.  Smaller budgets get smaller batches. */
#define IX_BATCH_MAX ((size_t)1 << 20)
#define IX_BATCH_MIN ((size_t)64 << 10)
/* An inverter is flushed at this size whatever the budget (its pool
 * addresses 4 GiB). */
#define IX_INV_MAX ((size_t)3 << 30)
/* The inverters get at least this much even when the budget is eaten by
 * per-document tables (the budget is then exceeded, not the build failed). */
#define IX_INV_MIN ((size_t)256 << 10)

/* One analysis thread's state; with one thread, the calling thread's. */
struct ix_pipe_worker {
    ix_pipe *p; /* borrowed: the pipe it belongs to */
    pthread_t tid;
    int started;
    ns_analyzer *an;      /* owned */
    ix_inv *inv;          /* owned */
    ix_docstore_cctx *zc; /* owned */
    size_t inv_mem; /* last reported, under the mutex */
    size_t an_mem;  /* estimate of the analyzer's stem cache, likewise */
    ns_rc rc;       /* sticky failure of a flush or the final sort */
    ns_err err;
    /* the document being analysed: its tokens */
    uint32_t pos_base, n_words;
    ix_tok *toks; /* owned */
    size_t n_toks, cap_toks;
    ns_buf tbytes; /* their terms */
    ns_rc tok_rc;
};

/* Gathers the document's tokens (the analyzer's term is only valid during
 * the call) for ix_inv_add_doc. */
static int on_token(void *ctx, const ns_token *t)
{
    ix_pipe_worker *w = ctx;
    if (w->n_toks == w->cap_toks) {
        size_t c = w->cap_toks ? w->cap_toks * 2 : 4096;
        ix_tok *p = ns_realloc(w->toks, c * sizeof *p);
        if (!p) {
            w->tok_rc = NS_E_NOMEM;
            return 1;
        }
        w->toks = p;
        w->cap_toks = c;
    }
    if (w->tbytes.cap - w->tbytes.len < NS_TOKEN_MAX_BYTES &&
        ns_buf_reserve(&w->tbytes, NS_TOKEN_MAX_BYTES)) {
        w->tok_rc = NS_E_NOMEM;
        return 1;
    }
    if (w->tbytes.len > UINT32_MAX - NS_TOKEN_MAX_BYTES) {
        w->tok_rc = NS_E_ARG;
        return 1;
    }
    ix_tok *k = &w->toks[w->n_toks++];
    k->off = (uint32_t)w->tbytes.len;
    k->len = (uint32_t)t->term_len;
    k->pos = w->pos_base + t->pos;
    k->tag = t->tag;
    memcpy(w->tbytes.data + w->tbytes.len, t->term, t->term_len);
    w->tbytes.len += t->term_len;
    return 0;
}

/* Adds document i's keyword keys (bt->kw, ix_batch.h) to w's inverter. */
static ns_rc add_keys(ix_pipe_worker *w, ix_batch *bt, uint32_t i)
{
    size_t start = i ? bt->kw_end[i - 1] : 0, end = bt->kw_end[i];
    if (start == end)
        return NS_OK;
    const uint8_t *base = bt->kw.data, *p = base + start, *e = base + end;
    w->n_toks = 0;
    while (p < e) {
        uint32_t len;
        if (ns_varint_get32(&p, e, &len) || len > (size_t)(e - p))
            return NS_E_CORRUPT;
        if (w->n_toks == w->cap_toks) {
            size_t c = w->cap_toks ? w->cap_toks * 2 : 4096;
            ix_tok *q = ns_realloc(w->toks, c * sizeof *q);
            if (!q)
                return NS_E_NOMEM;
            w->toks = q;
            w->cap_toks = c;
        }
        ix_tok *k = &w->toks[w->n_toks++];
        k->off = (uint32_t)(p - base);
        k->len = len;
        k->pos = 0;
        k->tag = NULL;
        p += len;
    }
    return ix_inv_add_keys(w->inv, bt->first_doc + i, base, w->toks, w->n_toks);
}

/* Analyses the batch's documents into w's inverter and compresses their
 * docstore frames.  Failures go to bt->rc / bt->err. */
static void process_batch(ix_pipe_worker *w, ix_batch *bt)
{
    ns_rc rc = NS_OK;
    for (uint32_t i = 0; i < bt->n_docs && !rc; i++) {
        const uint8_t *p = bt->recs.data + ix_batch_start(bt, i), *hend = bt->recs.data + bt->head_end[i];
        ns_docrec r;
        if (ns_docrec_get(p, hend, &r) != 0 || r.len[NS_FIELD_BODY] > bt->rec_end[i] - bt->head_end[i]) {
            bt->rc = ns_err_set(&bt->err, NS_E_CORRUPT, "internal error: bad record in batch");
            return;
        }
        r.f[NS_FIELD_BODY] = (const char *)hend;
        w->pos_base = 0;
        w->n_words = 0;
        w->n_toks = 0;
        ns_buf_reset(&w->tbytes);
        w->tok_rc = NS_OK;
        uint64_t epoch = ns_analyzer_epoch(w->an);
        rc = ns_analyze(w->an, r.f[NS_FIELD_TITLE], r.len[NS_FIELD_TITLE], on_token, w);
        w->pos_base = w->n_words = ns_analyzer_words(w->an);
        if (!rc && !w->tok_rc) {
            rc = ns_analyze(w->an, r.f[NS_FIELD_BODY], r.len[NS_FIELD_BODY], on_token, w);
            w->n_words = w->pos_base + ns_analyzer_words(w->an);
        }
        if (!rc)
            rc = w->tok_rc;
        if (rc == NS_E_ARG) {
            bt->rc = ns_err_set(&bt->err, rc, "document too large");
            return;
        }
        if (ns_analyzer_epoch(w->an) != epoch) /* the cache moved: tags are stale */
            for (size_t t = 0; t < w->n_toks; t++)
                w->toks[t].tag = NULL;
        if (!rc)
            rc = ix_inv_add_doc(w->inv, bt->first_doc + i, w->tbytes.data, w->toks, w->n_toks);
        if (!rc)
            rc = add_keys(w, bt, i);
        bt->doclen[i] = w->n_words; /* stop words count: positions stay below it */
        bt->title_len[i] = w->pos_base;
        size_t n = 0, raw = bt->rec_end[i] - bt->head_end[i];
        if (!rc && raw)
            rc = ix_docstore_compress(w->zc, w->p->dict, hend, raw, &bt->comp, &n);
        if (rc == NS_E_IO) {
            bt->rc = ns_err_set(&bt->err, rc, "zstd compression failed");
            return;
        }
        bt->comp_len[i] = (uint32_t)n;
    }
    if (rc)
        bt->rc = ns_err_set(&bt->err, rc, "out of memory");
}

/* Sorts w's inverter and writes it as a run file. */
static ns_rc flush_worker(ix_pipe_worker *w)
{
    ix_pipe *p = w->p;
    ns_rc rc = ix_inv_sort(w->inv);
    if (rc)
        return ns_err_set(&w->err, rc, "out of memory");
    pthread_mutex_lock(&p->mu);
    unsigned seq = p->run_seq++;
    pthread_mutex_unlock(&p->mu);
    char name[32];
    snprintf(name, sizeof name, IX_RUN_PREFIX "%06u", seq);
    char *path = ix_tmpdir_path(p->tmp_dir, name);
    if (!path)
        return ns_err_set(&w->err, NS_E_NOMEM, "out of memory");
    uint64_t bytes = 0;
    rc = ix_run_write_inv(w->inv, path, &bytes, &w->err);
    if (!rc) {
        pthread_mutex_lock(&p->mu);
        if (p->n_runs == p->cap_runs) {
            size_t c = p->cap_runs ? p->cap_runs * 2 : 16;
            char **r = ns_realloc(p->runs, c * sizeof *r);
            if (r) {
                p->runs = r;
                p->cap_runs = c;
            }
        }
        if (p->n_runs < p->cap_runs) {
            p->runs[p->n_runs++] = path;
            p->n_runs_written++;
            p->run_bytes += bytes;
            path = NULL;
        } else {
            rc = ns_err_set(&w->err, NS_E_NOMEM, "out of memory");
        }
        pthread_mutex_unlock(&p->mu);
    }
    if (rc) {
        unlink(path);
        ns_free(path);
        return rc;
    }
    ix_inv_reset(w->inv);
    return NS_OK;
}

/* The analyzer's stem cache grows with the vocabulary up to its own bound
 * (ns_analyzer.c: 2^20 slots of 32 bytes, plus an arena for long words and
 * stems that are not prefixes) and has no size query; estimate it from its
 * misses, which are its insertions: slots at most 3/4 full, a power of two. */
static size_t analyzer_mem(const ns_analyzer *an)
{
    ns_analyzer_stats st;
    ns_analyzer_get_stats(an, &st);
    uint64_t entries = st.stem_calls - st.cache_hits;
    size_t slots = 4096;
    while (slots < ((size_t)1 << 20) && (uint64_t)slots * 3 < entries * 4)
        slots *= 2;
    size_t arena = (size_t)(entries * 4 / ((size_t)1 << 20) + 1) << 20;
    if (arena > ((size_t)64 << 20))
        arena = (size_t)64 << 20;
    return slots * 32 + arena;
}

/* Under the mutex: whether w, having just reported its size, should write
 * its postings out: the inverters together exceed what the budget leaves
 * them, and w holds at least its share (so the biggest always qualifies). */
static int should_flush(const ix_pipe *p, const ix_pipe_worker *w)
{
    if (w->inv_mem >= IX_INV_MAX)
        return 1;
    size_t total = 0, other = p->other_mem;
    for (unsigned i = 0; i < p->n_threads; i++) {
        total += p->workers[i].inv_mem;
        other += p->workers[i].an_mem;
    }
    size_t avail = p->mem > other + IX_INV_MIN ? (size_t)(p->mem - other) : IX_INV_MIN;
    return total > avail && w->inv_mem * p->n_threads >= total;
}

static void *worker_main(void *arg)
{
    ix_pipe_worker *w = arg;
    ix_pipe *p = w->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->q_head && !p->stop)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->aborting || !p->q_head)
            break;
        ix_batch *bt = p->q_head;
        p->q_head = bt->next;
        if (!p->q_head)
            p->q_tail = NULL;
        pthread_mutex_unlock(&p->mu);
        process_batch(w, bt);
        pthread_mutex_lock(&p->mu);
        bt->done = 1;
        w->inv_mem = ix_inv_mem(w->inv);
        w->an_mem = analyzer_mem(w->an);
        int flush = !w->rc && should_flush(p, w);
        pthread_cond_broadcast(&p->cv_done);
        if (flush) {
            pthread_mutex_unlock(&p->mu);
            ns_rc rc = flush_worker(w);
            pthread_mutex_lock(&p->mu);
            if (rc)
                w->rc = rc;
            w->inv_mem = ix_inv_mem(w->inv);
            pthread_cond_broadcast(&p->cv_done);
        }
    }
    int sort = p->finishing && !p->aborting && !w->rc;
    pthread_mutex_unlock(&p->mu);
    if (sort) {
        ns_rc rc = ix_inv_sort(w->inv);
        if (rc) {
            pthread_mutex_lock(&p->mu);
            w->rc = ns_err_set(&w->err, rc, "out of memory");
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

ns_rc ix_pipe_start(ix_pipe *p, const ns_analyzer *proto, ns_err *err)
{
    p->workers = ns_calloc(p->n_threads, sizeof *p->workers);
    if (!p->workers)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    for (unsigned i = 0; i < p->n_threads; i++) {
        ix_pipe_worker *w = &p->workers[i];
        w->p = p;
        ns_rc rc = ns_analyzer_new(ns_analyzer_lang(proto), &w->an, err);
        if (!rc)
            rc = ns_analyzer_set_stop_list(w->an, ns_analyzer_stop_list(proto), err);
        if (!rc)
            rc = ns_analyzer_set_keep_diacritics(w->an, ns_analyzer_keep_diacritics(proto), err);
        if (rc)
            return rc;
        if (ix_inv_new(&w->inv) || !(w->zc = ix_docstore_cctx_new()))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    /* Per batch: records, compressed blocks (~half) and tables. */
    p->max_inflight = 2 * (size_t)p->n_threads + 1;
    size_t t = (size_t)(p->mem / (8 * (p->max_inflight + 2)));
    p->batch_target = t < IX_BATCH_MIN ? IX_BATCH_MIN : t > IX_BATCH_MAX ? IX_BATCH_MAX : t;
    if (p->n_threads == 1)
        return NS_OK;
    for (unsigned i = 0; i < p->n_threads; i++) {
        ix_pipe_worker *w = &p->workers[i];
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
            return ns_err_sys(err, NS_E_NOMEM, errno, "cannot start a thread");
        w->started = 1;
        p->threads_running = 1;
    }
    return NS_OK;
}

/* Stops the threads: after the queue is empty (finishing: each sorts its
 * inverter), or at once (aborting). */
static void stop_workers(ix_pipe *p, int abort_now)
{
    if (!p->threads_running)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    if (abort_now)
        p->aborting = 1;
    else
        p->finishing = 1;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->n_threads; i++)
        if (p->workers[i].started)
            pthread_join(p->workers[i].tid, NULL);
    p->threads_running = 0;
}

ns_rc ix_pipe_failure(ix_pipe *p, ns_err *err)
{
    ns_rc rc = NS_OK;
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n_threads && !rc; i++) {
        if (p->workers[i].rc) {
            rc = p->workers[i].rc;
            *err = p->workers[i].err;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void ix_pipe_init(ix_pipe *p, uint64_t mem)
{
    memset(p, 0, sizeof *p);
    p->n_threads = 1;
    p->mem = mem;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
}

void ix_pipe_release(ix_pipe *p)
{
    stop_workers(p, 1);
    if (p->workers) {
        for (unsigned i = 0; i < p->n_threads; i++) {
            ns_analyzer_free(p->workers[i].an);
            ix_inv_free(p->workers[i].inv);
            ix_docstore_cctx_free(p->workers[i].zc);
            ns_free(p->workers[i].toks);
            ns_buf_release(&p->workers[i].tbytes);
        }
        ns_free(p->workers);
        p->workers = NULL;
    }
    for (ix_batch *bt = p->fl_head, *next; bt; bt = next) {
        next = bt->onext;
        ix_batch_free(bt);
    }
    p->fl_head = p->fl_tail = p->q_head = p->q_tail = NULL;
    for (size_t i = 0; i < p->n_runs; i++) {
        unlink(p->runs[i]);
        ns_free(p->runs[i]);
    }
    ns_free(p->runs);
    p->runs = NULL;
    p->n_runs = p->cap_runs = 0;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
}

int ix_pipe_started(const ix_pipe *p) { return p->workers != NULL; }

void ix_pipe_submit(ix_pipe *p, ix_batch *bt)
{
    pthread_mutex_lock(&p->mu);
    if (p->q_tail)
        p->q_tail->next = bt;
    else
        p->q_head = bt;
    p->q_tail = bt;
    if (p->fl_tail)
        p->fl_tail->onext = bt;
    else
        p->fl_head = bt;
    p->fl_tail = bt;
    p->n_inflight++;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
}

ix_batch *ix_pipe_take(ix_pipe *p, size_t keep)
{
    pthread_mutex_lock(&p->mu);
    while (p->fl_head && !p->fl_head->done && p->n_inflight > keep)
        pthread_cond_wait(&p->cv_done, &p->mu);
    ix_batch *bt = p->fl_head;
    if (!bt || !bt->done) {
        pthread_mutex_unlock(&p->mu);
        return NULL;
    }
    p->fl_head = bt->onext;
    if (!p->fl_head)
        p->fl_tail = NULL;
    p->n_inflight--;
    pthread_mutex_unlock(&p->mu);
    return bt;
}

void ix_pipe_process_here(ix_pipe *p, ix_batch *bt) { process_batch(&p->workers[0], bt); }

ns_rc ix_pipe_account_here(ix_pipe *p, ns_err *err)
{
    ix_pipe_worker *w = &p->workers[0];
    w->inv_mem = ix_inv_mem(w->inv);
    w->an_mem = analyzer_mem(w->an);
    ns_rc rc;
    if (should_flush(p, w) && (rc = flush_worker(w))) {
        *err = w->err;
        return rc;
    }
    return NS_OK;
}

void ix_pipe_set_other_mem(ix_pipe *p, size_t bytes)
{
    pthread_mutex_lock(&p->mu);
    p->other_mem = bytes;
    pthread_mutex_unlock(&p->mu);
}

ns_rc ix_pipe_finish(ix_pipe *p, ns_err *err)
{
    ns_rc rc;
    if (p->n_threads == 1) {
        if ((rc = ix_inv_sort(p->workers[0].inv)))
            return ns_err_set(err, rc, "out of memory");
        return NS_OK;
    }
    stop_workers(p, 0);
    return ix_pipe_failure(p, err);
}

ns_rc ix_pipe_spill(ix_pipe *p, ns_err *err)
{
    ns_rc rc;
    for (unsigned i = 0; i < p->n_threads && p->n_runs; i++) {
        ix_pipe_worker *w = &p->workers[i];
        if (ix_inv_n_terms(w->inv) && (rc = flush_worker(w))) {
            *err = w->err;
            return rc;
        }
    }
    return NS_OK;
}

ix_inv *ix_pipe_inv(const ix_pipe *p, unsigned i) { return p->workers[i].inv; }

uint64_t ix_pipe_long_words(const ix_pipe *p)
{
    uint64_t n = 0;
    for (unsigned i = 0; p->workers && i < p->n_threads; i++) {
        ns_analyzer_stats st;
        ns_analyzer_get_stats(p->workers[i].an, &st);
        n += st.long_split;
    }
    return n;
}

void ix_pipe_run_stats(const ix_pipe *p, uint64_t *n_runs, uint64_t *bytes)
{
    pthread_mutex_t *mu = (pthread_mutex_t *)&p->mu; /* not a change of p's state */
    pthread_mutex_lock(mu);
    *n_runs = p->n_runs_written;
    *bytes = p->run_bytes;
    pthread_mutex_unlock(mu);
}
