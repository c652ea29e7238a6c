/* sr_check: index verification (see sr_check.h). */
#include "sr_check.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zdict.h>
#include <zstd.h>

#include "ns_alloc.h"
#include "ns_docrec.h"
#include "ns_endian.h"
#include "ns_keyword.h"
#include "ns_rec.h"
#include "ns_term.h"
#include "ns_utf8.h"
#include "ns_varint.h"
#include "sr_cursor.h"
#include "sr_pos.h"

#define MAX_PROBLEMS 100

typedef struct checker {
    sr_index *ix;
    sr_check_cb cb;
    void *ctx;
    uint64_t problems;
} checker;

__attribute__((format(printf, 2, 3))) static void problem(checker *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->problems++ < MAX_PROBLEMS)
        c->cb(c->ctx, msg);
}

static void check_sums(checker *c)
{
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++) {
        char label[600];
        ns_err err;
        if (k > NS_FILE_KIND_COUNT && !c->ix->f[k].base)
            continue; /* a shard's files, absent from other indexes */
        snprintf(label, sizeof label, "%s/%s", c->ix->dir, ns_file_name((ns_file_kind)k));
        if (ns_file_check_sum(c->ix->f[k].base, c->ix->f[k].size, label, &err))
            problem(c, "%s", err.msg);
    }
}

static void check_term(checker *c, const sr_dict_iter *it, const sr_term_info *ti, uint32_t *tokens,
                       uint32_t *pbuf, uint64_t *coff)
{
    sr_index *ix = c->ix;
    const char *term = it->term;
    char shown[3 * 4 * NS_TERM_KEY_MAX + 8]; /* a keyword term as NAME:VALUE, escaped */
    const uint8_t *pp = ix->f[NS_FILE_POSITIONS].payload + ti->pos_off;
    const uint8_t *pend = pp + ti->pos_len;
    /* A keyword term (ns_keyword.h): a recorded field, tf 1, no positions,
     * not in any document's length. */
    bool kw = ns_keyword_is_key(term, it->term_len);
    if (kw) {
        const char *name, *value;
        size_t nlen, vlen;
        bool ok = ns_keyword_split(it->term, it->term_len, &name, &nlen, &value, &vlen);
        ns_buf b;
        ns_buf_init(&b);
        if (ok) {
            ns_term_put(&b, name, nlen, NS_TERM_NAME);
            ns_buf_putc(&b, ':');
            ns_term_put(&b, value, vlen, NS_TERM_NAME);
        } else {
            ns_term_put(&b, it->term, it->term_len, NS_TERM_NAME);
        }
        snprintf(shown, sizeof shown, "%s", b.len ? ns_buf_cstr(&b) : "?");
        ns_buf_release(&b);
        term = shown;
        if (!ok || !sr_index_has_keyword_field(ix, name, nlen))
            problem(c, "'%s/terms': keyword term '%s' of no keyword field", ix->dir, term);
        if (ti->cf != ti->df || ti->pos_len != 0) {
            problem(c, "'%s/terms': keyword term '%s' has positions or frequencies over 1", ix->dir,
                    term);
            return;
        }
        coff[0] = 0;
    } else if (sr_pos_decode_stream(&pp, pend, ti->cf, pbuf, coff)) {
        problem(c, "'%s/positions': term '%s': cannot decode", ix->dir, term);
        return;
    }
    if (pp != pend)
        problem(c, "'%s/positions': term '%s': %lld bytes unused", ix->dir, term,
                (long long)(pend - pp));
    sr_cursor cur;
    sr_cursor_init(&cur, ix, ti, 1, 1.0);
    uint64_t n = 0, cf = 0, k = 0; /* k: the next position in pbuf */
    uint32_t prev = 0, max_tf = 0, max_len = 0;
    double max_w = 0;
    uint32_t nb = (ti->df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
    for (uint32_t b = 0; b < nb && cur.doc != SR_DOC_END; b++) {
        uint32_t cnt = cur.n_in_block;
        uint32_t best_tf = 0, best_len = 0;
        double best_w = -1;
        const ns_skip *e = &cur.sk;
        if (cur.has_skip &&
            (ns_skip_pos_off(e, b) != coff[k / NS_BLOCK_LEN] || ns_skip_pos_upto(e, b) != k % NS_BLOCK_LEN))
            problem(c, "'%s/positions': term '%s' block %u: locator in skip entry wrong", ix->dir,
                    term, b);
        if (cur.has_skip && b >= e->n_full &&
            (ns_skip_doc_bits(e, b) || ns_skip_tf_bits(e, b) || ns_skip_tf_exc(e, b)))
            problem(c, "'%s/postings': term '%s': widths in the partial block's skip entry",
                    ix->dir, term);
        for (uint32_t i = 0; i < cnt; i++) {
            uint32_t d = cur.doc, tf = sr_cursor_freq(&cur);
            if (n && d <= prev)
                problem(c, "'%s/postings': term '%s': doc ids not increasing", ix->dir, term);
            uint32_t dl = sr_index_doclen(ix, d);
            if (dl == 0)
                problem(c, "'%s/postings': term '%s' lists deleted document %u", ix->dir, term, d);
            if (tf == 0 || tf > dl || tf > ti->cf - cf) {
                problem(c, "'%s/postings': term '%s': frequency %u in document %u of length %u",
                        ix->dir, term, tf, d, dl);
                return;
            }
            prev = d;
            cf += tf;
            if (!kw)
                tokens[d] += tf;
            double w = ns_bm25_tf(tf, dl, ix->avgdl);
            if (w > max_w) {
                max_w = w;
                max_tf = tf;
                max_len = dl;
            }
            if (w > best_w) {
                best_w = w;
                best_tf = tf;
                best_len = dl;
            }
            uint64_t pos = 0;
            for (uint32_t j = 0; j < tf && !kw; j++, k++) {
                pos = j ? pos + pbuf[k] + 1 : pbuf[k];
                if (pos >= dl) {
                    problem(c, "'%s/positions': term '%s' document %u: position %llu past its end",
                            ix->dir, term, d, (unsigned long long)pos);
                    return;
                }
            }
            n++;
            sr_cursor_next(&cur);
            if (c->problems > MAX_PROBLEMS)
                return;
        }
        if (cur.has_skip &&
            (ns_skip_bound_tf(e, b) != best_tf || ns_skip_bound_len(e, b) != best_len))
            problem(c, "'%s/postings': term '%s' block %u: skip entry bound (%u, %u), expected "
                    "(%u, %u)", ix->dir, term, b, ns_skip_bound_tf(e, b), ns_skip_bound_len(e, b),
                    best_tf, best_len);
    }
    if (cur.corrupt)
        problem(c, "'%s/postings': term '%s': posting list damaged", ix->dir, term);
    else if (n == ti->df && cur.block_end != cur.end)
        problem(c, "'%s/postings': term '%s': %lld bytes unused", ix->dir, term,
                (long long)(cur.end - cur.block_end));
    if (n != ti->df)
        problem(c, "'%s/postings': term '%s' has %llu postings, the dictionary says %u", ix->dir, term,
                (unsigned long long)n, ti->df);
    if (cf != ti->cf)
        problem(c, "'%s/postings': term '%s': frequencies sum to %llu, the dictionary says %llu",
                ix->dir, term, (unsigned long long)cf, (unsigned long long)ti->cf);
    if (n == ti->df && ti->df > 1 && (ti->bound_tf != max_tf || ti->bound_len != max_len))
        problem(c, "'%s/terms': term '%s': best posting (%u, %u), actual (%u, %u)", ix->dir, term,
                ti->bound_tf, ti->bound_len, max_tf, max_len);
}

static void check_postings(checker *c)
{
    sr_index *ix = c->ix;
    uint32_t *tokens = ns_calloc(ix->n_docs ? ix->n_docs : 1, sizeof *tokens);
    /* a term's positions and the offsets of its chunks, grown as needed */
    size_t pbuf_cap = (size_t)NS_BLOCK_LEN * 1024;
    uint32_t *pbuf = ns_malloc(pbuf_cap * sizeof *pbuf);                          /* owned */
    uint64_t *coff = ns_malloc((pbuf_cap / NS_BLOCK_LEN + 1) * sizeof *coff); /* owned */
    if (!tokens || !pbuf || !coff) {
        problem(c, "out of memory while checking '%s'", ix->dir);
        ns_free(tokens);
        ns_free(pbuf);
        ns_free(coff);
        return;
    }
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info ti;
    ns_err err;
    char prev[NS_TERM_KEY_MAX + 1] = "";
    size_t prev_len = 0;
    uint64_t n_terms = 0, n_postings = 0, post_end = 0, pos_end = 0;
    int r;
    while ((r = sr_dict_iter_next(ix, &it, &ti, &err)) == 1 && c->problems < MAX_PROBLEMS) {
        size_t m = it.term_len < prev_len ? it.term_len : prev_len;
        int cmp = memcmp(prev, it.term, m);
        if (n_terms && (cmp > 0 || (cmp == 0 && prev_len >= it.term_len)))
            problem(c, "'%s/terms': terms out of order at '%s'", ix->dir, it.term);
        if (ti.post_off != post_end || ti.pos_off != pos_end)
            problem(c, "'%s/terms': term '%s': postings offsets not contiguous", ix->dir, it.term);
        memcpy(prev, it.term, it.term_len + 1);
        prev_len = it.term_len;
        n_terms++;
        n_postings += ti.df;
        post_end = ti.post_off + ti.post_len;
        pos_end = ti.pos_off + ti.pos_len;
        /* the term's positions: cf values, at most every token */
        if (ti.cf > ix->total_tokens) {
            problem(c, "'%s/terms': term '%s': implausible total frequency %llu", ix->dir, it.term,
                    (unsigned long long)ti.cf);
            continue;
        }
        if (ti.cf > pbuf_cap) {
            size_t need = (size_t)ti.cf;
            uint32_t *nb = ns_realloc(pbuf, need * sizeof *nb);
            if (nb)
                pbuf = nb;
            uint64_t *nc = ns_realloc(coff, (need / NS_BLOCK_LEN + 1) * sizeof *nc);
            if (nc)
                coff = nc;
            if (!nb || !nc) {
                problem(c, "out of memory while checking '%s'", ix->dir);
                break;
            }
            pbuf_cap = need;
        }
        check_term(c, &it, &ti, tokens, pbuf, coff);
    }
    if (r < 0)
        problem(c, "%s", err.msg);
    if (r == 0) {
        if (n_postings != ix->n_postings)
            problem(c, "'%s/meta': %llu postings recorded, %llu found", ix->dir,
                    (unsigned long long)ix->n_postings, (unsigned long long)n_postings);
        if (post_end != ix->f[NS_FILE_POSTINGS].payload_len)
            problem(c, "'%s/postings': %llu bytes not referenced by any term", ix->dir,
                    (unsigned long long)(ix->f[NS_FILE_POSTINGS].payload_len - post_end));
        if (pos_end != ix->f[NS_FILE_POSITIONS].payload_len)
            problem(c, "'%s/positions': %llu bytes not referenced by any term", ix->dir,
                    (unsigned long long)(ix->f[NS_FILE_POSITIONS].payload_len - pos_end));
        uint64_t live = 0, total = 0;
        bool stop = ns_analyzer_stop_list(ix->an) != NS_STOP_NONE;
        for (uint64_t d = 0; d < ix->n_docs; d++) {
            uint32_t dl = sr_index_doclen(ix, (uint32_t)d);
            live += dl != 0;
            total += dl;
            /* Stop words count in the length but have no postings. */
            bool bad = stop ? tokens[d] > dl : tokens[d] != dl;
            if (bad && c->problems < MAX_PROBLEMS)
                problem(c, "'%s/doclens': document %llu has length %u but %u tokens in postings",
                        ix->dir, (unsigned long long)d, dl, tokens[d]);
        }
        if (live != ix->n_live || total != ix->total_tokens)
            problem(c, "'%s/meta': document or token counts disagree with 'doclens'", ix->dir);
    }
    ns_free(tokens);
    ns_free(pbuf);
    ns_free(coff);
}

static int count_none(void *ctx, const ns_token *t)
{
    (void)ctx;
    (void)t;
    return 0;
}

/* doclens' title length of doc: 0 when dead, else the positions its
 * stored title takes when analysed again (what the indexer recorded). */
static void check_title_len(checker *c, uint32_t d, const sr_doc *doc)
{
    sr_index *ix = c->ix;
    uint32_t dl = sr_index_doclen(ix, d), tl = sr_index_title_len(ix, d);
    if (dl == 0 || tl > dl) {
        if (tl)
            problem(c, "'%s/doclens': document %u: title length %u, document length %u", ix->dir, d,
                    tl, dl);
        return;
    }
    if (ns_analyze(ix->an, doc->f[NS_FIELD_TITLE], doc->len[NS_FIELD_TITLE], count_none, NULL)) {
        problem(c, "out of memory while checking '%s'", ix->dir);
        return;
    }
    uint32_t words = ns_analyzer_words(ix->an);
    if (words != tl)
        problem(c, "'%s/doclens': document %u: title length %u, its title has %u words", ix->dir, d,
                tl, words);
}

/* The document table: every record, the field names, the sorted ids. */
static void check_docs(checker *c)
{
    sr_index *ix = c->ix;
    unsigned w = ix->docs_width;
    if (ns_offset_get(ix->docs_offsets, w) != 0 ||
        ns_offset_get(ix->docs_offsets + ix->n_docs * w, w) != ix->docs_names_off)
        problem(c, "'%s/docs': the records do not fill the table", ix->dir);
    for (uint64_t i = 0; i < ix->n_fields && c->problems < MAX_PROBLEMS; i++) {
        const struct sr_field_name *f = &ix->field_names[i];
        size_t bad;
        if (!ns_utf8_valid((const uint8_t *)f->name, f->len, &bad))
            problem(c, "'%s/docs': field name %llu is not UTF-8", ix->dir, (unsigned long long)i);
        for (uint64_t j = 0; j < i; j++)
            if (ix->field_names[j].len == f->len && !memcmp(ix->field_names[j].name, f->name, f->len))
                problem(c, "'%s/docs': field name %llu repeats name %llu", ix->dir,
                        (unsigned long long)i, (unsigned long long)j);
    }
    ns_err err;
    for (uint64_t d = 0; d < ix->n_docs && c->problems < MAX_PROBLEMS; d++) {
        uint64_t a = ns_offset_get(ix->docs_offsets + d * w, w), b = ns_offset_get(ix->docs_offsets + (d + 1) * w, w);
        sr_doc doc;
        if (a > b) {
            problem(c, "'%s/docs': document %llu: offsets out of order", ix->dir, (unsigned long long)d);
            continue;
        }
        if (sr_index_doc_head(ix, (uint32_t)d, &doc, &err)) {
            problem(c, "%s", err.msg);
            continue;
        }
        static const char *const names[] = {"id", "title", "body", "date", "url"};
        for (int k = 0; k < NS_FIELD_COUNT; k++) {
            size_t bad;
            if (k == NS_FIELD_BODY)
                continue;
            if (doc.len[k] > NS_MAX_FIELD_BYTES || (k == NS_FIELD_ID && doc.len[k] == 0) ||
                !ns_utf8_valid((const uint8_t *)doc.f[k], doc.len[k], &bad))
                problem(c, "'%s/docs': document %llu: bad %s", ix->dir, (unsigned long long)d, names[k]);
        }
        check_title_len(c, (uint32_t)d, &doc);
        sr_field_iter it;
        sr_field f;
        sr_doc_field_first(&doc, &it);
        int r;
        while ((r = sr_doc_field_next(ix, &doc, &it, &f, &err)) == 1) {
            size_t bad;
            if (f.v && !ns_utf8_valid((const uint8_t *)f.v, f.len, &bad))
                problem(c, "'%s/docs': document %llu: field '%.*s' is not UTF-8", ix->dir,
                        (unsigned long long)d, (int)f.name_len, f.name);
        }
        if (r < 0)
            problem(c, "%s", err.msg);
    }
    /* the ids: every live document once, in strictly increasing order */
    const char *prev = NULL;
    size_t prev_len = 0;
    for (uint64_t i = 0; i < ix->n_live && c->problems < MAX_PROBLEMS; i++) {
        uint32_t d = ns_get_u32le(ix->docs_ids + 4 * i);
        sr_doc doc;
        if (d >= ix->n_docs || sr_index_doclen(ix, d) == 0 ||
            sr_index_doc_head(ix, d, &doc, &err)) {
            problem(c, "'%s/docs': id list entry %llu names document %u, not a live one", ix->dir,
                    (unsigned long long)i, d);
            prev = NULL;
            continue;
        }
        const char *id = doc.f[NS_FIELD_ID];
        size_t len = doc.len[NS_FIELD_ID];
        if (prev) {
            int cmp = memcmp(prev, id, prev_len < len ? prev_len : len);
            if (cmp > 0 || (cmp == 0 && prev_len >= len))
                problem(c, "'%s/docs': id list out of order at entry %llu", ix->dir,
                        (unsigned long long)i);
        }
        prev = id;
        prev_len = len;
    }
}

/* The docstore: the dictionary and every document's frame. */
static void check_docstore(checker *c)
{
    sr_index *ix = c->ix;
    unsigned w = ix->ds_width;
    if (ix->ds_dict_len && ZDICT_getDictID(ix->f[NS_FILE_DOCSTORE].payload, ix->ds_dict_len) == 0)
        problem(c, "'%s/docstore': the dictionary is damaged", ix->dir);
    if (ns_offset_get(ix->ds_offsets, w) != ix->ds_dict_len ||
        ns_offset_get(ix->ds_offsets + ix->n_docs * w, w) != ix->ds_offsets_off)
        problem(c, "'%s/docstore': the frames do not fill the file", ix->dir);
    ns_err err;
    for (uint64_t d = 0; d < ix->n_docs && c->problems < MAX_PROBLEMS; d++) {
        sr_doc doc;
        if (sr_index_doc_head(ix, (uint32_t)d, &doc, &err))
            continue; /* reported by check_docs */
        ns_rc rc = sr_index_doc_body(ix, &doc, &err);
        if (rc == NS_E_NOMEM) {
            problem(c, "out of memory while checking '%s'", ix->dir);
            break;
        }
        size_t bad;
        if (rc)
            problem(c, "%s", err.msg);
        else if (!ns_utf8_valid((const uint8_t *)doc.f[NS_FIELD_BODY], doc.len[NS_FIELD_BODY], &bad))
            problem(c, "'%s/docstore': document %llu: the body is not UTF-8", ix->dir,
                    (unsigned long long)d);
    }
}

ns_rc sr_check_files(const char *dir, sr_check_cb cb, void *ctx, uint64_t *n_problems, ns_err *err)
{
    checker c = {NULL, cb, ctx, 0};
    ns_rc rc = NS_OK;
    for (int k = 1; k <= NS_FILE_KIND_MAX && !rc; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ns_file_name((ns_file_kind)k));
        /* O_NONBLOCK: a FIFO in the index must not hang the check */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            if (errno == ENOENT && k > NS_FILE_KIND_COUNT)
                continue; /* only shards have them */
            if (errno == ENOENT)
                problem(&c, "'%s' is missing", path);
            else
                rc = ns_err_sys(err, NS_E_IO, errno, "cannot open '%s'", path);
            continue;
        }
        struct stat sb;
        if (fstat(fd, &sb) != 0) {
            rc = ns_err_sys(err, NS_E_IO, errno, "cannot stat '%s'", path);
            close(fd);
            continue;
        }
        if (!S_ISREG(sb.st_mode) || sb.st_size == 0) {
            problem(&c, "'%s' is %s", path, S_ISREG(sb.st_mode) ? "empty" : "not a regular file");
            close(fd);
            continue;
        }
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        int e = errno;
        close(fd);
        if (m == MAP_FAILED) {
            rc = ns_err_sys(err, e == ENOMEM ? NS_E_NOMEM : NS_E_IO, e, "cannot map '%s'", path);
            continue;
        }
        ns_err ferr;
        if (ns_file_check_frame(m, (size_t)sb.st_size, (ns_file_kind)k, path, &ferr) ||
            ns_file_check_sum(m, (size_t)sb.st_size, path, &ferr))
            problem(&c, "%s", ferr.msg);
        munmap(m, (size_t)sb.st_size);
    }
    *n_problems = c.problems;
    return rc;
}

uint64_t sr_check(sr_index *ix, sr_check_cb cb, void *ctx)
{
    checker c = {ix, cb, ctx, 0};
    check_sums(&c);
    check_postings(&c);
    check_docs(&c);
    check_docstore(&c);
    return c.problems;
}
