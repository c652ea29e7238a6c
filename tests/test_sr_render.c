/* sr_render: what each format fetches and computes, --no-snippets, the
 * timing split, errors and allocation failures. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"
#include "sr_fixture.h"
#include "sr_rank.h"
#include "sr_render.h"

static const fx_doc docs[] = {
    {"d0", "Oil prices rise", "Crude oil prices rose sharply today as OPEC met in Vienna."},
    {"d1", "Grain  report\n weekly", "Wheat and corn exports fell; oil seed output was flat."},
    {"d2", "Steel", "Steel mills cut output while oil demand held steady and prices eased."},
    {"d3", NULL, "An untitled note about oil and nothing else of interest here."},
    {"d4", "Coffee", "Coffee futures climbed on frost fears in Brazil."},
};
#define N_DOCS (sizeof docs / sizeof *docs)

typedef struct ctx {
    sr_index *ix;
    sr_query q;
    sr_hit hits[16];
    size_t n;
    sr_render *r;
} ctx;

static void ctx_open(ctx *c, const char *name, const char *query)
{
    ns_err err;
    c->ix = fx_build(name, "english", docs, N_DOCS);
    cr_assert_eq(sr_query_parse(c->ix, query, strlen(query), &c->q, &err), NS_OK, "%s", err.msg);
    sr_rank_stats st;
    cr_assert_eq(sr_rank(c->ix, &c->q, SR_ALGO_DEFAULT, 16, c->hits, &c->n, &st, &err),
                 NS_OK, "%s", err.msg);
    cr_assert_eq(sr_render_new(&c->r), NS_OK);
}

static void ctx_close(ctx *c)
{
    sr_render_free(c->r);
    sr_query_release(&c->q);
    sr_index_close(c->ix);
}

/* Renders every hit of c in format fmt; returns owned NUL-terminated text. */
static char *render(ctx *c, sr_format fmt, bool snippets, sr_render_stats *st)
{
    ns_buf b;
    ns_buf_init(&b);
    ns_err err;
    sr_render_opts o = {{fmt, false, NULL, false, NULL}, snippets, false};
    cr_assert_eq(sr_render_hits(c->r, c->ix, &c->q, c->hits, c->n, &o, &b, st, &err), NS_OK, "%s",
                 err.msg);
    char *s = strdup(ns_buf_cstr(&b));
    ns_buf_release(&b);
    return s;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(sr_render, json_without_snippets_drops_only_snippet_and_highlights)
{
    ctx c;
    ctx_open(&c, "json_no_snippets", "oil prices");
    cr_assert_eq(c.n, 4, "every document with oil: %zu", c.n);
    char *with = render(&c, SR_FMT_JSON, true, NULL);
    char *without = render(&c, SR_FMT_JSON, false, NULL);
    cr_assert_eq(count(with, "\"snippet\":"), c.n, "%s", with);
    cr_assert_eq(count(with, "\"highlights\":["), c.n, "%s", with);
    cr_assert_eq(count(without, "\"snippet\""), 0, "%s", without);
    cr_assert_eq(count(without, "\"highlights\""), 0, "%s", without);
    /* Line by line, the line with snippets cut before its snippet member
     * (the last two members) is the line without: same ranks, ids, titles,
     * scores, in the same order. */
    ns_buf cut;
    ns_buf_init(&cut);
    for (const char *l = with; *l;) {
        const char *nl = strchr(l, '\n');
        const char *sn = strstr(l, ",\"snippet\":");
        cr_assert(nl && sn && sn < nl, "%s", l);
        ns_buf_append(&cut, l, (size_t)(sn - l));
        ns_buf_puts(&cut, "}\n");
        l = nl + 1;
    }
    cr_assert_str_eq(ns_buf_cstr(&cut), without);
    cr_assert(strstr(without, "\"id\":\"d0\""), "%s", without);
    ns_buf_release(&cut);
    free(with);
    free(without);
    ctx_close(&c);
}

Test(sr_render, text_without_snippets_has_no_snippet_line)
{
    ctx c;
    ctx_open(&c, "text_no_snippets", "oil");
    char *with = render(&c, SR_FMT_TEXT, true, NULL);
    char *without = render(&c, SR_FMT_TEXT, false, NULL);
    /* A hit is "N. [score] title", "   id", a snippet line when there is
     * one, then a blank line. */
    cr_assert_eq(count(with, "\n"), 4 * c.n, "%s", with);
    cr_assert_eq(count(without, "\n"), 3 * c.n, "%s", without);
    cr_assert(strstr(with, "   Crude oil prices rose"), "%s", with);
    cr_assert_null(strstr(without, "oil prices rose"), "%s", without);
    /* The title lines are the same: white space folded as a title snippet
     * folds it, "(untitled)" for none. */
    cr_assert(strstr(without, "] Grain report weekly\n"), "%s", without);
    cr_assert(strstr(with, "] Grain report weekly\n"), "%s", with);
    cr_assert(strstr(without, "] (untitled)\n   d3\n"), "%s", without);
    ns_buf cut;
    ns_buf_init(&cut);
    size_t line = 0;
    for (const char *l = with; *l; line++) { /* every line but the snippets */
        const char *nl = strchr(l, '\n');
        cr_assert(nl);
        if (line % 4 != 2)
            ns_buf_append(&cut, l, (size_t)(nl + 1 - l));
        l = nl + 1;
    }
    cr_assert_str_eq(ns_buf_cstr(&cut), without);
    ns_buf_release(&cut);
    free(with);
    free(without);
    ctx_close(&c);
}

Test(sr_render, trec_is_the_same_with_or_without_snippets)
{
    ctx c;
    ctx_open(&c, "trec", "oil prices");
    char *with = render(&c, SR_FMT_TREC, true, NULL);
    char *without = render(&c, SR_FMT_TREC, false, NULL);
    cr_assert_str_eq(with, without);
    ns_buf want;
    ns_buf_init(&want);
    for (size_t i = 0; i < c.n; i++) {
        sr_doc d;
        ns_err err;
        cr_assert_eq(sr_index_doc(c.ix, c.hits[i].doc, &d, &err), NS_OK);
        ns_buf_printf(&want, "1 Q0 %.*s %zu %.6f nsearch\n", (int)d.len[0], d.f[0], i + 1,
                      c.hits[i].score);
    }
    cr_assert_str_eq(with, ns_buf_cstr(&want));
    ns_buf_release(&want);
    free(with);
    free(without);
    ctx_close(&c);
}

Test(sr_render, stats_split_the_time_by_what_the_format_needs)
{
    ctx c;
    ctx_open(&c, "stats", "oil prices");
    sr_render_stats js = {0}, ts = {0}, ns = {0};
    char *a = render(&c, SR_FMT_JSON, true, &js);
    char *b = render(&c, SR_FMT_JSON, true, NULL);
    cr_assert_str_eq(a, b, "timing changes nothing in the output");
    cr_assert_eq(js.n_hits, c.n);
    cr_assert_gt(js.fetch_head_ns, 0);
    cr_assert_gt(js.fetch_body_ns, 0);
    cr_assert_gt(js.snippet_ns, 0);
    cr_assert_gt(js.format_ns, 0);
    char *t = render(&c, SR_FMT_TREC, true, &ts); /* the id only */
    cr_assert_eq(ts.n_hits, c.n);
    cr_assert_gt(ts.fetch_head_ns, 0);
    cr_assert_gt(ts.format_ns, 0);
    cr_assert_eq(ts.fetch_body_ns, 0);
    cr_assert_eq(ts.snippet_ns, 0);
    char *n = render(&c, SR_FMT_TEXT, false, &ns); /* --no-snippets */
    cr_assert_eq(ns.fetch_body_ns, 0);
    cr_assert_eq(ns.snippet_ns, 0);
    cr_assert_gt(ns.fetch_head_ns, 0);
    /* accumulated, not overwritten */
    uint64_t head = js.fetch_head_ns;
    free(render(&c, SR_FMT_JSON, true, &js));
    cr_assert_eq(js.n_hits, 2 * c.n);
    cr_assert_gt(js.fetch_head_ns, head);
    free(a);
    free(b);
    free(t);
    free(n);
    ctx_close(&c);
}

Test(sr_render, a_document_out_of_range_is_an_error_with_a_message)
{
    ctx c;
    ctx_open(&c, "range", "oil");
    sr_hit bad = {.doc = (uint32_t)N_DOCS + 3, .score = 1.0};
    ns_buf b;
    ns_buf_init(&b);
    ns_err err;
    ns_err_clear(&err);
    sr_render_opts o = {{SR_FMT_TREC, false, NULL, false, NULL}, true, false};
    cr_assert_eq(sr_render_hit(c.r, c.ix, &c.q, &bad, 1, &o, &b, NULL, &err), NS_E_ARG);
    cr_assert(strstr(err.msg, "out of range"), "%s", err.msg);
    ns_buf_release(&b);
    ctx_close(&c);
}

Test(sr_render, every_allocation_failure_is_nomem)
{
    ctx c;
    ctx_open(&c, "nomem", "oil prices");
    char *want = render(&c, SR_FMT_TEXT, true, NULL);
    sr_render_free(c.r);
    int failed = 0;
    for (long i = 0; i < 200; i++) {
        sr_render *r = NULL;
        ns_buf b;
        ns_buf_init(&b);
        ns_err err;
        ns_err_clear(&err);
        sr_render_opts o = {{SR_FMT_TEXT, false, NULL, false, NULL}, true, false};
        ns_alloc_fail_after(i);
        ns_rc rc = sr_render_new(&r);
        if (!rc)
            rc = sr_render_hits(r, c.ix, &c.q, c.hits, c.n, &o, &b, NULL, &err);
        long injected = ns_alloc_failures();
        ns_alloc_fail_after(-1);
        if (injected) {
            cr_assert_eq(rc, NS_E_NOMEM, "failure after %ld allocations: rc %d", i, rc);
            failed++;
        } else {
            cr_assert_eq(rc, NS_OK);
            cr_assert_str_eq(ns_buf_cstr(&b), want);
            sr_render_free(r);
            ns_buf_release(&b);
            break;
        }
        sr_render_free(r);
        ns_buf_release(&b);
    }
    cr_assert_gt(failed, 0);
    c.r = NULL;
    free(want);
    ctx_close(&c);
}

Test(sr_render, colour_marks_title_matches_only_with_snippets)
{
    ctx c;
    ctx_open(&c, "colour", "oil");
    ns_buf a, b;
    ns_buf_init(&a);
    ns_buf_init(&b);
    ns_err err;
    sr_render_opts with = {{SR_FMT_TEXT, true, NULL, false, NULL}, true, false}, without = {{SR_FMT_TEXT, true, NULL, false, NULL}, false, false};
    cr_assert_eq(sr_render_hits(c.r, c.ix, &c.q, c.hits, c.n, &with, &a, NULL, &err), NS_OK);
    cr_assert_eq(sr_render_hits(c.r, c.ix, &c.q, c.hits, c.n, &without, &b, NULL, &err), NS_OK);
    /* bold title, the match in bold red, bold again after it */
    cr_assert(strstr(ns_buf_cstr(&a), "\033[1m\033[1;31mOil\033[0m\033[1m prices rise\033[0m\n"), "%s",
              ns_buf_cstr(&a));
    cr_assert(strstr(ns_buf_cstr(&b), "\033[1mOil prices rise\033[0m\n"), "%s", ns_buf_cstr(&b));
    cr_assert_null(strstr(ns_buf_cstr(&b), "\033[1;31m"), "%s", ns_buf_cstr(&b));
    ns_buf_release(&a);
    ns_buf_release(&b);
    ctx_close(&c);
}
