/* ix_build: document intake, the analysis pipeline, the final merge and
 * atomic installation of the index (see ix_build.h). */
#include "ix_build.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "ix_docstore.h"
#include "ix_inv.h"
#include "ix_run.h"
#include "ix_tmpdir.h"
#include "ix_writer.h"
#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "ns_format.h"
#include "ns_utf8.h"

/* A batch closes at the first docstore block boundary after this many bytes
 * of records: big enough that queue traffic is negligible (~1000 news
 * articles), small enough that a few batches per thread in flight cost
 * little of the budget.  Smaller budgets get smaller batches. */
#define IX_BATCH_MAX ((size_t)1 << 20)
#define IX_BATCH_MIN ((size_t)64 << 10)
/* At most this many run files are merged at once (file descriptors, read
 * buffers); more are first merged into bigger runs. */
#define IX_MAX_FANIN 64
/* An inverter is flushed at this size whatever the budget (its pool
 * addresses 4 GiB). */
#define IX_INV_MAX ((size_t)3 << 30)
/* The inverters get at least this much even when the budget is eaten by
 * per-document tables (the budget is then exceeded, not the build failed). */
#define IX_INV_MIN ((size_t)256 << 10)

/* id -> doc id map of the live documents, open addressing over offsets
 * into an arena. */
typedef struct idmap {
    uint32_t *slots; /* owned: doc id + 1, 0 empty */
    uint32_t n_slots, n;
    uint64_t *key_ref; /* owned: per doc id: (offset << 16 | len) into keys */
    ns_buf keys;
} idmap;

/* A warning raised while reading, replayed in order when its batch is
 * collected. */
typedef struct ev_hdr {
    uint32_t at;   /* documents of the batch added before it */
    uint32_t kind; /* ix_warn_kind */
    uint64_t line;
    uint32_t file_len; /* UINT32_MAX: no file */
    uint32_t msg_len;
} ev_hdr;

/* Consecutive documents (whole docstore blocks) on their way through a
 * worker and back. */
typedef struct batch {
    struct batch *next;  /* work queue or free list */
    struct batch *onext; /* batches in flight, in input order */
    uint32_t first_doc, n_docs, cap_docs;
    ns_buf recs;        /* the documents' docstore records, back to back */
    uint32_t *rec_end;  /* per document: end of its record in recs */
    uint32_t *src;      /* per document: offset of its source name in strs */
    uint64_t *line;     /* per document */
    uint32_t *doclen;   /* per document: tokens (worker) */
    uint32_t *blk_end;  /* per docstore block: index of its last document + 1 */
    uint32_t *comp_len; /* per block: compressed length (worker) */
    uint32_t n_blocks, cap_blocks;
    ns_buf comp;   /* the compressed blocks, back to back (worker) */
    ns_buf events; /* ev_hdr, file, msg; ... */
    ns_buf strs;   /* NUL-terminated source names */
    uint32_t last_src;
    int has_src;
    int done; /* under the mutex */
    ns_rc rc; /* worker failure */
    ns_err err;
} batch;

typedef struct worker {
    ix_build *b;
    pthread_t tid;
    int started;
    ns_analyzer *an;
    ix_inv *inv;
    ix_docstore_cctx *zc;
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
} worker;

struct ix_build {
    char *out_dir, *tmp_dir; /* owned */
    ns_analyzer *an;         /* language and identity */
    ix_docstore *ds;
    uint32_t *doclens; /* owned, per doc id (collected documents) */
    uint32_t n_slots;  /* doc ids given out */
    uint32_t n_collected, cap_docs;
    idmap ids;
    ix_warn_cb warn;
    void *warn_ctx;
    ix_build_stats st;
    ns_buf fields[5]; /* repaired copies of the current doc's fields */
    int committed;

    /* pipeline */
    unsigned n_threads;
    uint64_t mem;
    worker *workers; /* owned, n_threads; NULL until the first batch */
    int threads_running;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    batch *q_head, *q_tail;   /* work queue */
    batch *fl_head, *fl_tail; /* in flight, in order */
    size_t n_inflight, max_inflight;
    batch *free_batches;
    batch *cur; /* being filled */
    size_t batch_target;
    size_t blk_raw; /* bytes of records in the current open block */
    int stop, finishing, aborting;
    size_t other_mem; /* batches and per-document tables, under the mutex */
    char **runs;      /* owned run paths, under the mutex */
    size_t n_runs, cap_runs;
    unsigned run_seq;
    uint64_t n_runs_written, run_bytes; /* under the mutex */
    size_t max_fanin;
    ix_progress_cb progress;
    void *progress_ctx;
    uint64_t raw_total;
};

int ix_build_clean_stale(const char *out_dir) { return ix_tmpdir_clean_stale(out_dir); }

/* ---- builder ---- */

/* Reports a warning now: counts it and calls the callback. */
static void emit(ix_build *b, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
{
    b->st.warnings[kind]++;
    if (b->warn)
        b->warn(b->warn_ctx, kind, file, line, msg);
}

static batch *batch_get(ix_build *b);

void ix_build_warn(ix_build *b, ix_warn_kind kind, const char *file, uint64_t line,
                   const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Queued with the current batch so that warnings come out in input
     * order, interleaved with those found by the workers. */
    batch *bt = b->cur ? b->cur : batch_get(b);
    if (bt) {
        b->cur = bt;
        ev_hdr h = {bt->n_docs, (uint32_t)kind, line, file ? (uint32_t)strlen(file) : UINT32_MAX,
                    (uint32_t)strlen(msg)};
        size_t mark = bt->events.len;
        if (!ns_buf_append(&bt->events, &h, sizeof h) &&
            (!file || !ns_buf_append(&bt->events, file, h.file_len)) &&
            !ns_buf_append(&bt->events, msg, h.msg_len))
            return;
        bt->events.len = mark;
    }
    emit(b, kind, file, line, msg); /* out of memory: report it now */
}

void ix_build_count_bytes(ix_build *b, uint64_t n) { b->st.bytes_in += n; }
void ix_build_count_raw(ix_build *b, uint64_t n) { b->st.raw_in += n; }

static void batch_free(batch *bt)
{
    if (!bt)
        return;
    ns_buf_release(&bt->recs);
    ns_buf_release(&bt->comp);
    ns_buf_release(&bt->events);
    ns_buf_release(&bt->strs);
    ns_free(bt->rec_end);
    ns_free(bt->src);
    ns_free(bt->line);
    ns_free(bt->doclen);
    ns_free(bt->blk_end);
    ns_free(bt->comp_len);
    ns_free(bt);
}

/* A fresh batch starting at the next doc id (recycled when possible). */
static batch *batch_get(ix_build *b)
{
    batch *bt = b->free_batches;
    if (bt) {
        b->free_batches = bt->next;
    } else {
        bt = ns_calloc(1, sizeof *bt);
        if (!bt)
            return NULL;
    }
    bt->next = bt->onext = NULL;
    bt->first_doc = b->n_slots;
    bt->n_docs = bt->n_blocks = 0;
    ns_buf_reset(&bt->recs);
    ns_buf_reset(&bt->comp);
    ns_buf_reset(&bt->events);
    ns_buf_reset(&bt->strs);
    bt->has_src = 0;
    bt->done = 0;
    bt->rc = NS_OK;
    b->blk_raw = 0;
    return bt;
}

static void batch_put(ix_build *b, batch *bt)
{
    bt->next = b->free_batches;
    b->free_batches = bt;
}

static ns_rc grow_u32(uint32_t **p, size_t n)
{
    uint32_t *q = ns_realloc(*p, n * sizeof *q);
    if (!q)
        return NS_E_NOMEM;
    *p = q;
    return NS_OK;
}

static ns_rc batch_reserve_doc(batch *bt)
{
    if (bt->n_docs < bt->cap_docs)
        return NS_OK;
    size_t c = bt->cap_docs ? (size_t)bt->cap_docs * 2 : 256;
    if (grow_u32(&bt->rec_end, c) || grow_u32(&bt->src, c) || grow_u32(&bt->doclen, c))
        return NS_E_NOMEM;
    uint64_t *l = ns_realloc(bt->line, c * sizeof *l);
    if (!l)
        return NS_E_NOMEM;
    bt->line = l;
    bt->cap_docs = (uint32_t)c;
    return NS_OK;
}

static ns_rc batch_close_block(batch *bt)
{
    if (bt->n_blocks == bt->cap_blocks) {
        size_t c = bt->cap_blocks ? (size_t)bt->cap_blocks * 2 : 64;
        if (grow_u32(&bt->blk_end, c) || grow_u32(&bt->comp_len, c))
            return NS_E_NOMEM;
        bt->cap_blocks = (uint32_t)c;
    }
    bt->blk_end[bt->n_blocks++] = bt->n_docs;
    return NS_OK;
}

ns_rc ix_build_new(const char *out_dir, const char *lang, ix_warn_cb warn, void *warn_ctx,
                   ix_build **out, ns_err *err)
{
    ix_build *b = ns_calloc(1, sizeof *b);
    if (!b)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    b->warn = warn;
    b->warn_ctx = warn_ctx;
    b->n_threads = 1;
    b->mem = IX_DEFAULT_MEM;
    b->max_fanin = IX_MAX_FANIN;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv_work, NULL);
    pthread_cond_init(&b->cv_done, NULL);
    for (int i = 0; i < 5; i++)
        ns_buf_init(&b->fields[i]);
    ns_buf_init(&b->ids.keys);
    ns_rc rc = ns_analyzer_new(lang, &b->an, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    rc = ix_tmpdir_create(out_dir, &b->out_dir, &b->tmp_dir, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    rc = ix_docstore_open(b->tmp_dir, &b->ds, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    *out = b;
    return NS_OK;
}

static int started(const ix_build *b) { return b->workers || b->cur || b->n_slots; }

ns_rc ix_build_set_threads(ix_build *b, unsigned n_threads, ns_err *err)
{
    if (n_threads < 1 || n_threads > IX_MAX_THREADS)
        return ns_err_set(err, NS_E_ARG, "thread count %u out of range 1..%u", n_threads,
                          IX_MAX_THREADS);
    if (started(b))
        return ns_err_set(err, NS_E_ARG, "internal error: threads set after the first document");
    b->n_threads = n_threads;
    return NS_OK;
}

const char *ix_build_lang(const ix_build *b) { return ns_analyzer_lang(b->an); }

ns_rc ix_build_set_stop_list(ix_build *b, uint32_t list, ns_err *err)
{
    if (started(b))
        return ns_err_set(err, NS_E_ARG, "internal error: stop list set after the first document");
    return ns_analyzer_set_stop_list(b->an, list, err);
}

ns_rc ix_build_set_mem(ix_build *b, uint64_t bytes, ns_err *err)
{
    if (bytes < IX_MIN_MEM)
        return ns_err_set(err, NS_E_ARG, "memory budget of %llu bytes is below the minimum of %llu",
                          (unsigned long long)bytes, (unsigned long long)IX_MIN_MEM);
    if (started(b))
        return ns_err_set(err, NS_E_ARG, "internal error: memory set after the first document");
    b->mem = bytes;
    return NS_OK;
}

void ix_build_set_progress(ix_build *b, ix_progress_cb cb, void *ctx, uint64_t raw_total)
{
    b->progress = cb;
    b->progress_ctx = ctx;
    b->raw_total = raw_total;
}

void ix_build_set_max_fanin(ix_build *b, unsigned n) { b->max_fanin = n < 2 ? 2 : n; }

/* ---- workers ---- */

/* Gathers the document's tokens (the analyzer's term is only valid during
 * the call) for ix_inv_add_doc. */
static int on_token(void *ctx, const ns_token *t)
{
    worker *w = ctx;
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
    memcpy(w->tbytes.data + w->tbytes.len, t->term, t->term_len);
    w->tbytes.len += t->term_len;
    return 0;
}

/* Analyses the batch's documents into w's inverter and compresses its
 * docstore blocks.  Failures go to bt->rc / bt->err. */
static void process_batch(worker *w, batch *bt)
{
    ns_rc rc = NS_OK;
    uint32_t start = 0;
    for (uint32_t i = 0; i < bt->n_docs && !rc; i++) {
        const uint8_t *p = bt->recs.data + start, *end = bt->recs.data + bt->rec_end[i];
        ns_docrec r;
        if (ns_docrec_get(&p, end, &r) != 0) {
            bt->rc = ns_err_set(&bt->err, NS_E_CORRUPT, "internal error: bad record in batch");
            return;
        }
        w->pos_base = 0;
        w->n_words = 0;
        w->n_toks = 0;
        ns_buf_reset(&w->tbytes);
        w->tok_rc = NS_OK;
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
        if (!rc)
            rc = ix_inv_add_doc(w->inv, bt->first_doc + i, w->tbytes.data, w->toks, w->n_toks);
        bt->doclen[i] = w->n_words; /* stop words count: positions stay below it */
        start = bt->rec_end[i];
    }
    for (uint32_t k = 0; k < bt->n_blocks && !rc; k++) {
        uint32_t d0 = k ? bt->blk_end[k - 1] : 0;
        size_t r0 = d0 ? bt->rec_end[d0 - 1] : 0, r1 = bt->rec_end[bt->blk_end[k] - 1];
        size_t n;
        rc = ix_docstore_compress(w->zc, bt->recs.data + r0, r1 - r0, &bt->comp, &n);
        if (rc == NS_E_IO) {
            bt->rc = ns_err_set(&bt->err, rc, "zstd compression failed");
            return;
        }
        bt->comp_len[k] = (uint32_t)n;
    }
    if (rc)
        bt->rc = ns_err_set(&bt->err, rc, "out of memory");
}

/* Sorts w's inverter and writes it as a run file. */
static ns_rc flush_worker(worker *w)
{
    ix_build *b = w->b;
    ns_rc rc = ix_inv_sort(w->inv);
    if (rc)
        return ns_err_set(&w->err, rc, "out of memory");
    pthread_mutex_lock(&b->mu);
    unsigned seq = b->run_seq++;
    pthread_mutex_unlock(&b->mu);
    char name[32];
    snprintf(name, sizeof name, IX_RUN_PREFIX "%06u", seq);
    char *path = ix_tmpdir_path(b->tmp_dir, name);
    if (!path)
        return ns_err_set(&w->err, NS_E_NOMEM, "out of memory");
    uint64_t bytes = 0;
    rc = ix_run_write_inv(w->inv, path, &bytes, &w->err);
    if (!rc) {
        pthread_mutex_lock(&b->mu);
        if (b->n_runs == b->cap_runs) {
            size_t c = b->cap_runs ? b->cap_runs * 2 : 16;
            char **r = ns_realloc(b->runs, c * sizeof *r);
            if (r) {
                b->runs = r;
                b->cap_runs = c;
            }
        }
        if (b->n_runs < b->cap_runs) {
            b->runs[b->n_runs++] = path;
            b->n_runs_written++;
            b->run_bytes += bytes;
            path = NULL;
        } else {
            rc = ns_err_set(&w->err, NS_E_NOMEM, "out of memory");
        }
        pthread_mutex_unlock(&b->mu);
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
static int should_flush(const ix_build *b, const worker *w)
{
    if (w->inv_mem >= IX_INV_MAX)
        return 1;
    size_t total = 0, other = b->other_mem;
    for (unsigned i = 0; i < b->n_threads; i++) {
        total += b->workers[i].inv_mem;
        other += b->workers[i].an_mem;
    }
    size_t avail = b->mem > other + IX_INV_MIN ? (size_t)(b->mem - other) : IX_INV_MIN;
    return total > avail && w->inv_mem * b->n_threads >= total;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    ix_build *b = w->b;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->q_head && !b->stop)
            pthread_cond_wait(&b->cv_work, &b->mu);
        if (b->aborting || !b->q_head)
            break;
        batch *bt = b->q_head;
        b->q_head = bt->next;
        if (!b->q_head)
            b->q_tail = NULL;
        pthread_mutex_unlock(&b->mu);
        process_batch(w, bt);
        pthread_mutex_lock(&b->mu);
        bt->done = 1;
        w->inv_mem = ix_inv_mem(w->inv);
        w->an_mem = analyzer_mem(w->an);
        int flush = !w->rc && should_flush(b, w);
        pthread_cond_broadcast(&b->cv_done);
        if (flush) {
            pthread_mutex_unlock(&b->mu);
            ns_rc rc = flush_worker(w);
            pthread_mutex_lock(&b->mu);
            if (rc)
                w->rc = rc;
            w->inv_mem = ix_inv_mem(w->inv);
            pthread_cond_broadcast(&b->cv_done);
        }
    }
    int sort = b->finishing && !b->aborting && !w->rc;
    pthread_mutex_unlock(&b->mu);
    if (sort) {
        ns_rc rc = ix_inv_sort(w->inv);
        if (rc) {
            pthread_mutex_lock(&b->mu);
            w->rc = ns_err_set(&w->err, rc, "out of memory");
            pthread_mutex_unlock(&b->mu);
        }
    }
    return NULL;
}

static ns_rc start_workers(ix_build *b, ns_err *err)
{
    b->workers = ns_calloc(b->n_threads, sizeof *b->workers);
    if (!b->workers)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    for (unsigned i = 0; i < b->n_threads; i++) {
        worker *w = &b->workers[i];
        w->b = b;
        ns_rc rc = ns_analyzer_new(ns_analyzer_lang(b->an), &w->an, err);
        if (!rc)
            rc = ns_analyzer_set_stop_list(w->an, ns_analyzer_stop_list(b->an), err);
        if (rc)
            return rc;
        if (ix_inv_new(&w->inv) || !(w->zc = ix_docstore_cctx_new()))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    /* Per batch: records, compressed blocks (~half) and tables. */
    b->max_inflight = 2 * (size_t)b->n_threads + 1;
    size_t t = (size_t)(b->mem / (8 * (b->max_inflight + 2)));
    b->batch_target = t < IX_BATCH_MIN ? IX_BATCH_MIN : t > IX_BATCH_MAX ? IX_BATCH_MAX : t;
    if (b->n_threads == 1)
        return NS_OK;
    for (unsigned i = 0; i < b->n_threads; i++) {
        worker *w = &b->workers[i];
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
            return ns_err_sys(err, NS_E_NOMEM, errno, "cannot start a thread");
        w->started = 1;
        b->threads_running = 1;
    }
    return NS_OK;
}

/* Stops the threads: after the queue is empty (finishing: each sorts its
 * inverter), or at once (aborting). */
static void stop_workers(ix_build *b, int abort_now)
{
    if (!b->threads_running)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    if (abort_now)
        b->aborting = 1;
    else
        b->finishing = 1;
    pthread_cond_broadcast(&b->cv_work);
    pthread_mutex_unlock(&b->mu);
    for (unsigned i = 0; i < b->n_threads; i++)
        if (b->workers[i].started)
            pthread_join(b->workers[i].tid, NULL);
    b->threads_running = 0;
}

/* ---- collecting batches (calling thread, input order) ---- */

static ns_rc idmap_grow(idmap *m)
{
    uint32_t n = m->n_slots ? m->n_slots * 2 : 1024;
    uint32_t *s = ns_calloc(n, sizeof *s);
    if (!s)
        return NS_E_NOMEM;
    for (uint32_t i = 0; i < m->n_slots; i++) {
        uint32_t v = m->slots[i];
        if (!v)
            continue;
        uint64_t ref = m->key_ref[v - 1];
        uint64_t h = XXH3_64bits(m->keys.data + (ref >> 16), ref & 0xffff);
        uint32_t j = (uint32_t)h & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = v;
    }
    ns_free(m->slots);
    m->slots = s;
    m->n_slots = n;
    return NS_OK;
}

/* Looks id up; returns the previous doc id holding it or UINT32_MAX, and
 * records doc_id for it. */
static ns_rc idmap_put(idmap *m, const char *id, size_t len, uint32_t doc_id, uint32_t *prev)
{
    *prev = UINT32_MAX;
    if ((uint64_t)(m->n + 1) * 2 > m->n_slots && idmap_grow(m))
        return NS_E_NOMEM;
    uint64_t h = XXH3_64bits(id, len);
    uint32_t j = (uint32_t)h & (m->n_slots - 1);
    while (m->slots[j]) {
        uint32_t d = m->slots[j] - 1;
        uint64_t ref = m->key_ref[d];
        if ((ref & 0xffff) == len && memcmp(m->keys.data + (ref >> 16), id, len) == 0) {
            *prev = d;
            m->key_ref[doc_id] = ref;
            m->slots[j] = doc_id + 1;
            return NS_OK;
        }
        j = (j + 1) & (m->n_slots - 1);
    }
    m->key_ref[doc_id] = ((uint64_t)m->keys.len << 16) | len;
    if (ns_buf_append(&m->keys, id, len))
        return NS_E_NOMEM;
    m->slots[j] = doc_id + 1;
    m->n++;
    return NS_OK;
}

/* Replays the batch's queued warnings raised before document `upto`. */
static void replay_events(ix_build *b, batch *bt, size_t *off, uint32_t upto)
{
    while (*off < bt->events.len) {
        ev_hdr h;
        memcpy(&h, bt->events.data + *off, sizeof h);
        if (h.at > upto)
            break;
        const char *p = (const char *)bt->events.data + *off + sizeof h;
        char file[4096], msg[512];
        size_t fl = 0;
        if (h.file_len != UINT32_MAX) {
            fl = h.file_len < sizeof file ? h.file_len : sizeof file - 1;
            memcpy(file, p, fl);
            file[fl] = 0;
            p += h.file_len;
        }
        size_t ml = h.msg_len < sizeof msg ? h.msg_len : sizeof msg - 1;
        memcpy(msg, p, ml);
        msg[ml] = 0;
        emit(b, (ix_warn_kind)h.kind, h.file_len != UINT32_MAX ? file : NULL, h.line, msg);
        *off += sizeof h + (h.file_len != UINT32_MAX ? h.file_len : 0) + h.msg_len;
    }
}

static size_t batch_mem(const ix_build *b)
{
    return (b->max_inflight + 2) * b->batch_target * 2;
}

/* Takes a finished batch back: warnings, empty documents, duplicate ids,
 * document lengths, docstore blocks, progress. */
static ns_rc collect(ix_build *b, batch *bt, ns_err *err)
{
    if (bt->rc) {
        *err = bt->err;
        return bt->rc;
    }
    uint32_t need = bt->first_doc + bt->n_docs;
    if (need > b->cap_docs) {
        size_t c = b->cap_docs ? b->cap_docs : 4096;
        while (c < need)
            c *= 2;
        uint32_t *d = ns_realloc(b->doclens, c * sizeof *d);
        if (d)
            b->doclens = d;
        uint64_t *k = d ? ns_realloc(b->ids.key_ref, c * sizeof *k) : NULL;
        if (!k)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        b->ids.key_ref = k;
        b->cap_docs = (uint32_t)c;
    }
    size_t ev = 0;
    uint32_t start = 0;
    for (uint32_t i = 0; i < bt->n_docs; i++) {
        replay_events(b, bt, &ev, i);
        uint32_t doc = bt->first_doc + i, len = bt->doclen[i];
        const uint8_t *p = bt->recs.data + start, *end = bt->recs.data + bt->rec_end[i];
        start = bt->rec_end[i];
        ns_docrec r;
        if (ns_docrec_get(&p, end, &r) != 0)
            return ns_err_set(err, NS_E_CORRUPT, "internal error: bad record in batch");
        const char *src = (const char *)bt->strs.data + bt->src[i];
        b->doclens[doc] = 0;
        b->n_collected = doc + 1;
        if (len == 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "document '%.*s' has no words: skipped",
                     (int)(r.len[0] > 80 ? 80 : r.len[0]), r.f[0]);
            emit(b, IX_WARN_EMPTY, src, bt->line[i], msg);
            continue;
        }
        uint32_t prev;
        if (idmap_put(&b->ids, r.f[0], r.len[0], doc, &prev))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        if (prev != UINT32_MAX) {
            char msg[512];
            snprintf(msg, sizeof msg, "duplicate id '%.*s': this document replaces the earlier one",
                     (int)(r.len[0] > 80 ? 80 : r.len[0]), r.f[0]);
            emit(b, IX_WARN_DUPLICATE, src, bt->line[i], msg);
            b->st.total_tokens -= b->doclens[prev];
            b->st.n_docs--;
            b->doclens[prev] = 0;
        }
        b->doclens[doc] = len;
        b->st.n_docs++;
        b->st.total_tokens += len;
    }
    replay_events(b, bt, &ev, UINT32_MAX);
    size_t off = 0;
    for (uint32_t k = 0; k < bt->n_blocks; k++) {
        uint32_t d0 = k ? bt->blk_end[k - 1] : 0;
        size_t r0 = d0 ? bt->rec_end[d0 - 1] : 0, r1 = bt->rec_end[bt->blk_end[k] - 1];
        ns_rc rc = ix_docstore_add_block(b->ds, bt->comp.data + off, bt->comp_len[k], r1 - r0,
                                         bt->blk_end[k] - d0, err);
        if (rc)
            return rc;
        off += bt->comp_len[k];
    }
    size_t other = (size_t)b->cap_docs * 12 + (size_t)b->ids.n_slots * 4 + b->ids.keys.cap +
                   batch_mem(b);
    pthread_mutex_lock(&b->mu);
    b->other_mem = other;
    pthread_mutex_unlock(&b->mu);
    if (b->progress) {
        ix_progress pr = {b->n_collected, b->st.bytes_in, b->st.raw_in, b->raw_total, 0};
        b->progress(b->progress_ctx, &pr);
    }
    return NS_OK;
}

/* First failure of a worker, if any. */
static ns_rc worker_failure(ix_build *b, ns_err *err)
{
    ns_rc rc = NS_OK;
    pthread_mutex_lock(&b->mu);
    for (unsigned i = 0; i < b->n_threads && !rc; i++) {
        if (b->workers[i].rc) {
            rc = b->workers[i].rc;
            *err = b->workers[i].err;
        }
    }
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* Collects finished batches in order; waits while more than `keep` are in
 * flight. */
static ns_rc collect_ready(ix_build *b, size_t keep, ns_err *err)
{
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (b->fl_head && !b->fl_head->done && b->n_inflight > keep)
            pthread_cond_wait(&b->cv_done, &b->mu);
        batch *bt = b->fl_head;
        if (!bt || !bt->done) {
            pthread_mutex_unlock(&b->mu);
            return worker_failure(b, err);
        }
        b->fl_head = bt->onext;
        if (!b->fl_head)
            b->fl_tail = NULL;
        b->n_inflight--;
        pthread_mutex_unlock(&b->mu);
        ns_rc rc = collect(b, bt, err);
        batch_put(b, bt);
        if (!rc)
            rc = worker_failure(b, err);
        if (rc)
            return rc;
    }
}

/* Sends the current batch to a worker (or, with one thread, processes and
 * collects it here). */
static ns_rc dispatch(ix_build *b, ns_err *err)
{
    batch *bt = b->cur;
    b->cur = NULL;
    if (!bt)
        return NS_OK;
    if (b->n_threads == 1) {
        worker *w = &b->workers[0];
        process_batch(w, bt);
        ns_rc rc = collect(b, bt, err);
        batch_put(b, bt);
        if (rc)
            return rc;
        w->inv_mem = ix_inv_mem(w->inv);
        w->an_mem = analyzer_mem(w->an);
        if (should_flush(b, w) && (rc = flush_worker(w))) {
            *err = w->err;
            return rc;
        }
        return NS_OK;
    }
    pthread_mutex_lock(&b->mu);
    if (b->q_tail)
        b->q_tail->next = bt;
    else
        b->q_head = bt;
    b->q_tail = bt;
    if (b->fl_tail)
        b->fl_tail->onext = bt;
    else
        b->fl_head = bt;
    b->fl_tail = bt;
    b->n_inflight++;
    pthread_cond_signal(&b->cv_work);
    pthread_mutex_unlock(&b->mu);
    return collect_ready(b, b->max_inflight - 1, err);
}

/* Copies a field into b->fields[i], truncating and repairing UTF-8 as needed. */
static ns_rc take_field(ix_build *b, const ix_doc *doc, int i, const char *s, size_t len,
                        size_t limit, const char **out, size_t *out_len)
{
    static const char *const field_names[5] = {"id", "title", "body", "date", "url"};
    ns_buf *f = &b->fields[i];
    ns_buf_reset(f);
    if (!s)
        s = "", len = 0;
    if (len > limit) {
        size_t cut = ns_utf8_floor((const uint8_t *)s, len, limit);
        ix_build_warn(b, IX_WARN_TOOBIG, doc->src, doc->line,
                      "%s of %zu bytes truncated to %zu bytes", field_names[i], len, cut);
        len = cut;
    }
    size_t bad_off;
    if (ns_utf8_valid((const uint8_t *)s, len, &bad_off)) {
        *out = s;
        *out_len = len;
        return NS_OK;
    }
    size_t n_bad = 0;
    if (ns_utf8_repair((const uint8_t *)s, len, f, &n_bad))
        return NS_E_NOMEM;
    ix_build_warn(b, IX_WARN_UTF8, doc->src, doc->line,
                  "invalid UTF-8 in %s (first at byte %zu, %zu bytes): replaced by U+FFFD",
                  field_names[i], bad_off, n_bad);
    *out = (const char *)f->data;
    *out_len = f->len;
    return NS_OK;
}

ns_rc ix_build_add(ix_build *b, const ix_doc *doc, ns_err *err)
{
    b->st.n_docs_in++;
    ns_docrec r;
    char gen_id[64];
    const char *id = doc->id;
    size_t id_len = doc->id_len;
    if (!id || id_len == 0) {
        if (doc->line)
            snprintf(gen_id, sizeof gen_id, "line-%llu", (unsigned long long)doc->line);
        else
            snprintf(gen_id, sizeof gen_id, "doc-%llu", (unsigned long long)b->st.n_docs_in);
        ix_build_warn(b, IX_WARN_FIELD, doc->src, doc->line, "missing id: using '%s'", gen_id);
        id = gen_id;
        id_len = strlen(gen_id);
    }
    ns_rc rc = take_field(b, doc, NS_FIELD_ID, id, id_len, NS_MAX_FIELD_BYTES, &r.f[0], &r.len[0]);
    if (!rc)
        rc = take_field(b, doc, NS_FIELD_TITLE, doc->title, doc->title_len, NS_MAX_FIELD_BYTES,
                        &r.f[1], &r.len[1]);
    if (!rc)
        rc = take_field(b, doc, NS_FIELD_BODY, doc->body, doc->body_len, NS_MAX_DOC_BYTES, &r.f[2],
                        &r.len[2]);
    if (!rc)
        rc = take_field(b, doc, NS_FIELD_DATE, doc->date, doc->date_len, NS_MAX_FIELD_BYTES,
                        &r.f[3], &r.len[3]);
    if (!rc)
        rc = take_field(b, doc, NS_FIELD_URL, doc->url, doc->url_len, NS_MAX_FIELD_BYTES, &r.f[4],
                        &r.len[4]);
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    if (b->n_slots == UINT32_MAX - 1)
        return ns_err_set(err, NS_E_ARG, "too many documents (limit %u)", UINT32_MAX - 1);
    if (!b->workers && (rc = start_workers(b, err)))
        return rc;
    if (!b->cur && !(b->cur = batch_get(b)))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    batch *bt = b->cur;
    const char *src = doc->src ? doc->src : "";
    if (batch_reserve_doc(bt))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (!bt->has_src || strcmp((const char *)bt->strs.data + bt->last_src, src) != 0) {
        size_t off = bt->strs.len;
        if (ns_buf_append(&bt->strs, src, strlen(src) + 1))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        bt->last_src = (uint32_t)off;
        bt->has_src = 1;
    }
    size_t before = bt->recs.len;
    if (ns_docrec_put(&bt->recs, &r))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    uint32_t i = bt->n_docs;
    bt->rec_end[i] = (uint32_t)bt->recs.len;
    bt->src[i] = bt->last_src;
    bt->line[i] = doc->line;
    bt->doclen[i] = 0;
    bt->n_docs++;
    b->n_slots++;
    b->blk_raw += bt->recs.len - before;
    if (b->blk_raw >= NS_DOCSTORE_BLOCK_RAW) {
        if (batch_close_block(bt))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        b->blk_raw = 0;
        if (bt->recs.len >= b->batch_target)
            return dispatch(b, err);
    }
    return NS_OK;
}

ns_rc ix_build_wait(ix_build *b, ns_err *err)
{
    batch *bt = b->cur;
    if (bt) {
        uint32_t last = bt->n_blocks ? bt->blk_end[bt->n_blocks - 1] : 0;
        if (bt->n_docs > last && batch_close_block(bt))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        b->blk_raw = 0;
        if (!b->workers) {
            /* only warnings so far: replay them */
            size_t ev = 0;
            replay_events(b, bt, &ev, UINT32_MAX);
            b->cur = NULL;
            batch_put(b, bt);
            return NS_OK;
        }
        ns_rc rc = dispatch(b, err);
        if (rc)
            return rc;
    }
    if (b->n_threads == 1 || !b->workers)
        return NS_OK;
    return collect_ready(b, 0, err);
}

void ix_build_get_stats(const ix_build *b, ix_build_stats *st)
{
    *st = b->st;
    pthread_mutex_t *mu = (pthread_mutex_t *)&b->mu; /* not a change of b's state */
    pthread_mutex_lock(mu);
    st->n_runs = b->n_runs_written;
    st->run_bytes = b->run_bytes;
    pthread_mutex_unlock(mu);
}

void ix_build_free(ix_build *b)
{
    if (!b)
        return;
    stop_workers(b, 1);
    if (b->workers) {
        for (unsigned i = 0; i < b->n_threads; i++) {
            ns_analyzer_free(b->workers[i].an);
            ix_inv_free(b->workers[i].inv);
            ix_docstore_cctx_free(b->workers[i].zc);
            ns_free(b->workers[i].toks);
            ns_buf_release(&b->workers[i].tbytes);
        }
        ns_free(b->workers);
    }
    for (batch *bt = b->fl_head, *next; bt; bt = next) {
        next = bt->onext;
        batch_free(bt);
    }
    for (batch *bt = b->free_batches, *next; bt; bt = next) {
        next = bt->next;
        batch_free(bt);
    }
    batch_free(b->cur);
    for (size_t i = 0; i < b->n_runs; i++) {
        unlink(b->runs[i]);
        ns_free(b->runs[i]);
    }
    ns_free(b->runs);
    ix_docstore_free(b->ds);
    if (b->tmp_dir && !b->committed)
        ix_tmpdir_remove(b->tmp_dir);
    ns_free(b->tmp_dir);
    ns_free(b->out_dir);
    ns_analyzer_free(b->an);
    ns_free(b->doclens);
    ns_free(b->ids.slots);
    ns_free(b->ids.key_ref);
    ns_buf_release(&b->ids.keys);
    for (int i = 0; i < 5; i++)
        ns_buf_release(&b->fields[i]);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv_work);
    pthread_cond_destroy(&b->cv_done);
    ns_free(b);
}

/* ---- commit ---- */

/* The final merge on several threads, when every posting is in the
 * inverters (no runs): the term space is cut into slices of about equal
 * postings volume at keys of the biggest inverter; threads merge slices
 * into parts (ix_wpart) while this thread appends finished parts in order.
 * At most `window` slices are ahead of the one being appended, which bounds
 * the memory of finished parts. */
typedef struct pmerge {
    ix_build *b;
    ix_writer *w;
    ix_inv **invs;
    size_t n_invs, n_slices, window;
    size_t *bounds;    /* n_slices + 1 rows of n_invs term indices */
    ix_wpart **parts;  /* per slice, once merged */
    ns_rc *rcs;
    ns_err *errs;
    size_t next, appended; /* under the mutex */
    int abort;
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
    ix_build *b = m->b;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!m->abort && m->next < m->n_slices && m->next >= m->appended + m->window)
            pthread_cond_wait(&m->cv, &b->mu);
        if (m->abort || m->next >= m->n_slices)
            break;
        size_t k = m->next++;
        pthread_mutex_unlock(&b->mu);
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
        pthread_mutex_lock(&b->mu);
        m->parts[k] = part;
        m->rcs[k] = rc;
        if (rc) {
            m->errs[k] = err;
            m->abort = 1;
        }
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static ns_rc merge_parallel(ix_build *b, ix_writer *w, ix_inv **invs, ns_err *err)
{
    size_t n = b->n_threads, big = 0;
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
    size_t per = (size_t)(b->mem / 4 / window);
    size_t n_slices = 4 * n;
    if (per && pool / per + 1 > n_slices)
        n_slices = pool / per + 1;
    if (n_slices > n_terms / 16 + 1)
        n_slices = n_terms / 16 + 1;
    pmerge m = {0};
    m.b = b;
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
    pthread_cond_init(&m.cv, NULL);
    size_t started = 0;
    for (; started < n; started++)
        if (pthread_create(&tids[started], NULL, pmerge_main, &m) != 0)
            break;
    if (!started) {
        pthread_cond_destroy(&m.cv);
        rc = ns_err_sys(err, NS_E_NOMEM, errno, "cannot start a thread");
        goto out;
    }
    for (size_t s = 0; s < n_slices && !rc; s++) {
        pthread_mutex_lock(&b->mu);
        while (!m.parts[s] && !m.rcs[s] && !m.abort)
            pthread_cond_wait(&m.cv, &b->mu);
        for (size_t f = 0; f < n_slices && !m.parts[s] && !rc; f++) {
            if (m.rcs[f]) { /* this slice's, or the one that stopped the others */
                rc = m.rcs[f];
                *err = m.errs[f];
            }
        }
        pthread_mutex_unlock(&b->mu);
        if (!rc) {
            rc = ix_writer_append(w, m.parts[s], err);
        }
        ix_wpart_free(m.parts[s]);
        pthread_mutex_lock(&b->mu);
        m.parts[s] = NULL;
        m.appended++;
        if (rc)
            m.abort = 1;
        pthread_cond_broadcast(&m.cv);
        pthread_mutex_unlock(&b->mu);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    pthread_cond_destroy(&m.cv);
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
static size_t read_buf_for(const ix_build *b, size_t n_runs)
{
    size_t per = n_runs ? (size_t)(b->mem / (8 * n_runs)) : 0;
    return per < ((size_t)64 << 10) ? (size_t)64 << 10 : per > ((size_t)1 << 20) ? (size_t)1 << 20 : per;
}

/* Merges runs max_fanin at a time into bigger runs until at most
 * max_fanin remain (the oldest first: any subset merges correctly, doc ids
 * being absolute). */
static ns_rc reduce_runs(ix_build *b, ns_err *err)
{
    size_t fan = b->max_fanin;
    while (b->n_runs > fan) {
        char name[32];
        snprintf(name, sizeof name, IX_RUN_PREFIX "%06u", b->run_seq++);
        char *path = ix_tmpdir_path(b->tmp_dir, name);
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
        rc = ix_merge((const char *const *)b->runs, fan, NULL, 0,
                      read_buf_for(b, fan), &sink, err);
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
            unlink(b->runs[i]);
            ns_free(b->runs[i]);
        }
        memmove(b->runs, b->runs + fan, (b->n_runs - fan) * sizeof *b->runs);
        b->n_runs -= fan;
        b->runs[b->n_runs++] = path; /* room: one slot was just freed */
        b->run_bytes += bytes;
    }
    return NS_OK;
}

ns_rc ix_build_commit(ix_build *b, ns_err *err)
{
    ns_rc rc = ix_build_wait(b, err);
    if (rc)
        return rc;
    if (!b->workers && (rc = start_workers(b, err))) /* no documents at all */
        return rc;
    if (b->n_threads == 1) {
        if ((rc = ix_inv_sort(b->workers[0].inv)))
            return ns_err_set(err, rc, "out of memory");
    } else {
        stop_workers(b, 0);
        if ((rc = worker_failure(b, err)))
            return rc;
    }
    uint64_t ds_size = 0;
    rc = ix_docstore_finish(b->ds, &ds_size, err);
    ix_docstore_free(b->ds);
    b->ds = NULL;
    if (rc)
        return rc;
    if (b->progress) {
        ix_progress pr = {b->n_collected, b->st.bytes_in, b->st.raw_in, b->raw_total, 1};
        b->progress(b->progress_ctx, &pr);
    }
    /* The id map served duplicate detection; the merge needs the room. */
    ns_free(b->ids.slots);
    ns_free(b->ids.key_ref);
    ns_buf_release(&b->ids.keys);
    memset(&b->ids, 0, sizeof b->ids);
    /* With runs, the inverters go out as runs too, so that the merge holds
     * read buffers only and stays within the budget with the per-document
     * tables at their largest. */
    for (unsigned i = 0; i < b->n_threads && b->n_runs; i++) {
        worker *w = &b->workers[i];
        if (ix_inv_n_terms(w->inv) && (rc = flush_worker(w))) {
            *err = w->err;
            return rc;
        }
    }
    if ((rc = reduce_runs(b, err)))
        return rc;
    ix_writer *w;
    rc = ix_writer_open(b->tmp_dir, b->doclens, b->n_collected, &w, err);
    if (rc)
        return rc;
    ix_inv **invs = ns_malloc(b->n_threads * sizeof *invs);
    if (!invs) {
        ix_writer_free(w);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    for (unsigned i = 0; i < b->n_threads; i++)
        invs[i] = b->workers[i].inv;
    ix_sink sink = {w, sink_begin, sink_posting, sink_end};
    if (b->n_threads > 1 && b->n_runs == 0)
        rc = merge_parallel(b, w, invs, err);
    else
        rc = ix_merge((const char *const *)b->runs, b->n_runs, invs, b->n_threads,
                      read_buf_for(b, b->n_runs), &sink, err);
    ns_free(invs);
    ix_writer_stats ws;
    uint64_t identity = rc ? 0 : ns_analyzer_identity(b->an);
    if (!rc && identity == 0) /* libstemmer out of memory */
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (!rc)
        rc = ix_writer_finish(w, ns_analyzer_lang(b->an), ns_analyzer_stop_list(b->an), identity, ds_size, &ws, err);
    ix_writer_free(w);
    for (size_t i = 0; i < b->n_runs; i++) {
        unlink(b->runs[i]);
        ns_free(b->runs[i]);
    }
    b->n_runs = 0;
    if (rc)
        return rc;
    b->st.n_terms = ws.n_terms;
    b->st.n_postings = ws.n_postings;
    b->st.index_bytes = 0;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        b->st.bytes[k] = ws.bytes[k];
        b->st.index_bytes += ws.bytes[k];
    }
    if ((rc = ix_tmpdir_install(b->tmp_dir, b->out_dir, err)))
        return rc;
    b->committed = 1;
    return NS_OK;
}
