/* fuzz_source: the indexer's input readers (indexer/ix_source.c) on any
 * bytes: built twice, as fuzz_jsonl (the bytes are a *.jsonl file: JSON
 * Lines documents, ids, fields, warnings) and fuzz_text (a *.txt file:
 * title line, body, binary detection, UTF-8 repair).  FUZZ_SOURCE_EXT is
 * the file name's extension.
 *
 * Input: one flags byte, then the file's contents.
 *   bit 0  commit the index (the writer, the docstore and the atomic
 *          install run too), then open it and --check it;
 *   bit 1  English stop list;
 *   bit 2  language "none" (no stemming) instead of "english";
 *   bit 3  keyword fields topics, tags and a (format 4.0: strings and
 *          arrays of the members become exact keys).
 * Properties (abort when broken): the build reports only NS_OK or
 * NS_E_NOMEM for bad input (input problems are warnings); a committed index
 * opens, passes sr_check_files and sr_check, holds as many live documents
 * as the build says, and every document's stored fields can be read. */
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"
#include "ix_build.h"
#include "ix_source.h"
#include "ns_analyzer.h"
#include "sr_check.h"
#include "sr_index.h"

#ifndef FUZZ_SOURCE_EXT
#error "define FUZZ_SOURCE_EXT (jsonl or txt)"
#endif

static uint64_t n_warnings;

static void on_warn(void *ctx, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
{
    (void)ctx;
    (void)file;
    (void)line;
    if ((unsigned)kind >= IX_WARN_COUNT || !msg || !msg[0])
        fuzz_fail("warning of kind %d without a message", (int)kind);
    n_warnings++;
}

static void on_problem(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "fuzz: check: %s\n", msg);
}

/* The committed index must be sound and hold what the build reported. */
static void check_index(const char *dir, const ix_build_stats *bs)
{
    uint64_t problems = 0;
    ns_err err;
    ns_rc rc = sr_check_files(dir, on_problem, NULL, &problems, &err);
    if (rc == NS_E_NOMEM)
        return;
    if (rc || problems)
        fuzz_fail("sr_check_files found problems in a freshly built index: %s", rc ? err.msg : "");
    sr_index *ix = NULL;
    rc = sr_index_open(dir, &ix, &err);
    if (rc == NS_E_NOMEM)
        return;
    if (rc)
        fuzz_fail("a freshly built index does not open: %s", err.msg);
    if (ix->n_live != bs->n_docs)
        fuzz_fail("index has %llu live documents, the build said %llu",
                  (unsigned long long)ix->n_live, (unsigned long long)bs->n_docs);
    if (sr_check(ix, on_problem, NULL) != 0)
        fuzz_fail("sr_check found problems in a freshly built index");
    for (uint64_t d = 0; d < ix->n_docs; d++) {
        sr_doc doc;
        rc = sr_index_doc(ix, (uint32_t)d, &doc, &err);
        if (rc && rc != NS_E_NOMEM)
            fuzz_fail("document %llu of a fresh index: %s", (unsigned long long)d, err.msg);
    }
    sr_index_close(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    char input[4096], out[4096];
    snprintf(input, sizeof input, "%s", fuzz_path("doc." FUZZ_SOURCE_EXT));
    snprintf(out, sizeof out, "%s", fuzz_path("idx"));
    fuzz_write_file(input, data + 1, size - 1);

    ix_build *b = NULL;
    ns_err err;
    n_warnings = 0;
    ns_rc rc = ix_build_new(out, flags & 4 ? "none" : "english", on_warn, NULL, &b, &err);
    /* The smallest budget: a build allocates in proportion to it, and a
     * larger input spills sorted runs (merged 2 at a time) to disk. */
    if (!rc)
        rc = ix_build_set_mem(b, IX_MIN_MEM, &err);
    if (!rc)
        ix_build_set_max_fanin(b, 2);
    if (!rc)
        ix_build_set_allow_empty(b, 1); /* bad input may hold no document */
    if (!rc && (flags & 2))
        rc = ix_build_set_stop_list(b, NS_STOP_ENGLISH, &err);
    static const char *const kw[] = {"topics", "tags", "a"};
    for (size_t i = 0; i < sizeof kw / sizeof *kw && !rc && (flags & 8); i++)
        rc = ix_build_add_keyword_field(b, kw[i], strlen(kw[i]), &err);
    if (!rc)
        rc = ix_source_add(b, input, &err);
    if (!rc)
        rc = ix_build_wait(b, &err);
    ix_build_stats bs;
    uint64_t reported = n_warnings;
    if (!rc)
        ix_build_get_stats(b, &bs);
    if (!rc && (flags & 1))
        rc = ix_build_commit(b, &err);
    ix_build_free(b);
    if (rc && rc != NS_E_NOMEM)
        fuzz_fail("build failed on bad input (input problems must be warnings): %s", err.msg);
    if (!rc && (flags & 1))
        check_index(out, &bs);
    uint64_t counted = 0;
    if (!rc)
        for (int k = 0; k < IX_WARN_COUNT; k++)
            counted += bs.warnings[k];
    if (!rc && counted != reported)
        fuzz_fail("%llu warnings reported, %llu counted", (unsigned long long)reported,
                  (unsigned long long)counted);
    return 0;
}
