/* sr_fixture: builds small indexes for the searcher's unit tests through
 * the indexer library (tests only). */
#ifndef SR_FIXTURE_H
#define SR_FIXTURE_H

#include <criterion/criterion.h>
#include <string.h>

#include "ix_build.h"
#include "sr_index.h"
#include "tutil.h"

typedef struct fx_doc {
    const char *id, *title, *body;
} fx_doc;

/* Builds an index of docs in a fresh directory `name` and opens it. */
static inline sr_index *fx_build(const char *name, const char *lang, const fx_doc *docs, size_t n)
{
    char *dir = tu_tmpdir(name);
    char *out = tu_path(dir, "idx");
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, lang, NULL, NULL, &b, &err), NS_OK, "%s", err.msg);
    for (size_t i = 0; i < n; i++) {
        ix_doc d = {0};
        d.id = docs[i].id;
        d.id_len = strlen(docs[i].id);
        d.title = docs[i].title;
        d.title_len = docs[i].title ? strlen(docs[i].title) : 0;
        d.body = docs[i].body;
        d.body_len = docs[i].body ? strlen(docs[i].body) : 0;
        d.src = "fixture";
        cr_assert_eq(ix_build_add(b, &d, &err), NS_OK, "%s", err.msg);
    }
    cr_assert_eq(ix_build_commit(b, &err), NS_OK, "%s", err.msg);
    ix_build_free(b);
    sr_index *ix;
    cr_assert_eq(sr_index_open(out, &ix, &err), NS_OK, "%s", err.msg);
    free(out);
    free(dir);
    return ix;
}

#endif
