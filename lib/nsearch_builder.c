/* nsearch_builder: building an index through the public API
 * (include/nsearch.h), on ix_build and ix_source. */
#include "nsearch_api.h"

#include <string.h>

#include "ix_build.h"
#include "ix_source.h"
#include "ns_alloc.h"
#include "ns_stop.h"

struct nsearch_builder {
    ix_build *b; /* owned */
    int allow_empty;
    int done;    /* committed (or tried to): only free is left */
    nsearch_warning_fn warn;
    void *warn_ctx;
    nsearch_progress_fn progress;
    void *progress_ctx;
};

_Static_assert((int)NSEARCH_WARN_JSON == (int)IX_WARN_JSON &&
                   (int)NSEARCH_WARN_ENCODING == (int)IX_WARN_ENCODING &&
                   (int)NSEARCH_WARN_ENCODING + 1 == (int)IX_WARN_COUNT,
               "the public warning kinds are ix_warn_kind's");

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
    nb->progress(nb->progress_ctx, p->n_docs, p->bytes_in, p->merging);
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
    if (opts->stop_words < -1 || opts->stop_words > 1)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "stop_words must be -1, 0 or 1");
    if (opts->n_keyword_fields && !opts->keyword_fields)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "keyword_fields is NULL");
    nsearch_builder *nb = ns_calloc(1, sizeof *nb);
    if (!nb)
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    nb->allow_empty = opts->allow_empty != 0;
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
    if (!rc)
        rc = ix_build_set_threads(nb->b, opts->threads ? opts->threads : 1, &e);
    if (!rc)
        rc = ix_build_set_mem(nb->b, opts->memory ? opts->memory : IX_DEFAULT_MEM, &e);
    if (rc) {
        nsearch_builder_free(nb);
        return nsearch_fail(err, &e);
    }
    if (nb->progress)
        ix_build_set_progress(nb->b, on_progress, nb, 0);
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
    nsearch_rc rc = check_open(nb, err, "nsearch_builder_add_path");
    if (rc)
        return rc;
    if (!path)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_builder_add_path: NULL path");
    ns_err e;
    ns_err_clear(&e);
    if (ix_source_check(path, &e) || ix_source_add(nb->b, path, &e))
        return nsearch_fail(err, &e);
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
    if (st.n_docs == 0 && !nb->allow_empty)
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
    ns_free(nb);
}
