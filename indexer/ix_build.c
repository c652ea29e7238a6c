/* ix_build: the public face of a build (see ix_build.h): settings, document
 * intake (validation, UTF-8 repair, doc ids, batches), collecting analysed
 * batches in input order on the calling thread (warnings, empty documents,
 * duplicate ids, document lengths, docstore blocks, progress), and the
 * sequence of the commit.
 *
 * The other jobs of a build have their own files, which this one drives:
 *   ix_tmpdir  the temporary directory, stale-temporary cleanup, install;
 *   ix_batch   the batch, the unit of work between intake and the workers;
 *   ix_pipe    the worker threads, memory accounting and run files;
 *   ix_commit  the final merge of runs and inverters into the index files. */
#include "ix_build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ix_batch.h"
#include "ix_commit.h"
#include "ix_docstore.h"
#include "ix_pipe.h"
#include "ix_tmpdir.h"
#include "ix_writer.h"
#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "ns_format.h"
#include "ns_utf8.h"

/* At most this many run files are merged at once (file descriptors, read
 * buffers); more are first merged into bigger runs. */
#define IX_MAX_FANIN 64

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

struct ix_build {
    char *out_dir, *tmp_dir; /* owned */
    ns_analyzer *an;         /* owned; language and identity */
    ix_docstore *ds;         /* owned; NULL once finished at commit */
    uint32_t *doclens; /* owned, per doc id (collected documents) */
    uint32_t n_slots;  /* doc ids given out */
    uint32_t n_collected, cap_docs;
    idmap ids;
    ix_warn_cb warn;
    void *warn_ctx;
    ix_build_stats st;
    ns_buf fields[5]; /* repaired copies of the current doc's fields */
    int committed;
    ix_lock lock;     /* owned: the target's lock (ix_tmpdir_lock) */
    int allow_empty;  /* commit an index without live documents */

    ix_pipe pipe;           /* embedded; workers start at the first batch */
    ix_batch *free_batches; /* owned, linked by next */
    ix_batch *cur;          /* owned, being filled */
    size_t blk_raw;         /* bytes of records in the current open block */
    size_t max_fanin;       /* run files merged at once (ix_commit) */
    ix_progress_cb progress;
    void *progress_ctx;
    uint64_t raw_total;
};

int ix_build_clean_stale(const char *out_dir) { return ix_tmpdir_clean_stale(out_dir); }

/* Reports a warning now: counts it and calls the callback. */
static void emit(ix_build *b, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
{
    b->st.warnings[kind]++;
    if (b->warn)
        b->warn(b->warn_ctx, kind, file, line, msg);
}

/* A fresh batch starting at the next doc id (recycled when possible).
 * Returns: owned by the caller; NULL when out of memory. */
static ix_batch *batch_get(ix_build *b)
{
    ix_batch *bt = ix_batch_get(&b->free_batches, b->n_slots);
    if (bt)
        b->blk_raw = 0;
    return bt;
}

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
    ix_batch *bt = b->cur ? b->cur : batch_get(b);
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

ns_rc ix_build_new(const char *out_dir, const char *lang, ix_warn_cb warn, void *warn_ctx,
                   ix_build **out, ns_err *err)
{
    ix_build_opts o = {lang, warn, warn_ctx, 0};
    return ix_build_new_opts(out_dir, &o, out, err);
}

ns_rc ix_build_new_opts(const char *out_dir, const ix_build_opts *o, ix_build **out, ns_err *err)
{
    *out = NULL;
    ix_build *b = ns_calloc(1, sizeof *b);
    if (!b)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    b->lock.fd = -1;
    b->warn = o->warn;
    b->warn_ctx = o->warn_ctx;
    const char *lang = o->lang ? o->lang : "english";
    ix_pipe_init(&b->pipe, IX_DEFAULT_MEM);
    b->max_fanin = IX_MAX_FANIN;
    for (int i = 0; i < 5; i++)
        ns_buf_init(&b->fields[i]);
    ns_buf_init(&b->ids.keys);
    ns_rc rc = ns_analyzer_new(lang, &b->an, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    rc = ix_tmpdir_create(out_dir, o->wait_lock, &b->out_dir, &b->tmp_dir, &b->lock, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    b->pipe.tmp_dir = b->tmp_dir;
    rc = ix_docstore_open(b->tmp_dir, &b->ds, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    *out = b;
    return NS_OK;
}

static int started(const ix_build *b) { return ix_pipe_started(&b->pipe) || b->cur || b->n_slots; }

ns_rc ix_build_set_threads(ix_build *b, unsigned n_threads, ns_err *err)
{
    if (n_threads < 1 || n_threads > IX_MAX_THREADS)
        return ns_err_set(err, NS_E_ARG, "thread count %u out of range 1..%u", n_threads,
                          IX_MAX_THREADS);
    if (started(b))
        return ns_err_set(err, NS_E_ARG, "internal error: threads set after the first document");
    b->pipe.n_threads = n_threads;
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
    b->pipe.mem = bytes;
    return NS_OK;
}

void ix_build_set_progress(ix_build *b, ix_progress_cb cb, void *ctx, uint64_t raw_total)
{
    b->progress = cb;
    b->progress_ctx = ctx;
    b->raw_total = raw_total;
}

void ix_build_set_max_fanin(ix_build *b, unsigned n) { b->max_fanin = n < 2 ? 2 : n; }

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
static void replay_events(ix_build *b, ix_batch *bt, size_t *off, uint32_t upto)
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
    return (b->pipe.max_inflight + 2) * b->pipe.batch_target * 2;
}

/* Takes a finished batch back: warnings, empty documents, duplicate ids,
 * document lengths, docstore blocks, progress. */
static ns_rc collect(ix_build *b, ix_batch *bt, ns_err *err)
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
    ix_pipe_set_other_mem(&b->pipe, other);
    if (b->progress) {
        ix_progress pr = {b->n_collected, b->st.bytes_in, b->st.raw_in, b->raw_total, 0};
        b->progress(b->progress_ctx, &pr);
    }
    return NS_OK;
}

/* Collects finished batches in order; waits while more than `keep` are in
 * flight. */
static ns_rc collect_ready(ix_build *b, size_t keep, ns_err *err)
{
    for (;;) {
        ix_batch *bt = ix_pipe_take(&b->pipe, keep);
        if (!bt)
            return ix_pipe_failure(&b->pipe, err);
        ns_rc rc = collect(b, bt, err);
        ix_batch_put(&b->free_batches, bt);
        if (!rc)
            rc = ix_pipe_failure(&b->pipe, err);
        if (rc)
            return rc;
    }
}

/* Sends the current batch to a worker (or, with one thread, processes and
 * collects it here). */
static ns_rc dispatch(ix_build *b, ns_err *err)
{
    ix_batch *bt = b->cur;
    b->cur = NULL;
    if (!bt)
        return NS_OK;
    if (b->pipe.n_threads == 1) {
        ix_pipe_process_here(&b->pipe, bt);
        ns_rc rc = collect(b, bt, err);
        ix_batch_put(&b->free_batches, bt);
        if (rc)
            return rc;
        return ix_pipe_account_here(&b->pipe, err);
    }
    ix_pipe_submit(&b->pipe, bt);
    return collect_ready(b, b->pipe.max_inflight - 1, err);
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
    if (!ix_pipe_started(&b->pipe) && (rc = ix_pipe_start(&b->pipe, b->an, err)))
        return rc;
    if (!b->cur && !(b->cur = batch_get(b)))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ix_batch *bt = b->cur;
    const char *src = doc->src ? doc->src : "";
    if (ix_batch_reserve_doc(bt))
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
        if (ix_batch_close_block(bt))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        b->blk_raw = 0;
        if (bt->recs.len >= b->pipe.batch_target)
            return dispatch(b, err);
    }
    return NS_OK;
}

ns_rc ix_build_wait(ix_build *b, ns_err *err)
{
    ix_batch *bt = b->cur;
    if (bt) {
        uint32_t last = bt->n_blocks ? bt->blk_end[bt->n_blocks - 1] : 0;
        if (bt->n_docs > last && ix_batch_close_block(bt))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        b->blk_raw = 0;
        if (!ix_pipe_started(&b->pipe)) {
            /* only warnings so far: replay them */
            size_t ev = 0;
            replay_events(b, bt, &ev, UINT32_MAX);
            b->cur = NULL;
            ix_batch_put(&b->free_batches, bt);
            return NS_OK;
        }
        ns_rc rc = dispatch(b, err);
        if (rc)
            return rc;
    }
    if (b->pipe.n_threads == 1 || !ix_pipe_started(&b->pipe))
        return NS_OK;
    return collect_ready(b, 0, err);
}

void ix_build_get_stats(const ix_build *b, ix_build_stats *st)
{
    *st = b->st;
    ix_pipe_run_stats(&b->pipe, &st->n_runs, &st->run_bytes);
}

void ix_build_free(ix_build *b)
{
    if (!b)
        return;
    ix_pipe_release(&b->pipe);
    for (ix_batch *bt = b->free_batches, *next; bt; bt = next) {
        next = bt->next;
        ix_batch_free(bt);
    }
    ix_batch_free(b->cur);
    ix_docstore_free(b->ds);
    if (b->tmp_dir && !b->committed)
        ix_tmpdir_remove(b->tmp_dir);
    ix_tmpdir_unlock(&b->lock); /* after the temporary is gone */
    ns_free(b->tmp_dir);
    ns_free(b->out_dir);
    ns_analyzer_free(b->an);
    ns_free(b->doclens);
    ns_free(b->ids.slots);
    ns_free(b->ids.key_ref);
    ns_buf_release(&b->ids.keys);
    for (int i = 0; i < 5; i++)
        ns_buf_release(&b->fields[i]);
    ns_free(b);
}

void ix_build_set_allow_empty(ix_build *b, int allow) { b->allow_empty = allow; }

ns_rc ix_build_commit(ix_build *b, ns_err *err)
{
    ns_rc rc = ix_build_wait(b, err);
    if (rc)
        return rc;
    if (b->st.n_docs == 0 && !b->allow_empty)
        return ns_err_set(err, NS_E_ARG,
                          "no documents to index (%llu read, none with words): an empty index "
                          "would replace '%s'",
                          (unsigned long long)b->st.n_docs_in, b->out_dir);
    /* no documents at all: no workers yet */
    if (!ix_pipe_started(&b->pipe) && (rc = ix_pipe_start(&b->pipe, b->an, err)))
        return rc;
    if ((rc = ix_pipe_finish(&b->pipe, err)))
        return rc;
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
    if ((rc = ix_pipe_spill(&b->pipe, err)))
        return rc;
    ix_writer_stats ws;
    rc = ix_commit_write(&b->pipe, b->max_fanin, b->an, b->doclens, b->n_collected, ds_size, &ws,
                         err);
    if (rc)
        return rc;
    b->st.n_terms = ws.n_terms;
    b->st.n_postings = ws.n_postings;
    b->st.index_bytes = 0;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        b->st.bytes[k] = ws.bytes[k];
        b->st.index_bytes += ws.bytes[k];
    }
    int installed = 0;
    rc = ix_tmpdir_install(b->tmp_dir, b->out_dir, &installed, err);
    b->committed = installed;
    return rc;
}

int ix_build_installed(const ix_build *b) { return b->committed; }
