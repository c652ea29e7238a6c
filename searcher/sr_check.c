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
#include <zstd.h>

#include "ns_alloc.h"
#include "ns_docrec.h"
#include "ns_endian.h"
#include "ns_varint.h"
#include "sr_cursor.h"

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

/* Decodes n values of a positions stream (128-value packed chunks, then a
 * varint tail).  Returns 0 or -1. */
static int decode_stream(const uint8_t **pp, const uint8_t *end, uint64_t n, uint32_t *out)
{
    const uint8_t *p = *pp;
    uint64_t i = 0;
    for (; n - i >= NS_BLOCK_LEN; i += NS_BLOCK_LEN) {
        if (p >= end || *p > 32 || (size_t)(end - p - 1) < ns_block_bytes(*p))
            return -1;
        ns_block_unpack(p + 1, *p, out + i);
        p += 1 + ns_block_bytes(*p);
    }
    for (; i < n; i++)
        if (ns_varint_get32(&p, end, &out[i]))
            return -1;
    *pp = p;
    return 0;
}

static void check_sums(checker *c)
{
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        char label[600];
        ns_err err;
        snprintf(label, sizeof label, "%s/%s", c->ix->dir, ns_file_name((ns_file_kind)k));
        if (ns_file_check_sum(c->ix->f[k].base, c->ix->f[k].size, label, &err))
            problem(c, "%s", err.msg);
    }
}

static void check_term(checker *c, const sr_dict_iter *it, const sr_term_info *ti, uint32_t *tokens,
                       uint32_t *pbuf)
{
    sr_index *ix = c->ix;
    const char *term = it->term;
    sr_cursor cur;
    sr_cursor_init(&cur, ix, ti, 1, 1.0);
    uint64_t n = 0, cf = 0;
    uint32_t prev = 0;
    double max_w = 0;
    const uint8_t *pp = ix->f[NS_FILE_POSITIONS].payload + ti->pos_off;
    const uint8_t *pend = pp + ti->pos_len;
    uint32_t nb = (ti->df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
    for (uint32_t b = 0; b < nb && cur.doc != SR_DOC_END; b++) {
        uint32_t cnt = cur.n_in_block, max_tf = 0, min_len = UINT32_MAX;
        uint32_t best_tf = 0, best_len = 0;
        double best_w = -1;
        uint64_t sum_tf = 0;
        uint32_t tfs[NS_BLOCK_LEN], docs[NS_BLOCK_LEN];
        for (uint32_t i = 0; i < cnt; i++) {
            uint32_t d = cur.doc, tf = sr_cursor_freq(&cur);
            if (n && d <= prev)
                problem(c, "'%s/postings': term '%s': doc ids not increasing", ix->dir, term);
            uint32_t dl = sr_index_doclen(ix, d);
            if (dl == 0)
                problem(c, "'%s/postings': term '%s' lists deleted document %u", ix->dir, term, d);
            if (tf == 0 || tf > dl)
                problem(c, "'%s/postings': term '%s': frequency %u in document %u of length %u",
                        ix->dir, term, tf, d, dl);
            prev = d;
            docs[i] = d;
            tfs[i] = tf;
            sum_tf += tf;
            cf += tf;
            tokens[d] += tf;
            if (tf > max_tf)
                max_tf = tf;
            if (dl < min_len)
                min_len = dl;
            double w = ns_bm25_tf(tf, dl, ix->avgdl);
            if (w > max_w)
                max_w = w;
            if (w > best_w) {
                best_w = w;
                best_tf = tf;
                best_len = dl;
            }
            n++;
            sr_cursor_next(&cur);
            if (c->problems > MAX_PROBLEMS)
                return;
        }
        if (cur.skip) {
            const uint8_t *s = cur.skip + (size_t)b * NS_SKIP_ENTRY;
            /* 1.0 stored (max tf, min length); 1.1 the best posting's pair */
            uint32_t want_tf = ix->minor >= 1 ? best_tf : max_tf;
            uint32_t want_len = ix->minor >= 1 ? best_len : min_len;
            if (ns_get_u32le(s + 12) != want_tf || ns_get_u32le(s + 16) != want_len)
                problem(c, "'%s/postings': term '%s' block %u: skip entry bound (%u, %u), expected "
                        "(%u, %u)", ix->dir, term, b, ns_get_u32le(s + 12), ns_get_u32le(s + 16),
                        want_tf, want_len);
            const uint8_t *want = ix->f[NS_FILE_POSITIONS].payload + ti->pos_off + ns_get_u32le(s + 8);
            if (want != pp)
                problem(c, "'%s/positions': term '%s' block %u: offset in skip entry wrong", ix->dir,
                        term, b);
        }
        if (sum_tf > (uint64_t)NS_MAX_DOC_BYTES * NS_BLOCK_LEN ||
            decode_stream(&pp, pend, sum_tf, pbuf)) {
            problem(c, "'%s/positions': term '%s' block %u: cannot decode", ix->dir, term, b);
            return;
        }
        uint64_t k = 0;
        for (uint32_t i = 0; i < cnt; i++) {
            uint64_t pos = 0;
            for (uint32_t j = 0; j < tfs[i]; j++, k++) {
                pos = j ? pos + pbuf[k] + 1 : pbuf[k];
                if (pos >= sr_index_doclen(ix, docs[i])) {
                    problem(c, "'%s/positions': term '%s' document %u: position %llu past its end",
                            ix->dir, term, docs[i], (unsigned long long)pos);
                    return;
                }
            }
        }
    }
    if (cur.corrupt)
        problem(c, "'%s/postings': term '%s': posting list damaged", ix->dir, term);
    if (n != ti->df)
        problem(c, "'%s/postings': term '%s' has %llu postings, the dictionary says %u", ix->dir, term,
                (unsigned long long)n, ti->df);
    if (cf != ti->cf)
        problem(c, "'%s/postings': term '%s': frequencies sum to %llu, the dictionary says %llu",
                ix->dir, term, (unsigned long long)cf, (unsigned long long)ti->cf);
    if (pp != pend)
        problem(c, "'%s/positions': term '%s': %lld bytes unused", ix->dir, term,
                (long long)(pend - pp));
    double true_max = ns_bm25_idf((double)ix->n_live, (double)ti->df) * max_w;
    if (n == ti->df && ((double)ti->max_score < true_max ||
                        (double)ti->max_score > true_max * (1 + 1e-6) + 1e-9))
        problem(c, "'%s/terms': term '%s': stored max score %.9g, actual %.9g", ix->dir, term,
                (double)ti->max_score, true_max);
}

static void check_postings(checker *c)
{
    sr_index *ix = c->ix;
    uint32_t *tokens = ns_calloc(ix->n_docs ? ix->n_docs : 1, sizeof *tokens);
    uint32_t *pbuf = ns_malloc(((size_t)NS_BLOCK_LEN * 1024 + NS_BLOCK_LEN) * sizeof *pbuf);
    size_t pbuf_cap = (size_t)NS_BLOCK_LEN * 1024;
    if (!tokens || !pbuf) {
        problem(c, "out of memory while checking '%s'", ix->dir);
        ns_free(tokens);
        ns_free(pbuf);
        return;
    }
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info ti;
    ns_err err;
    char prev[257] = "";
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
        /* positions of one block: at most 128 documents' tokens */
        uint64_t need = 0;
        if (ti.cf > pbuf_cap) {
            need = ti.cf < (uint64_t)NS_MAX_DOC_BYTES * NS_BLOCK_LEN ? ti.cf : 0;
            uint32_t *nb = need ? ns_realloc(pbuf, (need + NS_BLOCK_LEN) * sizeof *nb) : NULL;
            if (!nb) {
                problem(c, "'%s/terms': term '%s': implausible total frequency %llu", ix->dir,
                        it.term, (unsigned long long)ti.cf);
                continue;
            }
            pbuf = nb;
            pbuf_cap = need;
        }
        check_term(c, &it, &ti, tokens, pbuf);
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
}

static void check_docstore(checker *c)
{
    sr_index *ix = c->ix;
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    ns_buf raw;
    ns_buf_init(&raw);
    uint64_t next_off = 0, next_doc = 0;
    for (uint64_t b = 0; b < ix->n_ds_blocks && c->problems < MAX_PROBLEMS && dctx; b++) {
        const uint8_t *e = ix->ds_table + b * NS_DOCSTORE_ENTRY;
        uint64_t off = ns_get_u64le(e);
        uint32_t clen = ns_get_u32le(e + 8), rlen = ns_get_u32le(e + 12);
        uint32_t first = ns_get_u32le(e + 16), n = ns_get_u32le(e + 20);
        if (off != next_off || first != next_doc || n == 0 || clen > ix->ds_table_off - off ||
            rlen > NS_DOCSTORE_MAX_RAW) {
            problem(c, "'%s/docstore': block %llu: bad table entry", ix->dir, (unsigned long long)b);
            break;
        }
        next_off = off + clen;
        next_doc = (uint64_t)first + n;
        ns_buf_reset(&raw);
        if (ns_buf_reserve(&raw, rlen)) {
            problem(c, "out of memory while checking '%s'", ix->dir);
            break;
        }
        size_t got = ZSTD_decompressDCtx(dctx, raw.data, rlen, ix->f[NS_FILE_DOCSTORE].payload + off,
                                         clen);
        if (ZSTD_isError(got) || got != rlen) {
            problem(c, "'%s/docstore': block %llu does not decompress", ix->dir, (unsigned long long)b);
            continue;
        }
        const uint8_t *p = raw.data, *end = raw.data + rlen;
        ns_docrec r;
        for (uint32_t i = 0; i < n; i++) {
            if (ns_docrec_get(&p, end, &r)) {
                problem(c, "'%s/docstore': block %llu: record %u damaged", ix->dir,
                        (unsigned long long)b, i);
                break;
            }
        }
        if (p != end)
            problem(c, "'%s/docstore': block %llu: trailing bytes", ix->dir, (unsigned long long)b);
    }
    if (c->problems < MAX_PROBLEMS && (next_off != ix->ds_table_off || next_doc != ix->n_docs))
        problem(c, "'%s/docstore': blocks cover %llu documents, the index has %llu", ix->dir,
                (unsigned long long)next_doc, (unsigned long long)ix->n_docs);
    ns_buf_release(&raw);
    ZSTD_freeDCtx(dctx);
}

uint64_t sr_check_files(const char *dir, sr_check_cb cb, void *ctx)
{
    checker c = {NULL, cb, ctx, 0};
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ns_file_name((ns_file_kind)k));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            problem(&c, "'%s': %s", path, strerror(errno));
            continue;
        }
        struct stat sb;
        void *m = MAP_FAILED;
        if (fstat(fd, &sb) == 0 && sb.st_size > 0)
            m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (m == MAP_FAILED) {
            problem(&c, "'%s' is empty or unreadable", path);
            continue;
        }
        ns_err err;
        if (ns_file_check_frame(m, (size_t)sb.st_size, (ns_file_kind)k, path, &err) ||
            ns_file_check_sum(m, (size_t)sb.st_size, path, &err))
            problem(&c, "%s", err.msg);
        munmap(m, (size_t)sb.st_size);
    }
    return c.problems;
}

uint64_t sr_check(sr_index *ix, sr_check_cb cb, void *ctx)
{
    checker c = {ix, cb, ctx, 0};
    check_sums(&c);
    check_postings(&c);
    check_docstore(&c);
    return c.problems;
}
