/* nsearch_shard: a shard set's statistics (include/nsearch.h "shards"), on
 * shard/sh_set. */
#include "nsearch_api.h"

#include <string.h>

#include "ns_alloc.h"
#include "sh_set.h"

/* Moves b's bytes to an owned *out (NULL for none). */
static nsearch_rc give(ns_buf *b, void **out, size_t *len, nsearch_error *err)
{
    *out = ns_malloc(b->len ? b->len : 1);
    if (!*out) {
        ns_buf_release(b);
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    }
    memcpy(*out, b->data, b->len);
    *len = b->len;
    ns_buf_release(b);
    return NSEARCH_OK;
}

nsearch_rc nsearch_shard_stats(const char *dir, void **out, size_t *len, nsearch_error *err)
{
    if (!dir || !out || !len)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_shard_stats: NULL argument");
    *out = NULL;
    *len = 0;
    sr_index *ix;
    ns_err e;
    ns_err_clear(&e);
    if (sr_index_open(dir, &ix, &e))
        return nsearch_fail(err, &e);
    ns_buf b;
    ns_buf_init(&b);
    ns_rc rc = sh_stats_of(ix, &b, &e);
    sr_index_close(ix);
    if (rc) {
        ns_buf_release(&b);
        return nsearch_fail(err, &e);
    }
    return give(&b, out, len, err);
}

nsearch_rc nsearch_shard_stats_merge(const void *const *stats, const size_t *len,
                                     const char *const *label, size_t n, void **out,
                                     size_t *out_len, nsearch_error *err)
{
    if (!stats || !len || !label || !out || !out_len || n == 0)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_shard_stats_merge: NULL argument");
    *out = NULL;
    *out_len = 0;
    ns_buf b;
    ns_buf_init(&b);
    ns_err e;
    ns_err_clear(&e);
    if (sh_merge((const uint8_t *const *)stats, len, label, n, &b, &e)) {
        ns_buf_release(&b);
        return nsearch_fail(err, &e);
    }
    return give(&b, out, out_len, err);
}

nsearch_rc nsearch_shard_apply(const char *dir, const void *global, size_t len,
                               nsearch_error *err)
{
    if (!dir || !global)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_shard_apply: NULL argument");
    ns_err e;
    ns_err_clear(&e);
    if (sh_apply(dir, global, len, &e))
        return nsearch_fail(err, &e);
    return NSEARCH_OK;
}

nsearch_rc nsearch_shards_merge(const char *const *dirs, size_t n, nsearch_error *err)
{
    if (!dirs || n == 0)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_shards_merge: no shards");
    void **st = ns_calloc(n, sizeof *st);
    size_t *len = ns_calloc(n, sizeof *len);
    nsearch_rc rc = st && len ? NSEARCH_OK : nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++)
        rc = dirs[i] ? nsearch_shard_stats(dirs[i], &st[i], &len[i], err)
                     : nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_shards_merge: NULL directory");
    void *g = NULL;
    size_t glen = 0;
    if (!rc)
        rc = nsearch_shard_stats_merge((const void *const *)st, len, dirs, n, &g, &glen, err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = nsearch_shard_apply(dirs[i], g, glen, err);
    for (size_t i = 0; st && i < n; i++)
        ns_free(st[i]);
    ns_free(st);
    ns_free(len);
    ns_free(g);
    return rc;
}
