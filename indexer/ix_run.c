/* ix_run: run files and the k-way merge (see ix_run.h). */
#include "ix_run.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ns_alloc.h"
#include "ns_varint.h"
#include "ns_buf.h"
#include "ns_keyword.h"

#define IX_RUN_WRITE_BUF (1u << 20)

/* ---- buffered writer ---- */

typedef struct bwriter {
    int fd;
    ns_buf buf;
    uint64_t written;
    int sys_errno; /* sticky: first write error */
} bwriter;

static ns_rc bw_open(bwriter *w, const char *path, ns_err *err)
{
    memset(w, 0, sizeof *w);
    ns_buf_init(&w->buf);
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0)
        return ns_err_sys(err, NS_E_IO, errno, "cannot create '%s'", path);
    return NS_OK;
}

static void bw_flush(bwriter *w)
{
    size_t off = 0;
    while (off < w->buf.len && !w->sys_errno) {
        ssize_t n = write(w->fd, w->buf.data + off, w->buf.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            w->sys_errno = errno;
        else
            off += (size_t)n;
    }
    ns_buf_reset(&w->buf);
}

static ns_rc bw_write(bwriter *w, const void *p, size_t n)
{
    if (ns_buf_append(&w->buf, p, n))
        return NS_E_NOMEM;
    w->written += n;
    if (w->buf.len >= IX_RUN_WRITE_BUF)
        bw_flush(w);
    return NS_OK;
}

static ns_rc bw_varint(bwriter *w, uint32_t v)
{
    uint8_t t[5];
    return bw_write(w, t, ns_varint_put(t, v));
}

/* Flushes and closes; reports the first error. */
static ns_rc bw_close(bwriter *w, const char *path, ns_err *err)
{
    bw_flush(w);
    ns_buf_release(&w->buf);
    if (w->fd >= 0 && close(w->fd) != 0 && !w->sys_errno)
        w->sys_errno = errno;
    w->fd = -1;
    if (w->sys_errno)
        return ns_err_sys(err, NS_E_IO, w->sys_errno, "cannot write '%s'", path);
    return NS_OK;
}

static void bw_abandon(bwriter *w)
{
    ns_buf_release(&w->buf);
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

static ns_rc put_record(bwriter *w, const char *key, size_t key_len, uint32_t df,
                        const ns_buf *docs, const ns_buf *pos)
{
    if (docs->len > UINT32_MAX || pos->len > UINT32_MAX)
        return NS_E_ARG;
    ns_rc rc = bw_varint(w, (uint32_t)key_len);
    if (!rc)
        rc = bw_write(w, key, key_len);
    if (!rc)
        rc = bw_varint(w, df);
    if (!rc)
        rc = bw_varint(w, (uint32_t)docs->len);
    if (!rc)
        rc = bw_varint(w, (uint32_t)pos->len);
    if (!rc)
        rc = bw_write(w, docs->data, docs->len);
    if (!rc)
        rc = bw_write(w, pos->data, pos->len);
    return rc;
}

ns_rc ix_run_write_inv(const ix_inv *inv, const char *path, uint64_t *bytes, ns_err *err)
{
    bwriter w;
    ns_rc rc = bw_open(&w, path, err);
    if (rc)
        return rc;
    ns_buf docs, pos;
    ns_buf_init(&docs);
    ns_buf_init(&pos);
    size_t n = ix_inv_n_terms(inv);
    for (size_t i = 0; i < n && !rc; i++) {
        ix_inv_term t;
        ix_inv_term_get(inv, i, &t);
        ns_buf_reset(&docs);
        ns_buf_reset(&pos);
        rc = ix_inv_term_streams(inv, i, &docs, &pos);
        if (!rc)
            rc = put_record(&w, t.key, t.key_len, t.df, &docs, &pos);
    }
    uint8_t zero = 0;
    if (!rc)
        rc = bw_write(&w, &zero, 1);
    ns_buf_release(&docs);
    ns_buf_release(&pos);
    if (rc) {
        bw_abandon(&w);
        return rc == NS_E_NOMEM ? ns_err_set(err, rc, "out of memory")
                                : ns_err_set(err, rc, "internal error: term too large for a run");
    }
    *bytes = w.written;
    return bw_close(&w, path, err);
}

/* ---- run writer sink ---- */

struct ix_run_writer {
    bwriter w;
    char *path; /* owned */
    char key[NS_TERM_KEY_MAX];
    size_t key_len;
    uint32_t df, last_doc;
    ns_buf docs, pos;
};

ns_rc ix_run_writer_open(const char *path, ix_run_writer **out, ns_err *err)
{
    ix_run_writer *rw = ns_calloc(1, sizeof *rw);
    if (!rw)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    rw->path = ns_strndup(path, strlen(path));
    if (!rw->path) {
        ns_free(rw);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    ns_buf_init(&rw->docs);
    ns_buf_init(&rw->pos);
    ns_rc rc = bw_open(&rw->w, path, err);
    if (rc) {
        ns_free(rw->path);
        ns_free(rw);
        return rc;
    }
    *out = rw;
    return NS_OK;
}

static ns_rc rw_term_begin(void *ctx, const char *key, size_t key_len, ns_err *err)
{
    ix_run_writer *rw = ctx;
    if (key_len == 0 || key_len > sizeof rw->key)
        return ns_err_set(err, NS_E_ARG, "internal error: term length %zu", key_len);
    memcpy(rw->key, key, key_len);
    rw->key_len = key_len;
    rw->df = 0;
    ns_buf_reset(&rw->docs);
    ns_buf_reset(&rw->pos);
    return NS_OK;
}

static ns_rc rw_posting(void *ctx, uint32_t doc, uint32_t tf, const uint8_t *pos, size_t pos_len,
                        ns_err *err)
{
    ix_run_writer *rw = ctx;
    if (ns_buf_reserve(&rw->docs, 10) || ns_buf_append(&rw->pos, pos, pos_len))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    uint8_t *o = rw->docs.data + rw->docs.len;
    unsigned n = ns_varint_put(o, rw->df ? doc - rw->last_doc : doc);
    n += ns_varint_put(o + n, tf);
    rw->docs.len += n;
    rw->last_doc = doc;
    rw->df++;
    return NS_OK;
}

static ns_rc rw_term_end(void *ctx, ns_err *err)
{
    ix_run_writer *rw = ctx;
    if (!rw->df)
        return NS_OK;
    ns_rc rc = put_record(&rw->w, rw->key, rw->key_len, rw->df, &rw->docs, &rw->pos);
    if (rc == NS_E_NOMEM)
        return ns_err_set(err, rc, "out of memory");
    if (rc)
        return ns_err_set(err, rc, "internal error: term too large for a run");
    return NS_OK;
}

void ix_run_writer_sink(ix_run_writer *rw, ix_sink *sink)
{
    sink->ctx = rw;
    sink->term_begin = rw_term_begin;
    sink->posting = rw_posting;
    sink->term_end = rw_term_end;
}

ns_rc ix_run_writer_finish(ix_run_writer *rw, uint64_t *bytes, ns_err *err)
{
    uint8_t zero = 0;
    if (bw_write(&rw->w, &zero, 1))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    *bytes = rw->w.written;
    return bw_close(&rw->w, rw->path, err);
}

void ix_run_writer_free(ix_run_writer *rw)
{
    if (!rw)
        return;
    bw_abandon(&rw->w);
    ns_buf_release(&rw->docs);
    ns_buf_release(&rw->pos);
    ns_free(rw->path);
    ns_free(rw);
}

/* ---- sources ---- */

typedef struct src {
    /* current term */
    const char *key;
    size_t key_len;
    ns_buf docs, pos, keybuf;
    /* posting cursor over docs/pos */
    const uint8_t *dp, *dend, *pp, *pend;
    uint32_t doc, tf;
    int nopos;           /* a keyword term: no positions (ns_keyword.h) */
    const uint8_t *ppos; /* this posting's positions */
    size_t ppos_len;
    int started;
    /* a run file */
    const char *path;
    int fd;
    uint8_t *buf; /* owned, cap bytes */
    size_t cap, lo, hi;
    int eof;
    /* an inverter */
    const ix_inv *inv;
    size_t i, n;
} src;

static ns_rc corrupt(const src *s, ns_err *err)
{
    return ns_err_set(err, NS_E_CORRUPT, "internal error: run file '%s' is damaged",
                      s->path ? s->path : "(memory)");
}

/* Ensures buf[lo, hi) holds at least n bytes, or fewer at the end of the
 * file.  Returns NS_OK or an I/O error. */
static ns_rc fill(src *s, size_t n, ns_err *err)
{
    if (s->hi - s->lo >= n || s->eof)
        return NS_OK;
    if (s->lo) {
        memmove(s->buf, s->buf + s->lo, s->hi - s->lo);
        s->hi -= s->lo;
        s->lo = 0;
    }
    while (s->hi < n && !s->eof) {
        ssize_t r = read(s->fd, s->buf + s->hi, s->cap - s->hi);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ns_err_sys(err, NS_E_IO, errno, "cannot read '%s'", s->path);
        if (r == 0)
            s->eof = 1;
        s->hi += (size_t)r;
    }
    return NS_OK;
}

/* Copies n bytes of the file into out. */
static ns_rc read_into(src *s, ns_buf *out, size_t n, ns_err *err)
{
    ns_buf_reset(out);
    if (ns_buf_reserve(out, n))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    size_t have = s->hi - s->lo < n ? s->hi - s->lo : n;
    memcpy(out->data, s->buf + s->lo, have);
    s->lo += have;
    out->len = have;
    while (out->len < n) {
        ssize_t r = read(s->fd, out->data + out->len, n - out->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ns_err_sys(err, NS_E_IO, errno, "cannot read '%s'", s->path);
        if (r == 0)
            return corrupt(s, err);
        out->len += (size_t)r;
    }
    return NS_OK;
}

/* Loads the source's next term; *got = 0 at its end. */
static ns_rc src_next(src *s, int *got, ns_err *err)
{
    *got = 0;
    ns_buf_reset(&s->docs);
    ns_buf_reset(&s->pos);
    if (s->inv) {
        if (s->i >= s->n)
            return NS_OK;
        ix_inv_term t;
        ix_inv_term_get(s->inv, s->i, &t);
        if (ix_inv_term_streams(s->inv, s->i, &s->docs, &s->pos))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        s->i++;
        s->key = t.key;
        s->key_len = t.key_len;
    } else {
        ns_rc rc = fill(s, 5 * 4 + NS_TERM_KEY_MAX, err);
        if (rc)
            return rc;
        const uint8_t *p = s->buf + s->lo, *end = s->buf + s->hi;
        uint32_t kl, df, dl, pl;
        if (ns_varint_get32(&p, end, &kl))
            return corrupt(s, err);
        if (kl == 0)
            return NS_OK; /* end of the run */
        if (kl > NS_TERM_KEY_MAX || (size_t)(end - p) < kl)
            return corrupt(s, err);
        ns_buf_reset(&s->keybuf);
        if (ns_buf_append(&s->keybuf, p, kl))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        p += kl;
        if (ns_varint_get32(&p, end, &df) || ns_varint_get32(&p, end, &dl) || ns_varint_get32(&p, end, &pl))
            return corrupt(s, err);
        s->lo = (size_t)(p - s->buf);
        rc = read_into(s, &s->docs, dl, err);
        if (!rc)
            rc = read_into(s, &s->pos, pl, err);
        if (rc)
            return rc;
        s->key = (const char *)s->keybuf.data;
        s->key_len = kl;
    }
    s->nopos = ns_keyword_is_key(s->key, s->key_len);
    s->dp = s->docs.data;
    s->dend = s->docs.len ? s->docs.data + s->docs.len : s->docs.data;
    s->pp = s->pos.data;
    s->pend = s->pos.len ? s->pos.data + s->pos.len : s->pos.data; /* keyword terms: none */
    s->started = 0;
    *got = 1;
    return NS_OK;
}

/* Reads the next posting of the current term; *got = 0 at its end. */
static inline ns_rc src_posting(src *s, int *got, ns_err *err)
{
    if (s->dp >= s->dend) {
        if (s->pp != s->pend)
            return corrupt(s, err);
        *got = 0;
        return NS_OK;
    }
    uint32_t gap, tf;
    if (ns_varint_get32(&s->dp, s->dend, &gap) || ns_varint_get32(&s->dp, s->dend, &tf) || tf == 0)
        return corrupt(s, err);
    if (s->started) {
        if (gap == 0 || s->doc > UINT32_MAX - gap)
            return corrupt(s, err);
        s->doc += gap;
    } else {
        s->doc = gap;
        s->started = 1;
    }
    s->tf = tf;
    s->ppos = s->pp;
    if (!s->nopos && ns_varint_skip(&s->pp, s->pend, tf))
        return corrupt(s, err);
    s->ppos_len = (size_t)(s->pp - s->ppos);
    *got = 1;
    return NS_OK;
}

static int key_less(const src *a, const src *b)
{
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
    if (c)
        return c < 0;
    return a->key_len < b->key_len;
}

static int key_eq(const src *a, const src *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* Binary min-heap of source pointers; less() decides the order. */
typedef int (*less_fn)(const src *, const src *);

static void heap_down(src **h, size_t n, size_t i, less_fn less)
{
    src *x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && less(h[c + 1], h[c]))
            c++;
        if (!less(h[c], x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void heap_up(src **h, size_t i, less_fn less)
{
    src *x = h[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!less(x, h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static int doc_less(const src *a, const src *b) { return a->doc < b->doc; }

/* Merges the current term of g[0..ng) (same key) into the sink. */
static ns_rc merge_term(src **g, size_t ng, const ix_sink *sink, ns_err *err)
{
    ns_rc rc = sink->term_begin(sink->ctx, g[0]->key, g[0]->key_len, err);
    if (rc)
        return rc;
    int got;
    if (ng == 1) {
        src *s = g[0];
        for (;;) {
            if ((rc = src_posting(s, &got, err)) || !got)
                break;
            if ((rc = sink->posting(sink->ctx, s->doc, s->tf, s->ppos, s->ppos_len, err)))
                break;
        }
        return rc ? rc : sink->term_end(sink->ctx, err);
    }
    size_t n = 0;
    for (size_t i = 0; i < ng; i++) {
        if ((rc = src_posting(g[i], &got, err)))
            return rc;
        if (got)
            g[n++] = g[i];
    }
    for (size_t i = n / 2; i-- > 0;)
        heap_down(g, n, i, doc_less);
    uint32_t last = 0;
    int any = 0;
    while (n) {
        src *s = g[0];
        if (any && s->doc <= last)
            return ns_err_set(err, NS_E_CORRUPT, "internal error: doc %u in two runs", s->doc);
        any = 1;
        last = s->doc;
        if ((rc = sink->posting(sink->ctx, s->doc, s->tf, s->ppos, s->ppos_len, err)))
            return rc;
        if ((rc = src_posting(s, &got, err)))
            return rc;
        if (!got)
            g[0] = g[--n];
        if (n)
            heap_down(g, n, 0, doc_less);
    }
    return sink->term_end(sink->ctx, err);
}

static ns_rc merge(const char *const *runs, size_t n_runs, ix_inv *const *invs,
                   const size_t *begin, const size_t *end, size_t n_invs, size_t read_buf,
                   const ix_sink *sink, ns_err *err)
{
    size_t ns = n_runs + n_invs;
    src *srcs = ns_calloc(ns ? ns : 1, sizeof *srcs);
    src **heap = ns_calloc(ns ? ns : 1, sizeof *heap);
    src **group = ns_calloc(ns ? ns : 1, sizeof *group);
    src **members = ns_calloc(ns ? ns : 1, sizeof *members);
    ns_rc rc = NS_OK;
    if (!srcs || !heap || !group || !members) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        goto out;
    }
    if (read_buf < 4096)
        read_buf = 4096;
    for (size_t i = 0; i < ns; i++) {
        src *s = &srcs[i];
        s->fd = -1;
        ns_buf_init(&s->docs);
        ns_buf_init(&s->pos);
        ns_buf_init(&s->keybuf);
    }
    for (size_t i = 0; i < n_runs && !rc; i++) {
        src *s = &srcs[i];
        s->path = runs[i];
        s->fd = open(runs[i], O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            rc = ns_err_sys(err, NS_E_IO, errno, "cannot open '%s'", runs[i]);
            break;
        }
        s->cap = read_buf;
        s->buf = ns_malloc(read_buf);
        if (!s->buf)
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_invs; i++) {
        src *s = &srcs[n_runs + i];
        s->inv = invs[i];
        s->i = begin ? begin[i] : 0;
        s->n = end ? end[i] : ix_inv_n_terms(invs[i]);
    }
    size_t nh = 0;
    for (size_t i = 0; i < ns && !rc; i++) {
        int got;
        rc = src_next(&srcs[i], &got, err);
        if (!rc && got)
            heap[nh++] = &srcs[i];
    }
    for (size_t i = nh / 2; i-- > 0 && !rc;)
        heap_down(heap, nh, i, key_less);
    while (nh && !rc) {
        size_t ng = 0;
        group[ng++] = heap[0];
        heap[0] = heap[--nh];
        if (nh)
            heap_down(heap, nh, 0, key_less);
        while (nh && key_eq(heap[0], group[0])) {
            group[ng++] = heap[0];
            heap[0] = heap[--nh];
            if (nh)
                heap_down(heap, nh, 0, key_less);
        }
        /* merge_term reorders group; remember the members */
        memcpy(members, group, ng * sizeof *group);
        rc = merge_term(group, ng, sink, err);
        for (size_t i = 0; i < ng && !rc; i++) {
            int got;
            rc = src_next(members[i], &got, err);
            if (!rc && got) {
                heap[nh] = members[i];
                heap_up(heap, nh, key_less);
                nh++;
            }
        }
    }
out:
    if (srcs) {
        for (size_t i = 0; i < ns; i++) {
            if (srcs[i].fd >= 0)
                close(srcs[i].fd);
            ns_free(srcs[i].buf);
            ns_buf_release(&srcs[i].docs);
            ns_buf_release(&srcs[i].pos);
            ns_buf_release(&srcs[i].keybuf);
        }
    }
    ns_free(srcs);
    ns_free(heap);
    ns_free(group);
    ns_free(members);
    return rc;
}

ns_rc ix_merge(const char *const *runs, size_t n_runs, ix_inv *const *invs, size_t n_invs,
               size_t read_buf, const ix_sink *sink, ns_err *err)
{
    return merge(runs, n_runs, invs, NULL, NULL, n_invs, read_buf, sink, err);
}

ns_rc ix_merge_slice(ix_inv *const *invs, const size_t *begin, const size_t *end, size_t n_invs,
                     const ix_sink *sink, ns_err *err)
{
    return merge(NULL, 0, invs, begin, end, n_invs, 0, sink, err);
}
