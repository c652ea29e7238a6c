#define _GNU_SOURCE /* qsort_r */
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
#include "ix_docs.h"
#include "ix_docstore.h"
#include "ix_file.h"
#include "ix_keyword.h"
#include "ix_pipe.h"
#include "ix_tmpdir.h"
#include "ix_writer.h"
#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "ns_format.h"
#include "ns_endian.h"
#include "ns_keyword.h"
#include "ns_rec.h"
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
    ix_docs *docs;           /* owned; NULL once finished at commit */
    /* the docstore dictionary: its sample (the first bodies) until trained */
    ix_docstore_dict *dict; /* owned; NULL: none (yet) */
    int dict_done;
    ix_dict_sample sample;
    uint64_t held_bytes; /* bytes of documents added before the dictionary */
    ix_batch *held, *held_tail; /* owned: batches waiting for the dictionary */
    uint32_t *doclens; /* owned, per doc id (collected documents) */
    uint16_t *title_lens; /* owned, likewise: positions of each title (0: dead) */
    ix_keyword kw;        /* keyword fields (nindex --field) */
    uint32_t n_slots;  /* doc ids given out */
    uint32_t n_collected, cap_docs;
    idmap ids;
    ix_warn_cb warn;
    void *warn_ctx;
    ix_build_stats st;
    ns_buf fields[5]; /* repaired copies of the current doc's fields */
    ns_buf xbuf;      /* repaired copies of its extra fields */
    ns_docval vals[NS_MAX_EXTRA_FIELDS]; /* its extra fields */
    size_t val_xoff[NS_MAX_EXTRA_FIELDS]; /* offset in xbuf, SIZE_MAX: borrowed */
    int committed;
    ix_lock lock;     /* owned: the target's lock (ix_tmpdir_lock) */
    int allow_empty;  /* commit an index without live documents */

    ix_pipe pipe;           /* embedded; workers start at the first batch */
    ix_batch *free_batches; /* owned, linked by next */
    ix_batch *cur;          /* owned, being filled */
    size_t max_fanin;       /* run files merged at once (ix_commit) */
    ix_progress_cb progress;
    void *progress_ctx;
    uint64_t raw_total;
    /* a shard (ix_build_set_shard): n_shards 0 when not */
    uint32_t shard, n_shards;
    uint64_t n_input;  /* documents offered: the next one's ordinal */
    uint32_t *ords;    /* owned: the ordinal of each doc id given out */
    XXH3_state_t *input_sum; /* owned: every document offered (ns_shard_head.input_hash) */
    size_t cap_ords;
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
    return ix_batch_get(&b->free_batches, b->n_slots);
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
    ns_buf_init(&b->xbuf);
    ix_keyword_init(&b->kw);
    ix_dict_sample_init(&b->sample);
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
    if (!rc)
        rc = ix_docs_open(b->tmp_dir, &b->docs, err);
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

ns_rc ix_build_set_keep_diacritics(ix_build *b, bool keep, ns_err *err)
{
    if (started(b))
        return ns_err_set(err, NS_E_ARG,
                          "internal error: diacritics option set after the first document");
    return ns_analyzer_set_keep_diacritics(b->an, keep, err);
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
        uint16_t *t = d ? ns_realloc(b->title_lens, c * sizeof *t) : NULL;
        if (t)
            b->title_lens = t;
        uint64_t *k = t ? ns_realloc(b->ids.key_ref, c * sizeof *k) : NULL;
        if (!k)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        b->ids.key_ref = k;
        b->cap_docs = (uint32_t)c;
    }
    size_t ev = 0, coff = 0;
    for (uint32_t i = 0; i < bt->n_docs; i++) {
        replay_events(b, bt, &ev, i);
        uint32_t doc = bt->first_doc + i, len = bt->doclen[i];
        const uint8_t *p = bt->recs.data + ix_batch_start(bt, i), *end = bt->recs.data + bt->head_end[i];
        ns_docrec r;
        if (ns_docrec_get(p, end, &r) != 0)
            return ns_err_set(err, NS_E_CORRUPT, "internal error: bad record in batch");
        ns_rc rc = ix_docs_add(b->docs, p, (size_t)(end - p), err);
        if (!rc)
            rc = ix_docstore_add(b->ds, bt->comp_len[i] ? bt->comp.data + coff : NULL,
                                 bt->comp_len[i], err);
        if (rc)
            return rc;
        coff += bt->comp_len[i];
        const char *src = (const char *)bt->strs.data + bt->src[i];
        b->doclens[doc] = 0;
        b->title_lens[doc] = 0;
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
            b->title_lens[prev] = 0;
        }
        b->doclens[doc] = len;
        /* a title of 4 KiB has at most 2048 words: the clamp never bites */
        b->title_lens[doc] = (uint16_t)(bt->title_len[i] > UINT16_MAX ? UINT16_MAX : bt->title_len[i]);
        b->st.n_docs++;
        b->st.total_tokens += len;
    }
    replay_events(b, bt, &ev, UINT32_MAX);
    /* per document: doclens, id map, docs and docstore lengths */
    size_t other = (size_t)b->cap_docs * 22 + (size_t)b->ids.n_slots * 4 + b->ids.keys.cap +
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

/* Sends bt (owned by the caller, given away) to a worker (or, with one
 * thread, processes and collects it here). */
static ns_rc send(ix_build *b, ix_batch *bt, ns_err *err)
{
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

/* Trains the docstore dictionary from the sample taken so far, writes it,
 * and sends the batches that waited for it. */
static ns_rc train_dict(ix_build *b, ns_err *err)
{
    b->dict_done = 1;
    ns_rc rc = ix_docstore_dict_train(&b->sample, &b->dict);
    ix_dict_sample_release(&b->sample);
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    b->pipe.dict = b->dict;
    if ((rc = ix_docstore_set_dict(b->ds, b->dict, err)))
        return rc;
    while (b->held) {
        ix_batch *bt = b->held;
        b->held = bt->next;
        if (!b->held)
            b->held_tail = NULL;
        bt->next = NULL;
        if ((rc = send(b, bt, err)))
            return rc;
    }
    return NS_OK;
}

/* Sends the current batch on, or holds it until the dictionary exists. */
static ns_rc dispatch(ix_build *b, ns_err *err)
{
    ix_batch *bt = b->cur;
    b->cur = NULL;
    if (!bt)
        return NS_OK;
    if (b->dict_done)
        return send(b, bt, err);
    bt->next = NULL;
    if (b->held_tail)
        b->held_tail->next = bt;
    else
        b->held = bt;
    b->held_tail = bt;
    return NS_OK;
}

/* Adds the body to the dictionary's sample; trains once it is complete,
 * or once the documents waiting for it (doc_bytes each) reach
 * NS_DICT_HOLD_BYTES, so that huge first documents do not all wait in
 * memory.  Both depend on the input only. */
static ns_rc sample_body(ix_build *b, const char *body, size_t len, size_t doc_bytes, ns_err *err)
{
    if (b->dict_done)
        return NS_OK;
    int r = ix_dict_sample_add(&b->sample, body, len);
    if (r < 0)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    b->held_bytes += doc_bytes;
    return r || b->held_bytes >= NS_DICT_HOLD_BYTES ? train_dict(b, err) : NS_OK;
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

/* Is name[0..len) one of the five fields every document has? */
static int reserved_name(const char *name, size_t len)
{
    static const char *const names[] = {"id", "title", "body", "date", "url"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return 1;
    return 0;
}

/* Validates and repairs the document's extra fields into b->vals (values
 * borrowed from doc or copied into b->xbuf); returns their number in *n. */
static ns_rc take_extras(ix_build *b, const ix_doc *doc, size_t *n)
{
    size_t nv = 0;
    ns_buf_reset(&b->xbuf);
    for (size_t i = 0; i < doc->n_extra; i++) {
        const ix_field *e = &doc->extra[i];
        if (nv == NS_MAX_EXTRA_FIELDS) {
            ix_build_warn(b, IX_WARN_FIELD, doc->src, doc->line,
                          "more than %u other fields: the last %zu dropped", NS_MAX_EXTRA_FIELDS,
                          doc->n_extra - i);
            break;
        }
        size_t bad;
        if (!e->name_len || e->name_len > NS_MAX_FIELD_NAME ||
            !ns_utf8_valid((const uint8_t *)e->name, e->name_len, &bad) ||
            reserved_name(e->name, e->name_len)) {
            ix_build_warn(b, IX_WARN_FIELD, doc->src, doc->line,
                          "field name of %zu bytes %s: field dropped", e->name_len,
                          !e->name_len || e->name_len > NS_MAX_FIELD_NAME
                              ? "(1 to 255 bytes allowed)"
                          : reserved_name(e->name, e->name_len) ? "repeats a main field"
                                                                 : "is not valid UTF-8");
            continue;
        }
        if (e->type < NS_VAL_STRING || e->type > NS_VAL_TYPE_MAX)
            return NS_E_ARG;
        const char *v = e->v ? e->v : "";
        size_t len = e->len;
        if (len > NS_MAX_EXTRA_VALUE) {
            if (e->type != NS_VAL_STRING) {
                ix_build_warn(b, IX_WARN_TOOBIG, doc->src, doc->line,
                              "field '%.*s' of %zu bytes is over %u: dropped",
                              (int)e->name_len, e->name, len, NS_MAX_EXTRA_VALUE);
                continue;
            }
            size_t cut = ns_utf8_floor((const uint8_t *)v, len, NS_MAX_EXTRA_VALUE);
            ix_build_warn(b, IX_WARN_TOOBIG, doc->src, doc->line,
                          "field '%.*s' of %zu bytes truncated to %zu bytes", (int)e->name_len,
                          e->name, len, cut);
            len = cut;
        }
        uint32_t ord;
        ns_rc rc = ix_docs_field(b->docs, e->name, e->name_len, &ord);
        if (rc == NS_E_ARG) {
            ix_build_warn(b, IX_WARN_FIELD, doc->src, doc->line,
                          "more than %u distinct field names in the index: '%.*s' dropped",
                          NS_MAX_FIELD_NAMES, (int)e->name_len, e->name);
            continue;
        }
        if (rc)
            return rc;
        size_t xoff = SIZE_MAX;
        if (!ns_utf8_valid((const uint8_t *)v, len, &bad)) {
            size_t n_bad = 0;
            xoff = b->xbuf.len;
            if (ns_utf8_repair((const uint8_t *)v, len, &b->xbuf, &n_bad))
                return NS_E_NOMEM;
            ix_build_warn(b, IX_WARN_UTF8, doc->src, doc->line,
                          "invalid UTF-8 in field '%.*s' (first at byte %zu, %zu bytes): replaced "
                          "by U+FFFD",
                          (int)e->name_len, e->name, bad, n_bad);
            len = b->xbuf.len - xoff;
        }
        size_t k = 0; /* a repeated name: the later value takes its place */
        while (k < nv && b->vals[k].field != ord)
            k++;
        if (k == nv)
            nv++;
        b->vals[k].field = ord;
        b->vals[k].type = (uint8_t)(e->type | (len > NS_DOCS_INLINE_MAX ? NS_VAL_IN_FRAME : 0));
        b->vals[k].v = v;
        b->vals[k].len = len;
        b->val_xoff[k] = xoff;
    }
    for (size_t k = 0; k < nv; k++)
        if (b->val_xoff[k] != SIZE_MAX)
            b->vals[k].v = (const char *)b->xbuf.data + b->val_xoff[k];
    *n = nv;
    return NS_OK;
}

/* Appends the keyword keys of the document's extra fields b->vals[0..nv)
 * to bt->kw (ix_batch.h); warns once about the values too long for a key. */
static ns_rc add_keys(ix_build *b, ix_batch *bt, const ix_doc *doc, size_t nv)
{
    if (!b->kw.n)
        return NS_OK;
    size_t n_long = 0;
    for (size_t k = 0; k < nv; k++) {
        size_t nlen;
        const char *name = ix_docs_field_name(b->docs, b->vals[k].field, &nlen);
        if (!ix_keyword_is_field(&b->kw, name, nlen))
            continue;
        size_t before = n_long;
        ns_rc rc = ix_keyword_keys(&b->kw, name, nlen, b->vals[k].type & ~NS_VAL_IN_FRAME,
                                   b->vals[k].v, b->vals[k].len, &bt->kw, &n_long);
        if (rc)
            return rc;
        if (n_long > before)
            ix_build_warn(b, IX_WARN_TOOBIG, doc->src, doc->line,
                          "keyword field '%.*s': %zu value%s too long to index (over %zu bytes): "
                          "not searchable",
                          (int)nlen, name, n_long - before, n_long - before > 1 ? "s" : "",
                          (size_t)NS_KW_KEY_MAX - 2 - nlen);
    }
    if (bt->kw.len > UINT32_MAX)
        return NS_E_NOMEM;
    return NS_OK;
}

ns_rc ix_build_add_keyword_field(ix_build *b, const char *name, size_t len, ns_err *err)
{
    if (b->n_slots)
        return ns_err_set(err, NS_E_ARG, "keyword fields must be set before the first document");
    return ix_keyword_add_field(&b->kw, name, len, err);
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
    const char *s[NS_FIELD_COUNT] = {id, doc->title, doc->body, doc->date, doc->url};
    size_t sl[NS_FIELD_COUNT] = {id_len, doc->title_len, doc->body_len, doc->date_len, doc->url_len};
    ns_rc rc = NS_OK;
    uint64_t ord = b->n_input++;
    if (b->n_shards) {
        const char *raw[NS_FIELD_COUNT] = {doc->id, doc->title, doc->body, doc->date, doc->url};
        size_t rl[NS_FIELD_COUNT] = {doc->id_len, doc->title_len, doc->body_len, doc->date_len,
                                     doc->url_len};
        for (int k = 0; k < NS_FIELD_COUNT; k++) {
            uint8_t l[8];
            ns_put_u64le(l, raw[k] ? rl[k] : UINT64_MAX);
            XXH3_64bits_update(b->input_sum, l, sizeof l);
            if (raw[k])
                XXH3_64bits_update(b->input_sum, raw[k], rl[k]);
        }
        /* the id as stored decides the shard (ns_shard_of), so that copies
         * of one id meet in one shard */
        size_t got = 0;
        rc = take_field(b, doc, NS_FIELD_ID, id, id_len, NS_MAX_FIELD_BYTES, &r.f[NS_FIELD_ID], &got);
        if (rc)
            return ns_err_set(err, rc, "out of memory");
        if (ord >= UINT32_MAX - 1)
            return ns_err_set(err, NS_E_ARG, "too many documents (limit %u)", UINT32_MAX - 1);
        if (ns_shard_of(r.f[NS_FIELD_ID], got, b->n_shards) != b->shard)
            return NS_OK; /* another shard's */
        if (b->n_slots == b->cap_ords) {
            size_t nc = b->cap_ords ? 2 * b->cap_ords : 1024;
            uint32_t *o = ns_realloc(b->ords, nc * sizeof *o);
            if (!o)
                return ns_err_set(err, NS_E_NOMEM, "out of memory");
            b->ords = o;
            b->cap_ords = nc;
        }
        b->ords[b->n_slots] = (uint32_t)ord;
    }
    for (int k = 0; k < NS_FIELD_COUNT && !rc; k++) {
        size_t got = 0;
        rc = take_field(b, doc, k, s[k], sl[k], k == NS_FIELD_BODY ? NS_MAX_DOC_BYTES : NS_MAX_FIELD_BYTES,
                        &r.f[k], &got);
        r.len[k] = got;
    }
    size_t nv = 0;
    if (!rc)
        rc = take_extras(b, doc, &nv);
    if (rc == NS_E_ARG)
        return ns_err_set(err, rc, "internal error: extra field of unknown type");
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
    uint32_t i = bt->n_docs;
    /* the table record, then the frame's content: body and long values */
    rc = ns_docrec_put(&bt->recs, &r, b->vals, nv);
    if (!rc)
        bt->head_end[i] = (uint32_t)bt->recs.len;
    if (!rc && r.len[NS_FIELD_BODY])
        rc = ns_buf_append(&bt->recs, r.f[NS_FIELD_BODY], r.len[NS_FIELD_BODY]);
    for (size_t k = 0; k < nv && !rc; k++)
        if (b->vals[k].type & NS_VAL_IN_FRAME)
            rc = ns_buf_append(&bt->recs, b->vals[k].v, b->vals[k].len);
    if (rc || bt->recs.len > UINT32_MAX)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    bt->rec_end[i] = (uint32_t)bt->recs.len;
    bt->src[i] = bt->last_src;
    bt->line[i] = doc->line;
    bt->doclen[i] = 0;
    bt->title_len[i] = 0;
    bt->comp_len[i] = 0;
    if ((rc = add_keys(b, bt, doc, nv)))
        return ns_err_set(err, rc, "out of memory");
    bt->kw_end[i] = (uint32_t)bt->kw.len;
    bt->n_docs++;
    b->n_slots++;
    if ((rc = sample_body(b, r.f[NS_FIELD_BODY], r.len[NS_FIELD_BODY],
                          bt->rec_end[i] - ix_batch_start(bt, i), err)))
        return rc;
    if (bt->recs.len >= b->pipe.batch_target)
        return dispatch(b, err);
    return NS_OK;
}

ns_rc ix_build_wait(ix_build *b, ns_err *err)
{
    ix_batch *bt = b->cur;
    if (bt && !ix_pipe_started(&b->pipe)) {
        /* only warnings so far: replay them */
        size_t ev = 0;
        replay_events(b, bt, &ev, UINT32_MAX);
        b->cur = NULL;
        ix_batch_put(&b->free_batches, bt);
        bt = NULL;
    }
    ns_rc rc = bt ? dispatch(b, err) : NS_OK;
    if (!rc && !b->dict_done)
        rc = train_dict(b, err); /* the input ended before the sample was complete */
    if (rc)
        return rc;
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
    for (ix_batch *bt = b->held, *next; bt; bt = next) {
        next = bt->next;
        ix_batch_free(bt);
    }
    ix_docstore_free(b->ds);
    ix_docs_free(b->docs);
    ix_docstore_dict_free(b->dict);
    ix_dict_sample_release(&b->sample);
    ns_buf_release(&b->xbuf);
    ix_keyword_release(&b->kw);
    ns_free(b->title_lens);
    ns_free(b->ords);
    XXH3_freeState(b->input_sum);
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

/* Orders doc ids by their ids' bytes (memcmp, then the shorter first). */
static int cmp_ids(const void *x, const void *y, void *ctx)
{
    const idmap *m = ctx;
    uint64_t a = m->key_ref[*(const uint32_t *)x], c = m->key_ref[*(const uint32_t *)y];
    size_t la = a & 0xffff, lc = c & 0xffff;
    int r = memcmp(m->keys.data + (a >> 16), m->keys.data + (c >> 16), la < lc ? la : lc);
    return r ? r : (la > lc) - (la < lc);
}

/* Writes the document table with the live documents' ids in order. */
static ns_rc finish_docs(ix_build *b, uint64_t *size, ns_err *err)
{
    uint32_t *ids = ns_malloc((b->st.n_docs ? b->st.n_docs : 1) * sizeof *ids);
    if (!ids)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    size_t n = 0;
    for (uint32_t d = 0; d < b->n_collected; d++)
        if (b->doclens[d])
            ids[n++] = d;
    qsort_r(ids, n, sizeof *ids, cmp_ids, &b->ids);
    ns_rc rc = ix_docs_finish(b->docs, ids, n, size, err);
    ns_free(ids);
    return rc;
}

ns_rc ix_build_set_shard(ix_build *b, uint32_t shard, uint32_t n_shards, ns_err *err)
{
    if (b->n_input)
        return ns_err_set(err, NS_E_ARG, "the shard must be set before the first document");
    if (n_shards == 0 || n_shards > NS_MAX_SHARDS || shard >= n_shards)
        return ns_err_set(err, NS_E_ARG, "shard %u of %u: a shard is I/N with 0 <= I < N <= %u",
                          shard, n_shards, NS_MAX_SHARDS);
    if (!b->input_sum && !(b->input_sum = XXH3_createState()))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    XXH3_64bits_reset(b->input_sum);
    b->shard = shard;
    b->n_shards = n_shards;
    return NS_OK;
}

/* FORMAT.md "shard": the head, each doc id's ordinal, the term statistics. */
static ns_rc write_shard(ix_build *b, const ix_writer_stats *ws, const ns_buf *stats, ns_err *err)
{
    ns_shard_head h = {.shard = b->shard,
                       .n_shards = b->n_shards,
                       .rule = NS_SHARD_RULE_ID_XXH64,
                       .n_input = b->n_input,
                       .n_docs = b->n_collected,
                       .n_live = ws->n_live,
                       .total_tokens = ws->total_tokens,
                       .n_terms = ws->n_terms,
                       .identity = ns_analyzer_identity(b->an),
                       .stats_off = NS_SHARD_HEAD_LEN + 4 * (uint64_t)b->n_collected,
                       .stats_len = stats->len,
                       .input_hash = XXH3_64bits_digest(b->input_sum)};
    uint8_t head[NS_SHARD_HEAD_LEN];
    ns_shard_head_put(head, &h);
    ix_file f;
    ns_rc rc = ix_file_open(&f, b->tmp_dir, NS_FILE_SHARD, err);
    if (rc)
        return rc;
    ix_file_write(&f, head, sizeof head);
    uint8_t chunk[4096];
    for (uint32_t d = 0; d < b->n_collected;) {
        size_t k = 0;
        for (; k < sizeof chunk / 4 && d < b->n_collected; k++, d++)
            ns_put_u32le(chunk + 4 * k, b->ords[d]);
        ix_file_write(&f, chunk, 4 * k);
    }
    ix_file_write(&f, stats->data, stats->len);
    return ix_file_finish(&f, &b->st.bytes[NS_FILE_SHARD], err);
}

ns_rc ix_build_commit(ix_build *b, ns_err *err)
{
    ns_rc rc = ix_build_wait(b, err);
    if (rc)
        return rc;
    /* a shard may be empty when the input is not (few documents, many shards) */
    if (b->st.n_docs == 0 && !b->allow_empty && !(b->n_shards && b->n_input > 0))
        return ns_err_set(err, NS_E_ARG,
                          "no documents to index (%llu read, none with words): an empty index "
                          "would replace '%s'",
                          (unsigned long long)b->st.n_docs_in, b->out_dir);
    /* no documents at all: no workers yet */
    if (!ix_pipe_started(&b->pipe) && (rc = ix_pipe_start(&b->pipe, b->an, err)))
        return rc;
    if ((rc = ix_pipe_finish(&b->pipe, err)))
        return rc;
    b->st.long_words = ix_pipe_long_words(&b->pipe);
    uint64_t ds_size = 0, docs_size = 0;
    rc = ix_docstore_finish(b->ds, &ds_size, err);
    ix_docstore_free(b->ds);
    b->ds = NULL;
    if (!rc)
        rc = finish_docs(b, &docs_size, err);
    ix_docs_free(b->docs);
    b->docs = NULL;
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
    ns_buf stats;
    ns_buf_init(&stats);
    ix_doc_tables tables = {b->doclens, b->title_lens, b->n_collected, b->kw.list.data,
                            b->kw.list.len, b->kw.n, 0, b->n_shards ? &stats : NULL};
    rc = ix_commit_write(&b->pipe, b->max_fanin, b->an, &tables, ds_size,
                         docs_size, &ws, err);
    if (!rc && b->n_shards)
        rc = write_shard(b, &ws, &stats, err);
    ns_buf_release(&stats);
    if (rc)
        return rc;
    b->st.n_terms = ws.n_terms;
    b->st.n_postings = ws.n_postings;
    b->st.index_bytes = 0;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        b->st.bytes[k] = ws.bytes[k];
        b->st.index_bytes += ws.bytes[k];
    }
    b->st.index_bytes += b->st.bytes[NS_FILE_SHARD];
    int installed = 0;
    rc = ix_tmpdir_install(b->tmp_dir, b->out_dir, &installed, err);
    b->committed = installed;
    return rc;
}

int ix_build_installed(const ix_build *b) { return b->committed; }
