/* sh_set: a shard set's statistics: merge, application, check (sh_set.h). */
#include "sh_set.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "ix_file.h"
#include "ix_tmpdir.h"
#include "ix_writer.h"
#include "ns_alloc.h"
#include "ns_endian.h"
#include "ns_keyword.h"
#include "ns_rec.h"
#include "sr_cursor.h"
#include "sr_pos.h"

ns_rc sh_stats_of(const sr_index *ix, ns_buf *out, ns_err *err)
{
    if (!ix->n_shards)
        return ns_err_set(err, NS_E_ARG, "'%s' is not a shard (build shards with nindex --shard)",
                          ix->dir);
    if (ns_buf_append(out, ix->f[NS_FILE_SHARD].payload, NS_SHARD_HEAD_LEN) ||
        ns_buf_append(out, ix->shard_stats, ix->shard_stats_len))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    return NS_OK;
}

/* One shard's entries during the merge. */
typedef struct src {
    const uint8_t *p, *end;
    char term[NS_TERM_KEY_MAX + 1];
    size_t len;
    uint64_t df, left;
    int live; /* an entry is in term[] */
} src;

static int cmp_key(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Moves s to its next entry; -1 when malformed. */
static int src_next(src *s)
{
    if (s->left == 0) {
        s->live = 0;
        return s->p == s->end ? 0 : -1;
    }
    char prev[NS_TERM_KEY_MAX + 1];
    size_t pl = s->len;
    memcpy(prev, s->term, pl);
    if (ns_stats_entry_get(&s->p, s->end, s->term, &s->len, &s->df))
        return -1;
    if (s->live && cmp_key(prev, pl, s->term, s->len) >= 0)
        return -1; /* not in increasing order */
    s->left--;
    s->live = 1;
    return 0;
}

ns_rc sh_merge(const uint8_t *const *stats, const size_t *len, const char *const *label, size_t n,
               ns_buf *out, ns_err *err)
{
    if (n == 0)
        return ns_err_set(err, NS_E_ARG, "no shards given");
    ns_shard_head *h = ns_calloc(n, sizeof *h);
    size_t *by = ns_calloc(n, sizeof *by); /* shard number -> its position + 1 */
    src *s = ns_calloc(n, sizeof *s);
    ns_rc rc = NS_OK;
    if (!h || !by || !s) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if (len[i] < NS_SHARD_HEAD_LEN || ns_shard_head_get(stats[i], &h[i]) ||
            h[i].rule != NS_SHARD_RULE_ID_XXH64 || h[i].stats_len != len[i] - NS_SHARD_HEAD_LEN)
            rc = ns_err_set(err, NS_E_CORRUPT, "the statistics of '%s' are damaged", label[i]);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if (h[i].n_shards != n)
            rc = ns_err_set(err, NS_E_ARG,
                            "'%s' is shard %u of %u, but %zu shards are given: give every shard "
                            "of one set once",
                            label[i], h[i].shard, h[i].n_shards, n);
        else if (h[i].n_input != h[0].n_input || h[i].input_hash != h[0].input_hash)
            rc = ns_err_set(err, NS_E_ARG,
                            "'%s' and '%s' were built from different input (%llu and %llu "
                            "documents): not shards of one input",
                            label[i], label[0], (unsigned long long)h[i].n_input,
                            (unsigned long long)h[0].n_input);
        else if (h[i].identity != h[0].identity)
            rc = ns_err_set(err, NS_E_ARG,
                            "'%s' and '%s' were analysed differently (language, stop words or "
                            "options): rebuild the shards with the same nindex options",
                            label[i], label[0]);
        else if (by[h[i].shard])
            rc = ns_err_set(err, NS_E_ARG, "'%s' and '%s' are both shard %u of %zu",
                            label[by[h[i].shard] - 1], label[i], h[i].shard, n);
        else
            by[h[i].shard] = i + 1;
    }
    if (rc)
        goto done;
    ns_global_head g = {.n_shards = (uint32_t)n, .n_input = h[0].n_input};
    for (size_t i = 0; i < n; i++) {
        g.n_live += h[i].n_live;
        g.total_tokens += h[i].total_tokens;
    }
    size_t head_at = out->len;
    uint8_t hb[NS_GLOBAL_HEAD_LEN] = {0};
    if (ns_buf_append(out, hb, sizeof hb)) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        goto done;
    }
    for (uint32_t k = 0; k < n; k++) {
        size_t i = by[k] - 1;
        uint8_t x[8];
        ns_put_u64le(x, XXH64(stats[i], len[i], 0));
        if (ns_buf_append(out, x, sizeof x)) {
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < n && !rc; i++) {
        s[i].p = stats[i] + NS_SHARD_HEAD_LEN;
        s[i].end = stats[i] + len[i];
        s[i].left = h[i].n_terms;
        if (src_next(&s[i]))
            rc = ns_err_set(err, NS_E_CORRUPT, "the statistics of '%s' are damaged", label[i]);
    }
    /* n-way merge by term (a linear scan for the least: sets are small
     * next to their vocabularies) */
    char prev[NS_TERM_KEY_MAX + 1];
    size_t prev_len = 0;
    while (!rc) {
        size_t m = n;
        for (size_t i = 0; i < n; i++)
            if (s[i].live && (m == n || cmp_key(s[i].term, s[i].len, s[m].term, s[m].len) < 0))
                m = i;
        if (m == n)
            break;
        char key[NS_TERM_KEY_MAX + 1];
        size_t kl = s[m].len;
        memcpy(key, s[m].term, kl);
        uint64_t df = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            if (s[i].live && cmp_key(s[i].term, s[i].len, key, kl) == 0) {
                df += s[i].df;
                if (src_next(&s[i]))
                    rc = ns_err_set(err, NS_E_CORRUPT, "the statistics of '%s' are damaged",
                                    label[i]);
            }
        }
        size_t shared = 0;
        while (g.n_terms && shared < kl && shared < prev_len && key[shared] == prev[shared])
            shared++;
        if (!rc && ns_buf_reserve(out, NS_STATS_ENTRY_BOUND))
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        if (rc)
            break;
        out->len += ns_stats_entry_put(out->data + out->len, shared, (const uint8_t *)key + shared,
                                       kl - shared, df);
        memcpy(prev, key, kl);
        prev_len = kl;
        g.n_terms++;
    }
    if (rc)
        goto done;
    g.n_local = g.n_terms;
    /* the set's identity: every shard's statistics, in shard order */
    XXH64_state_t *st = XXH64_createState();
    if (!st) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        goto done;
    }
    XXH64_reset(st, 0);
    for (uint32_t k = 0; k < n; k++)
        XXH64_update(st, stats[by[k] - 1], len[by[k] - 1]);
    g.set_id = XXH64_digest(st);
    XXH64_freeState(st);
    if (g.set_id == 0)
        g.set_id = 1; /* 0 means "not merged" */
    ns_global_head_put(out->data + head_at, &g);
done:
    ns_free(h);
    ns_free(by);
    ns_free(s);
    return rc;
}

/* The set's df of each of ix's terms, in dictionary order, into gdf. */
static ns_rc local_gdf(const sr_index *ix, const ns_global_head *g, const uint8_t *ents,
                       const uint8_t *end, uint32_t *gdf, ns_err *err)
{
    src s;
    memset(&s, 0, sizeof s);
    s.p = ents;
    s.end = end;
    s.left = g->n_terms;
    if (src_next(&s))
        return ns_err_set(err, NS_E_CORRUPT, "the set's statistics are damaged");
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info info;
    int r;
    uint64_t k = 0;
    while ((r = sr_dict_iter_next(ix, &it, &info, err)) == 1) {
        int c;
        while (s.live && (c = cmp_key(s.term, s.len, it.term, it.term_len)) < 0)
            if (src_next(&s))
                return ns_err_set(err, NS_E_CORRUPT, "the set's statistics are damaged");
        if (!s.live || c != 0 || s.df < info.df || s.df > g->n_live || k >= ix->n_terms)
            return ns_err_set(err, NS_E_ARG,
                              "the set's statistics do not cover '%s' (a term it has): merge the "
                              "statistics of the shards it belongs to",
                              ix->dir);
        gdf[k++] = (uint32_t)s.df;
    }
    return r < 0 ? NS_E_CORRUPT : NS_OK;
}

/* Copies (or hard-links) file kind k of src_dir into dst_dir. */
static ns_rc link_file(const char *src_dir, const char *dst_dir, ns_file_kind k, ns_err *err)
{
    char *a = ix_tmpdir_path(src_dir, ns_file_name(k)), *b = ix_tmpdir_path(dst_dir, ns_file_name(k));
    ns_rc rc = NS_OK;
    if (!a || !b) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    } else if (link(a, b) != 0) {
        /* another file system or no hard links: copy */
        int in = open(a, O_RDONLY | O_CLOEXEC), o = -1;
        if (in < 0 || (o = open(b, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
            rc = ns_err_sys(err, NS_E_IO, errno, "cannot copy '%s'", a);
        } else {
            char buf[1 << 16];
            ssize_t got;
            while (!rc && (got = read(in, buf, sizeof buf)) != 0) {
                if (got < 0 || write(o, buf, (size_t)got) != got)
                    rc = ns_err_sys(err, NS_E_IO, errno, "cannot copy '%s'", a);
            }
            if (!rc && fsync(o) != 0)
                rc = ns_err_sys(err, NS_E_IO, errno, "cannot copy '%s'", a);
        }
        if (in >= 0)
            close(in);
        if (o >= 0)
            close(o);
    }
    ns_free(a);
    ns_free(b);
    return rc;
}

/* Re-encodes every term of ix through a writer whose bounds use avgdl. */
static ns_rc rewrite(const sr_index *ix, const char *tmp, double avgdl, ix_writer_stats *ws,
                     ns_err *err)
{
    uint32_t *dl = ns_malloc((ix->n_docs ? ix->n_docs : 1) * sizeof *dl);
    uint16_t *tl = ns_malloc((ix->n_docs ? ix->n_docs : 1) * sizeof *tl);
    uint8_t *pbuf = NULL;
    size_t pcap = 0;
    ix_writer *w = NULL;
    ns_rc rc = NS_OK;
    if (!dl || !tl) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        goto done;
    }
    for (uint32_t d = 0; d < ix->n_docs; d++) {
        dl[d] = sr_index_doclen(ix, d);
        tl[d] = (uint16_t)sr_index_title_len(ix, d);
    }
    const sr_map *m = &ix->f[NS_FILE_META];
    ix_doc_tables t = {dl,
                       tl,
                       (uint32_t)ix->n_docs,
                       m->payload + NS_META_REC_LEN,
                       m->payload_len - NS_META_REC_LEN,
                       ix->n_kw_fields,
                       avgdl,
                       NULL};
    if ((rc = ix_writer_open(tmp, &t, &w, err)))
        goto done;
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info info;
    int r;
    while (!rc && (r = sr_dict_iter_next(ix, &it, &info, err)) == 1) {
        if ((rc = ix_writer_term_begin(w, it.term, it.term_len, err)))
            break;
        sr_cursor c;
        sr_cursor_init(&c, ix, &info, 1.0, 1.0);
        sr_pos pr;
        sr_pos_init(&pr, ix, &info);
        int has_pos = info.pos_len > 0;
        while (!rc && c.doc != SR_DOC_END) {
            uint32_t tf = sr_cursor_freq(&c);
            size_t plen = 0;
            if (has_pos) {
                const uint32_t *pos;
                uint32_t np;
                if (sr_pos_get(&pr, &c, &pos, &np) || np != tf) {
                    rc = ns_err_set(err, NS_E_CORRUPT, "'%s/positions' is corrupt", ix->dir);
                    break;
                }
                if (pcap < (size_t)np * NS_VARINT_MAX_BYTES + 1) {
                    size_t nc = (size_t)np * NS_VARINT_MAX_BYTES + 64;
                    uint8_t *nb = ns_realloc(pbuf, nc);
                    if (!nb) {
                        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
                        break;
                    }
                    pbuf = nb;
                    pcap = nc;
                }
                /* as the inverter gives them: the first, then gaps minus one */
                for (uint32_t j = 0; j < np; j++)
                    plen += ns_varint_put(pbuf + plen, j ? pos[j] - pos[j - 1] - 1 : pos[0]);
            }
            rc = ix_writer_posting(w, c.doc, tf, pbuf, plen, err);
            sr_cursor_next(&c);
        }
        if (!rc && c.corrupt)
            rc = ns_err_set(err, NS_E_CORRUPT, "'%s/postings' is corrupt", ix->dir);
        sr_pos_release(&pr);
        if (!rc)
            rc = ix_writer_term_end(w, err);
    }
    if (!rc && r < 0)
        rc = NS_E_CORRUPT;
    if (!rc) {
        uint32_t flags = ns_analyzer_keep_diacritics(ix->an) ? NS_META_ANALYZER_KEEP_DIACRITICS : 0;
        rc = ix_writer_finish(w, ix->lang, ns_analyzer_stop_list(ix->an), flags, ix->identity,
                              ix->f[NS_FILE_DOCSTORE].size, ix->f[NS_FILE_DOCS].size, ws, err);
    }
done:
    ix_writer_free(w);
    ns_free(dl);
    ns_free(tl);
    ns_free(pbuf);
    return rc;
}

ns_rc sh_apply(const char *dir, const uint8_t *global, size_t len, ns_err *err)
{
    ns_global_head g;
    if (len < NS_GLOBAL_HEAD_LEN || ns_global_head_get(global, &g) || g.n_shards == 0 ||
        g.n_shards > NS_MAX_SHARDS || (len - NS_GLOBAL_HEAD_LEN) / 8 < g.n_shards)
        return ns_err_set(err, NS_E_CORRUPT, "the set's statistics are damaged");
    const uint8_t *hashes = global + NS_GLOBAL_HEAD_LEN, *ents = hashes + 8 * (size_t)g.n_shards;
    char *target = NULL, *tmp = NULL;
    ix_lock lk = {-1, NULL};
    ns_rc rc = ix_tmpdir_create(dir, 0, &target, &tmp, &lk, err);
    if (rc)
        return rc;
    sr_index *ix = NULL;
    uint32_t *gdf = NULL;
    ns_buf own;
    ns_buf_init(&own);
    int installed = 0;
    if ((rc = sr_index_open(target, &ix, err)))
        goto done;
    if ((rc = sh_stats_of(ix, &own, err)))
        goto done;
    if (ix->n_shards != g.n_shards || ix->n_input != g.n_input ||
        ns_get_u64le(hashes + 8 * (size_t)ix->shard) != XXH64(own.data, own.len, 0)) {
        rc = ns_err_set(err, NS_E_ARG,
                        "'%s' (shard %u of %u) is not one of the shards these statistics were "
                        "merged from: merge them again",
                        dir, ix->shard, ix->n_shards);
        goto done;
    }
    gdf = ns_malloc((ix->n_terms ? ix->n_terms : 1) * sizeof *gdf);
    if (!gdf) {
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = local_gdf(ix, &g, ents, global + len, gdf, err)))
        goto done;
    ix_writer_stats ws;
    double avgdl = g.n_live ? (double)g.total_tokens / (double)g.n_live : 1.0;
    if ((rc = rewrite(ix, tmp, avgdl, &ws, err)))
        goto done;
    static const ns_file_kind kept[] = {NS_FILE_DOCSTORE, NS_FILE_DOCS, NS_FILE_SHARD};
    for (size_t i = 0; i < sizeof kept / sizeof *kept && !rc; i++)
        rc = link_file(target, tmp, kept[i], err);
    if (rc)
        goto done;
    ix_file f;
    if ((rc = ix_file_open(&f, tmp, NS_FILE_GLOBAL, err)))
        goto done;
    ns_global_head lh = g;
    lh.n_local = ix->n_terms;
    uint8_t hb[NS_GLOBAL_HEAD_LEN];
    ns_global_head_put(hb, &lh);
    ix_file_write(&f, hb, sizeof hb);
    uint8_t chunk[4096];
    for (uint64_t k = 0; k < ix->n_terms;) {
        size_t j = 0;
        for (; j < sizeof chunk / 4 && k < ix->n_terms; j++, k++)
            ns_put_u32le(chunk + 4 * j, gdf[k]);
        ix_file_write(&f, chunk, 4 * j);
    }
    if ((rc = ix_file_finish(&f, NULL, err)))
        goto done;
    sr_index_close(ix); /* before the swap: nothing of the old files stays mapped */
    ix = NULL;
    rc = ix_tmpdir_install(tmp, target, &installed, err);
done:
    sr_index_close(ix);
    ns_buf_release(&own);
    ns_free(gdf);
    if (!installed)
        ix_tmpdir_remove(tmp);
    ix_tmpdir_unlock(&lk);
    ns_free(tmp);
    ns_free(target);
    return rc;
}

typedef struct check_ctx {
    void (*fn)(void *ctx, const char *msg);
    void *ctx;
    int64_t n;
} check_ctx;

static void problem(check_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(check_ctx *c, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->n++;
    if (c->fn)
        c->fn(c->ctx, msg);
}

int64_t sh_check(const sr_index *const *ix, size_t n, void (*fn)(void *ctx, const char *msg),
                 void *ctx, ns_err *err)
{
    ns_buf *st = ns_calloc(n ? n : 1, sizeof *st);
    const uint8_t **p = ns_calloc(n ? n : 1, sizeof *p);
    size_t *l = ns_calloc(n ? n : 1, sizeof *l);
    const char **lab = ns_calloc(n ? n : 1, sizeof *lab);
    ns_buf g;
    ns_buf_init(&g);
    uint32_t *gdf = NULL;
    check_ctx c = {fn, ctx, 0};
    ns_rc rc = NS_OK;
    if (!st || !p || !l || !lab)
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        rc = sh_stats_of(ix[i], &st[i], err);
        p[i] = st[i].data;
        l[i] = st[i].len;
        lab[i] = ix[i]->dir;
    }
    if (!rc)
        rc = sh_merge(p, l, lab, n, &g, err);
    ns_global_head gh;
    if (!rc)
        ns_global_head_get(g.data, &gh);
    for (size_t i = 0; i < n && !rc; i++) {
        const sr_index *x = ix[i];
        if (!x->set_id) {
            problem(&c, "'%s': shard %u of %u has not been merged (nindex --merge-stats)", x->dir,
                    x->shard, x->n_shards);
            continue;
        }
        if (x->set_id != gh.set_id || x->set_live != gh.n_live || x->set_tokens != gh.total_tokens ||
            x->set_terms != gh.n_terms) {
            problem(&c,
                    "'%s': its set statistics (%llu documents, %llu tokens, %llu terms) are not "
                    "those of the shards given (%llu, %llu, %llu): merge them again",
                    x->dir, (unsigned long long)x->set_live, (unsigned long long)x->set_tokens,
                    (unsigned long long)x->set_terms, (unsigned long long)gh.n_live,
                    (unsigned long long)gh.total_tokens, (unsigned long long)gh.n_terms);
            continue;
        }
        ns_free(gdf);
        gdf = ns_malloc((x->n_terms ? x->n_terms : 1) * sizeof *gdf);
        if (!gdf) {
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            break;
        }
        ns_err e2;
        const uint8_t *ents = g.data + NS_GLOBAL_HEAD_LEN + 8 * (size_t)gh.n_shards;
        if (local_gdf(x, &gh, ents, g.data + g.len, gdf, &e2)) {
            problem(&c, "'%s': %s", x->dir, e2.msg);
            continue;
        }
        for (uint64_t k = 0; k < x->n_terms; k++) {
            if (ns_get_u32le(x->gdf + 4 * k) != gdf[k]) {
                problem(&c, "'%s/global': term %llu has df %u in the set, the shards say %u",
                        x->dir, (unsigned long long)k, ns_get_u32le(x->gdf + 4 * k), gdf[k]);
                break;
            }
        }
        for (uint64_t d = 1; d < x->n_docs; d++) {
            if (sr_index_ordinal(x, (uint32_t)d) <= sr_index_ordinal(x, (uint32_t)(d - 1)) ||
                sr_index_ordinal(x, (uint32_t)d) >= x->n_input) {
                problem(&c, "'%s/shard': the ordinals are not increasing at document %llu", x->dir,
                        (unsigned long long)d);
                break;
            }
        }
    }
    for (size_t i = 0; st && i < n; i++)
        ns_buf_release(&st[i]);
    ns_free(st);
    ns_free(p);
    ns_free(l);
    ns_free(lab);
    ns_free(gdf);
    ns_buf_release(&g);
    return rc ? -1 : c.n;
}
