/* nsearch_builder: building an index through the public API
 * (include/nsearch.h), on ix_build and ix_source. */
#include "nsearch_api.h"

#include <limits.h>
#include <string.h>

#include "ix_build.h"
#include "ix_encoding.h"
#include "ix_source.h"
#include "ns_alloc.h"
#include "ns_keyword.h"
#include "ns_rec.h"
#include "ns_stem.h"
#include "ns_stop.h"

struct nsearch_builder {
    ix_build *b; /* owned */
    int allow_empty;
    int sharded; /* a shard may be empty when the input is not */
    int done;    /* committed (or tried to): only stats and free are left */
    ix_input_format fmt;
    char *encoding; /* owned; NULL: UTF-8 */
    uint64_t skipped[NSEARCH_SKIP_COUNT]; /* by the input sets read so far */
    nsearch_warning_fn warn;
    void *warn_ctx;
    nsearch_progress_fn progress;
    void *progress_ctx;
};

_Static_assert((int)NSEARCH_WARN_JSON == (int)IX_WARN_JSON &&
                   (int)NSEARCH_WARN_ENCODING == (int)IX_WARN_ENCODING &&
                   NSEARCH_WARN_COUNT == (int)IX_WARN_COUNT,
               "the public warning kinds are ix_warn_kind's");
_Static_assert((int)NSEARCH_SKIP_OTHER_EXT == (int)IX_SKIP_OTHER_EXT &&
                   (int)NSEARCH_SKIP_HIDDEN == (int)IX_SKIP_HIDDEN &&
                   (int)NSEARCH_SKIP_LINK_DIR == (int)IX_SKIP_LINK_DIR &&
                   (int)NSEARCH_SKIP_DANGLING == (int)IX_SKIP_DANGLING &&
                   (int)NSEARCH_SKIP_SPECIAL == (int)IX_SKIP_SPECIAL &&
                   (int)NSEARCH_SKIP_TWICE == (int)IX_SKIP_TWICE &&
                   NSEARCH_SKIP_COUNT == (int)IX_SKIP_COUNT,
               "the public skip kinds are ix_skip_kind's");
_Static_assert(NSEARCH_MAX_THREADS == IX_MAX_THREADS && NSEARCH_MIN_MEMORY == IX_MIN_MEM &&
                   NSEARCH_DEFAULT_MEMORY == IX_DEFAULT_MEM &&
                   NSEARCH_MAX_KEYWORD_FIELDS == NS_MAX_KW_FIELDS &&
                   NSEARCH_TOKEN_MAX_BYTES == NS_TOKEN_MAX_BYTES &&
                   NSEARCH_MAX_SHARDS == NS_MAX_SHARDS,
               "the public limits are the indexer's");
_Static_assert(NSEARCH_INPUT_AUTO == (int)IX_FMT_AUTO && NSEARCH_INPUT_JSONL == (int)IX_FMT_JSONL &&
                   NSEARCH_INPUT_TEXT == (int)IX_FMT_TEXT,
               "the public input formats are ix_input_format's");

nsearch_rc nsearch_encoding_check(const char *name, int *is_utf8, nsearch_error *err)
{
    if (!name)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_encoding_check: NULL name");
    int utf8 = ix_enc_is_utf8(name);
    if (is_utf8)
        *is_utf8 = utf8;
    if (utf8)
        return NSEARCH_OK;
    ix_enc *e = NULL;
    ns_err ie;
    ns_err_clear(&ie);
    if (ix_enc_new(name, &e, &ie))
        return nsearch_fail(err, &ie);
    ix_enc_free(e);
    return NSEARCH_OK;
}

const char *nsearch_keyword_field_problem(const char *name, size_t len)
{
    return name ? ns_keyword_name_problem(name, len) : "is missing (NULL)";
}

nsearch_rc nsearch_input_check(const char *path, nsearch_error *err)
{
    if (!path)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_input_check: NULL path");
    ns_err e;
    ns_err_clear(&e);
    if (ix_source_check(path, &e))
        return nsearch_fail(err, &e);
    return NSEARCH_OK;
}

uint64_t nsearch_input_size(const char *path)
{
    return path ? ix_source_size(path) : 0;
}

void nsearch_builder_opts_init(nsearch_builder_opts *o)
{
    memset(o, 0, sizeof *o);
    o->stop_words = -1;
}

static void on_warn(void *ctx, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
{
    const nsearch_builder *nb = ctx;
    if (nb->warn)
        nb->warn(nb->warn_ctx, (nsearch_warning_kind)kind, file, line, msg);
}

static void on_progress(void *ctx, const ix_progress *p)
{
    const nsearch_builder *nb = ctx;
    nsearch_progress np = {p->n_docs, p->bytes_in, p->raw_in, p->raw_total, p->merging};
    nb->progress(nb->progress_ctx, &np);
}

/* The options ix_build does not check itself. */
static nsearch_rc check_opts(const nsearch_builder_opts *o, nsearch_error *err)
{
    if (o->stop_words < -1 || o->stop_words > 1)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "stop_words must be -1, 0 or 1");
    if (o->n_keyword_fields && !o->keyword_fields)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "keyword_fields is NULL");
    if (o->n_keyword_fields > NSEARCH_MAX_KEYWORD_FIELDS)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "more than %u keyword fields",
                                NSEARCH_MAX_KEYWORD_FIELDS);
    if (o->input_format < NSEARCH_INPUT_AUTO || o->input_format > NSEARCH_INPUT_TEXT)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "input_format %d is not an NSEARCH_INPUT_*",
                                o->input_format);
    int utf8 = 1;
    nsearch_rc rc = o->encoding ? nsearch_encoding_check(o->encoding, &utf8, err) : NSEARCH_OK;
    if (!rc && !utf8 && o->input_format == NSEARCH_INPUT_JSONL)
        rc = nsearch_fail_msg(err, NSEARCH_E_ARG,
                              "encoding %.100s applies to plain text, and JSON Lines are UTF-8 "
                              "(RFC 8259)",
                              o->encoding);
    return rc;
}

nsearch_rc nsearch_builder_new(const char *dir, const nsearch_builder_opts *opts,
                               nsearch_builder **out, nsearch_error *err)
{
    if (!dir || !out)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_builder_new: NULL argument");
    *out = NULL;
    nsearch_builder_opts dflt;
    if (!opts) {
        nsearch_builder_opts_init(&dflt);
        opts = &dflt;
    }
    nsearch_rc prc = check_opts(opts, err);
    if (prc)
        return prc;
    nsearch_builder *nb = ns_calloc(1, sizeof *nb);
    if (!nb)
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    nb->fmt = (ix_input_format)opts->input_format;
    if (opts->encoding && !ix_enc_is_utf8(opts->encoding)) {
        size_t len = strlen(opts->encoding) + 1;
        if (!(nb->encoding = ns_malloc(len))) {
            ns_free(nb);
            return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
        }
        memcpy(nb->encoding, opts->encoding, len);
    }
    nb->allow_empty = opts->allow_empty != 0;
    nb->sharded = opts->n_shards > 0;
    nb->warn = opts->warn;
    nb->warn_ctx = opts->warn_ctx;
    nb->progress = opts->progress;
    nb->progress_ctx = opts->progress_ctx;
    ns_err e;
    ns_err_clear(&e);
    ix_build_opts bo = {opts->language, on_warn, nb, opts->wait != 0};
    ns_rc rc = ix_build_new_opts(dir, &bo, &nb->b, &e);
    if (!rc) {
        uint32_t stop = opts->stop_words == 1 ? NS_STOP_ENGLISH : NS_STOP_NONE;
        if (opts->stop_words == -1 && strcmp(ix_build_lang(nb->b), "english") == 0)
            stop = NS_STOP_ENGLISH;
        ix_build_set_allow_empty(nb->b, nb->allow_empty);
        rc = ix_build_set_stop_list(nb->b, stop, &e);
    }
    if (!rc)
        rc = ix_build_set_keep_diacritics(nb->b, opts->keep_diacritics != 0, &e);
    for (size_t i = 0; i < opts->n_keyword_fields && !rc; i++) {
        const char *f = opts->keyword_fields[i];
        rc = f ? ix_build_add_keyword_field(nb->b, f, strlen(f), &e)
               : ns_err_set(&e, NS_E_ARG, "keyword field %zu is NULL", i);
    }
    if (!rc && opts->n_shards)
        rc = ix_build_set_shard(nb->b, opts->shard, opts->n_shards, &e);
    if (!rc)
        rc = ix_build_set_threads(nb->b, opts->threads ? opts->threads : 1, &e);
    if (!rc)
        rc = ix_build_set_mem(nb->b, opts->memory ? opts->memory : IX_DEFAULT_MEM, &e);
    if (rc) {
        nsearch_builder_free(nb);
        return nsearch_fail(err, &e);
    }
    if (nb->progress)
        ix_build_set_progress(nb->b, on_progress, nb, opts->input_bytes);
    *out = nb;
    return NSEARCH_OK;
}

static nsearch_rc check_open(const nsearch_builder *nb, nsearch_error *err, const char *what)
{
    if (!nb)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "%s: NULL builder", what);
    if (nb->done)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "%s after nsearch_builder_commit", what);
    return NSEARCH_OK;
}

nsearch_rc nsearch_builder_add(nsearch_builder *nb, const nsearch_document *d, nsearch_error *err)
{
    nsearch_rc rc = check_open(nb, err, "nsearch_builder_add");
    if (rc)
        return rc;
    if (!d)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_builder_add: NULL document");
    ix_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.id = d->id.p;
    doc.id_len = d->id.p ? d->id.len : 0;
    doc.title = d->title.p;
    doc.title_len = d->title.p ? d->title.len : 0;
    doc.body = d->body.p;
    doc.body_len = d->body.p ? d->body.len : 0;
    doc.date = d->date.p;
    doc.date_len = d->date.p ? d->date.len : 0;
    doc.url = d->url.p;
    doc.url_len = d->url.p ? d->url.len : 0;
    ns_err e;
    ns_err_clear(&e);
    if (ix_build_add(nb->b, &doc, &e))
        return nsearch_fail(err, &e);
    return NSEARCH_OK;
}

nsearch_rc nsearch_builder_add_path(nsearch_builder *nb, const char *path, nsearch_error *err)
{
    return nsearch_builder_add_paths(nb, &path, 1, err);
}

nsearch_rc nsearch_builder_add_paths(nsearch_builder *nb, const char *const *paths, size_t n,
                                     nsearch_error *err)
{
    nsearch_rc rc = check_open(nb, err, "nsearch_builder_add_paths");
    if (rc)
        return rc;
    if (!paths || n == 0 || n > (size_t)INT_MAX)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_builder_add_paths: no paths");
    for (size_t i = 0; i < n; i++)
        if ((rc = nsearch_input_check(paths[i], err)))
            return rc;
    ns_err e;
    ns_err_clear(&e);
    ix_source *src = NULL;
    ns_rc irc = ix_source_new(nb->b, nb->fmt, (int)n, &src, &e);
    if (!irc)
        irc = ix_source_set_encoding(src, nb->encoding, &e);
    for (size_t i = 0; i < n && !irc; i++)
        irc = ix_source_read(src, paths[i], &e);
    if (src) {
        uint64_t sk[IX_SKIP_COUNT];
        ix_source_skipped(src, sk);
        for (int k = 0; k < IX_SKIP_COUNT; k++)
            nb->skipped[k] += sk[k];
    }
    ix_source_free(src);
    return irc ? nsearch_fail(err, &e) : NSEARCH_OK;
}

nsearch_rc nsearch_builder_wait(nsearch_builder *nb, nsearch_error *err)
{
    nsearch_rc rc = check_open(nb, err, "nsearch_builder_wait");
    if (rc)
        return rc;
    ns_err e;
    ns_err_clear(&e);
    if (ix_build_wait(nb->b, &e))
        return nsearch_fail(err, &e);
    return NSEARCH_OK;
}

nsearch_rc nsearch_builder_stats_get(const nsearch_builder *nb, nsearch_builder_stats *out)
{
    if (!nb || !out)
        return NSEARCH_E_ARG;
    ix_build_stats st;
    ix_build_get_stats(nb->b, &st);
    memset(out, 0, sizeof *out);
    out->documents_in = st.n_docs_in;
    out->documents = st.n_docs;
    out->terms = st.n_terms;
    out->postings = st.n_postings;
    out->bytes_in = st.bytes_in;
    out->raw_in = st.raw_in;
    out->index_bytes = st.index_bytes;
    out->long_words = st.long_words;
    memcpy(out->warnings, st.warnings, sizeof out->warnings);
    memcpy(out->skipped, nb->skipped, sizeof out->skipped);
    out->installed = ix_build_installed(nb->b);
    return NSEARCH_OK;
}

nsearch_rc nsearch_builder_commit(nsearch_builder *nb, nsearch_error *err)
{
    nsearch_rc rc = check_open(nb, err, "nsearch_builder_commit");
    if (rc)
        return rc;
    nb->done = 1;
    ns_err e;
    ns_err_clear(&e);
    if (ix_build_wait(nb->b, &e))
        return nsearch_fail(err, &e);
    ix_build_stats st;
    ix_build_get_stats(nb->b, &st);
    if (st.n_docs == 0 && !nb->allow_empty && !(nb->sharded && st.n_docs_in > 0))
        return nsearch_fail_msg(err, NSEARCH_E_EMPTY,
                                "no documents with words (%llu offered): the index is unchanged",
                                (unsigned long long)st.n_docs_in);
    if (ix_build_commit(nb->b, &e))
        return nsearch_fail(err, &e);
    return NSEARCH_OK;
}

void nsearch_builder_free(nsearch_builder *nb)
{
    if (!nb)
        return;
    ix_build_free(nb->b);
    ns_free(nb->encoding);
    ns_free(nb);
}
