/* ix_build: document intake and atomic installation of the index (see
 * ix_build.h). */
#define _GNU_SOURCE /* renameat2 */
#include "ix_build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "ix_docstore.h"
#include "ix_inv.h"
#include "ix_writer.h"
#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_format.h"
#include "ns_utf8.h"

/* id -> doc id map, open addressing over offsets into an arena. */
typedef struct idmap {
    uint32_t *slots; /* owned: doc id + 1, 0 empty */
    uint32_t n_slots, n;
    uint64_t *key_ref; /* owned: per doc id: (offset << 16 | len) into keys */
    ns_buf keys;
} idmap;

struct ix_build {
    char *out_dir, *tmp_dir; /* owned */
    ns_analyzer *an;
    ix_inv *inv;
    ix_docstore *ds;
    uint32_t *doclens; /* owned */
    uint32_t n_docs, cap_docs;
    idmap ids;
    ix_warn_cb warn;
    void *warn_ctx;
    ix_build_stats st;
    ns_buf fields[5]; /* repaired copies of the current doc's fields */
    uint32_t pos_base;
    ns_rc tok_rc;
    int committed;
};

/* ---- temporary directories ---- */

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = ns_malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* Splits out_dir into parent (owned) and base (pointer into out_dir). */
static char *parent_of(const char *out_dir, const char **base)
{
    const char *slash = strrchr(out_dir, '/');
    if (!slash) {
        *base = out_dir;
        return ns_strndup(".", 1);
    }
    *base = slash + 1;
    return ns_strndup(out_dir, slash == out_dir ? 1 : (size_t)(slash - out_dir));
}

/* Removes a flat directory of ours (files only) and the directory. */
static int remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int fd = dirfd(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(fd, e->d_name, 0);
    }
    closedir(d);
    return rmdir(dir);
}

int ix_build_clean_stale(const char *out_dir)
{
    const char *base;
    char *parent = parent_of(out_dir, &base);
    if (!parent)
        return 0;
    char prefix[512];
    snprintf(prefix, sizeof prefix, ".%s.tmp-", base);
    size_t pl = strlen(prefix);
    int removed = 0;
    DIR *d = opendir(parent);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strncmp(e->d_name, prefix, pl) != 0)
                continue;
            char *endp;
            long pid = strtol(e->d_name + pl, &endp, 10);
            if ((*endp && strcmp(endp, ".old") != 0) || pid <= 0)
                continue;
            if (pid != (long)getpid() && !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
                continue; /* a live build owns it */
            char *p = path_join(parent, e->d_name);
            if (p && remove_flat_dir(p) == 0)
                removed++;
            ns_free(p);
        }
        closedir(d);
    }
    ns_free(parent);
    return removed;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* ---- builder ---- */

void ix_build_warn(ix_build *b, ix_warn_kind kind, const char *file, uint64_t line,
                   const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->st.warnings[kind]++;
    if (b->warn)
        b->warn(b->warn_ctx, kind, file, line, msg);
}

void ix_build_count_bytes(ix_build *b, uint64_t n) { b->st.bytes_in += n; }

ns_rc ix_build_new(const char *out_dir, const char *lang, ix_warn_cb warn, void *warn_ctx,
                   ix_build **out, ns_err *err)
{
    ix_build *b = ns_calloc(1, sizeof *b);
    if (!b)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    b->warn = warn;
    b->warn_ctx = warn_ctx;
    for (int i = 0; i < 5; i++)
        ns_buf_init(&b->fields[i]);
    ns_buf_init(&b->ids.keys);
    ns_rc rc = ns_analyzer_new(lang, &b->an, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    size_t ol = strlen(out_dir);
    while (ol > 1 && out_dir[ol - 1] == '/')
        ol--;
    b->out_dir = ns_strndup(out_dir, ol);
    const char *base;
    char *parent = b->out_dir ? parent_of(b->out_dir, &base) : NULL;
    if (!parent) {
        ix_build_free(b);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        ns_free(parent);
        ix_build_free(b);
        return ns_err_set(err, NS_E_ARG, "'%s' cannot be an index directory: name it, e.g. 'index'",
                          out_dir);
    }
    struct stat sb;
    if (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rc = ns_err_sys(err, NS_E_IO, errno ? errno : ENOTDIR,
                        "cannot create the index in '%s'", parent);
        ns_free(parent);
        ix_build_free(b);
        return rc;
    }
    ix_build_clean_stale(b->out_dir);
    char name[512];
    snprintf(name, sizeof name, ".%s.tmp-%ld", base, (long)getpid());
    b->tmp_dir = path_join(parent, name);
    ns_free(parent);
    if (!b->tmp_dir) {
        ix_build_free(b);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    if (mkdir(b->tmp_dir, 0755) != 0) {
        rc = ns_err_sys(err, NS_E_IO, errno, "cannot create '%s'", b->tmp_dir);
        ns_free(b->tmp_dir);
        b->tmp_dir = NULL;
        ix_build_free(b);
        return rc;
    }
    rc = ix_inv_new(&b->inv);
    if (rc) {
        ix_build_free(b);
        return ns_err_set(err, rc, "out of memory");
    }
    rc = ix_docstore_open(b->tmp_dir, &b->ds, err);
    if (rc) {
        ix_build_free(b);
        return rc;
    }
    *out = b;
    return NS_OK;
}

void ix_build_free(ix_build *b)
{
    if (!b)
        return;
    ix_docstore_free(b->ds);
    if (b->tmp_dir && !b->committed)
        remove_flat_dir(b->tmp_dir);
    ns_free(b->tmp_dir);
    ns_free(b->out_dir);
    ns_analyzer_free(b->an);
    ix_inv_free(b->inv);
    ns_free(b->doclens);
    ns_free(b->ids.slots);
    ns_free(b->ids.key_ref);
    ns_buf_release(&b->ids.keys);
    for (int i = 0; i < 5; i++)
        ns_buf_release(&b->fields[i]);
    ns_free(b);
}

static const char *const field_names[5] = {"id", "title", "body", "date", "url"};

/* Copies a field into b->fields[i], truncating and repairing UTF-8 as needed. */
static ns_rc take_field(ix_build *b, const ix_doc *doc, int i, const char *s, size_t len,
                        size_t limit, const char **out, size_t *out_len)
{
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

typedef struct tok_ctx {
    ix_build *b;
    uint32_t n;
} tok_ctx;

static int on_token(void *ctx, const ns_token *t)
{
    tok_ctx *c = ctx;
    ns_rc rc = ix_inv_add_token(c->b->inv, t->term, t->term_len, c->b->pos_base + t->pos);
    if (rc) {
        c->b->tok_rc = rc;
        return 1;
    }
    c->n = t->pos + 1;
    return 0;
}

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
    if (b->n_docs == UINT32_MAX - 1)
        return ns_err_set(err, NS_E_ARG, "too many documents (limit %u)", UINT32_MAX - 1);

    uint32_t doc_id = b->n_docs;
    ix_inv_begin_doc(b->inv, doc_id);
    tok_ctx tc = {b, 0};
    b->pos_base = 0;
    b->tok_rc = NS_OK;
    rc = ns_analyze(b->an, r.f[1], r.len[1], on_token, &tc);
    uint32_t title_words = tc.n;
    b->pos_base = title_words;
    tc.n = 0;
    if (!rc && !b->tok_rc)
        rc = ns_analyze(b->an, r.f[2], r.len[2], on_token, &tc);
    if (!rc)
        rc = b->tok_rc;
    uint32_t n_tokens = 0;
    if (!rc)
        rc = ix_inv_end_doc(b->inv, &n_tokens);
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    if (n_tokens == 0) {
        ix_build_warn(b, IX_WARN_EMPTY, doc->src, doc->line, "document '%.*s' has no words: skipped",
                      (int)(r.len[0] > 80 ? 80 : r.len[0]), r.f[0]);
        return NS_OK;
    }
    if (b->n_docs == b->cap_docs) {
        uint32_t c = b->cap_docs ? b->cap_docs * 2 : 4096;
        uint32_t *d = ns_realloc(b->doclens, (size_t)c * sizeof *d);
        uint64_t *k = d ? ns_realloc(b->ids.key_ref, (size_t)c * sizeof *k) : NULL;
        if (d)
            b->doclens = d;
        if (!k)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        b->ids.key_ref = k;
        b->cap_docs = c;
    }
    uint32_t prev;
    if (idmap_put(&b->ids, r.f[0], r.len[0], doc_id, &prev))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (prev != UINT32_MAX) {
        ix_build_warn(b, IX_WARN_DUPLICATE, doc->src, doc->line,
                      "duplicate id '%.*s': this document replaces the earlier one",
                      (int)(r.len[0] > 80 ? 80 : r.len[0]), r.f[0]);
        b->st.total_tokens -= b->doclens[prev];
        b->st.n_docs--;
        b->doclens[prev] = 0;
    }
    b->doclens[doc_id] = n_tokens;
    b->n_docs++;
    b->st.n_docs++;
    b->st.total_tokens += n_tokens;
    return ix_docstore_add(b->ds, &r, err);
}

void ix_build_get_stats(const ix_build *b, ix_build_stats *st) { *st = b->st; }

ns_rc ix_build_commit(ix_build *b, ns_err *err)
{
    uint64_t ds_size = 0;
    ns_rc rc = ix_docstore_finish(b->ds, &ds_size, err);
    ix_docstore_free(b->ds);
    b->ds = NULL;
    if (rc)
        return rc;
    ix_writer *w;
    rc = ix_writer_open(b->tmp_dir, b->doclens, b->n_docs, &w, err);
    if (rc)
        return rc;
    ix_inv_term *terms = NULL;
    size_t n_terms = 0;
    rc = ix_inv_sorted(b->inv, &terms, &n_terms);
    if (rc) {
        ix_writer_free(w);
        return ns_err_set(err, rc, "out of memory");
    }
    for (size_t i = 0; i < n_terms && !rc; i++)
        rc = ix_writer_add_term(w, terms[i].key, terms[i].key_len, terms[i].raw, terms[i].raw_len,
                                err);
    ns_free(terms);
    ix_writer_stats ws;
    uint64_t identity = rc ? 0 : ns_analyzer_identity(b->an);
    if (!rc && identity == 0) /* libstemmer out of memory */
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (!rc)
        rc = ix_writer_finish(w, ns_analyzer_lang(b->an), identity, ds_size, &ws, err);
    ix_writer_free(w);
    if (rc)
        return rc;
    b->st.n_terms = ws.n_terms;
    b->st.n_postings = ws.n_postings;
    b->st.index_bytes = 0;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        b->st.bytes[k] = ws.bytes[k];
        b->st.index_bytes += ws.bytes[k];
    }
    if (fsync_dir(b->tmp_dir) != 0)
        return ns_err_sys(err, NS_E_IO, errno, "cannot sync '%s'", b->tmp_dir);

    /* Install: the target must be absent, empty, or an index of ours. */
    struct stat sb;
    if (lstat(b->out_dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return ns_err_set(err, NS_E_ARG, "'%s' exists and is not a directory; not replacing it",
                              b->out_dir);
        char *meta = path_join(b->out_dir, "meta");
        int is_index = meta && access(meta, F_OK) == 0;
        ns_free(meta);
        int empty = 0;
        if (!is_index && rmdir(b->out_dir) == 0)
            empty = 1;
        if (!is_index && !empty)
            return ns_err_set(err, NS_E_ARG,
                              "'%s' exists and is not an nsearch index; not replacing it "
                              "(choose another -o or remove it)",
                              b->out_dir);
        if (is_index) {
            if (renameat2(AT_FDCWD, b->tmp_dir, AT_FDCWD, b->out_dir, RENAME_EXCHANGE) == 0) {
                b->committed = 1;
                remove_flat_dir(b->tmp_dir); /* now holds the old index */
                goto done;
            }
            /* No RENAME_EXCHANGE on this file system: move the old index
             * aside first (a reader starting in between sees no index). */
            char aside[4096];
            snprintf(aside, sizeof aside, "%s.old", b->tmp_dir);
            if (rename(b->out_dir, aside) != 0)
                return ns_err_sys(err, NS_E_IO, errno, "cannot replace '%s'", b->out_dir);
            if (rename(b->tmp_dir, b->out_dir) != 0) {
                rc = ns_err_sys(err, NS_E_IO, errno, "cannot install '%s'", b->out_dir);
                if (rename(aside, b->out_dir) != 0)
                    rc = ns_err_set(err, NS_E_IO, "cannot install '%s'; the old index is at '%s'",
                                    b->out_dir, aside);
                return rc;
            }
            b->committed = 1;
            remove_flat_dir(aside);
            goto done;
        }
    }
    if (rename(b->tmp_dir, b->out_dir) != 0)
        return ns_err_sys(err, NS_E_IO, errno, "cannot install '%s'", b->out_dir);
    b->committed = 1;
done:;
    const char *base;
    char *parent = parent_of(b->out_dir, &base);
    if (parent) {
        fsync_dir(parent);
        ns_free(parent);
    }
    return NS_OK;
}
