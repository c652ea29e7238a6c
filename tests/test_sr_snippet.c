/* Snippet selection, cutting and highlight offsets. */
#include <criterion/criterion.h>
#include <string.h>

#include "ns_analyzer.h"
#include "ns_utf8.h"
#include "sr_snippet.h"

static ns_analyzer *an;

static void setup(void)
{
    ns_err err;
    cr_assert_eq(ns_analyzer_new("english", &an, &err), NS_OK);
}
static void teardown(void) { ns_analyzer_free(an); }

/* A query of stems with the given idfs. */
static sr_query make_query(const char *const *stems, const double *idf, size_t n)
{
    sr_query q;
    q.n = n;
    q.t = calloc(n, sizeof *q.t);
    for (size_t i = 0; i < n; i++) {
        strcpy(q.t[i].term, stems[i]);
        q.t[i].len = strlen(stems[i]);
        q.t[i].qtf = 1;
        q.t[i].found = true;
        q.t[i].idf = idf[i];
    }
    return q;
}

static void span_is(const sr_snippet *s, size_t i, const char *word)
{
    cr_assert_lt(i, s->n_hl);
    size_t len = s->hl[i].end - s->hl[i].start;
    cr_assert_eq(len, strlen(word), "span %zu", i);
    cr_assert(memcmp(s->text.data + s->hl[i].start, word, len) == 0, "span %zu: '%.*s'", i,
              (int)len, s->text.data + s->hl[i].start);
}

TestSuite(sr_snippet, .init = setup, .fini = teardown);

Test(sr_snippet, short_text_kept_whole_with_stemmed_highlights)
{
    const char *stems[] = {"meet"};
    double idf[] = {1.0};
    sr_query q = make_query(stems, idf, 1);
    sr_snippet s;
    sr_snippet_init(&s);
    const char *t = "They meet today.\n\n  The meeting   was long.";
    cr_assert_eq(sr_snippet_make(an, &q, t, strlen(t), 200, &s), NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&s.text), "They meet today. The meeting was long.");
    cr_assert_eq(s.n_hl, 2);
    span_is(&s, 0, "meet");
    span_is(&s, 1, "meeting");
    sr_snippet_release(&s);
    free(q.t);
}

Test(sr_snippet, best_window_holds_most_distinct_terms)
{
    const char *stems[] = {"articl", "five"};
    double idf[] = {2.0, 1.5};
    sr_query q = make_query(stems, idf, 2);
    char t[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(t, "Five alone here with filler words around it. ");
    strcat(t, "It would lead to the invocation of Article Five, and we would respond. ");
    for (int i = 0; i < 30; i++)
        strcat(t, "More filler words follow this sentence again. ");
    sr_snippet s;
    sr_snippet_init(&s);
    cr_assert_eq(sr_snippet_make(an, &q, t, strlen(t), 200, &s), NS_OK);
    const char *out = ns_buf_cstr(&s.text);
    cr_assert(strstr(out, "Article Five"), "%s", out);
    cr_assert_eq(s.n_terms_matched, 2);
    cr_assert(strncmp(out, "\xE2\x80\xA6", 3) == 0, "starts with an ellipsis: %s", out);
    cr_assert(strcmp(out + s.text.len - 3, "\xE2\x80\xA6") == 0, "ends with an ellipsis");
    cr_assert_leq(s.text.len, 200 + 6 + 40);
    /* every highlight is a whole word matching a stem */
    int seen_article = 0, seen_five = 0;
    for (size_t i = 0; i < s.n_hl; i++) {
        size_t a = s.hl[i].start, z = s.hl[i].end;
        cr_assert(a == 0 || out[a - 1] == ' ' || (unsigned char)out[a - 1] >= 0x80);
        cr_assert(z == s.text.len || out[z] == ' ' || out[z] == ',' || out[z] == '.');
        if (z - a == 7 && !memcmp(out + a, "Article", 7))
            seen_article = 1;
        if (z - a == 4 && !memcmp(out + a, "Five", 4))
            seen_five = 1;
    }
    cr_assert(seen_article && seen_five);
    /* cut at white space: the text after the leading ellipsis starts a word */
    cr_assert_neq(out[3], ' ');
    sr_snippet_release(&s);
    free(q.t);
}

Test(sr_snippet, never_cuts_inside_utf8)
{
    const char *stems[] = {"ζ"};
    double idf[] = {1.0};
    sr_query q = make_query(stems, idf, 1);
    char t[8192] = "";
    for (int i = 0; i < 200; i++)
        strcat(t, "αβγδεηθ ");
    strcat(t, "ζ ");
    for (int i = 0; i < 200; i++)
        strcat(t, "ικλμνξο ");
    sr_snippet s;
    sr_snippet_init(&s);
    for (size_t w = 20; w < 260; w += 7) {
        cr_assert_eq(sr_snippet_make(an, &q, t, strlen(t), w, &s), NS_OK);
        cr_assert(ns_utf8_valid(s.text.data, s.text.len, NULL), "width %zu", w);
        cr_assert_eq(s.n_hl, 1, "width %zu", w);
        span_is(&s, 0, "ζ");
    }
    sr_snippet_release(&s);
    free(q.t);
}

Test(sr_snippet, no_match_gives_the_beginning)
{
    const char *stems[] = {"absent"};
    double idf[] = {1.0};
    sr_query q = make_query(stems, idf, 1);
    char t[2048] = "";
    for (int i = 0; i < 40; i++)
        strcat(t, "word ");
    sr_snippet s;
    sr_snippet_init(&s);
    cr_assert_eq(sr_snippet_make(an, &q, t, strlen(t), 50, &s), NS_OK);
    cr_assert_eq(s.n_hl, 0);
    cr_assert(strncmp(ns_buf_cstr(&s.text), "word word", 9) == 0);
    cr_assert_eq(sr_snippet_make(an, &q, "", 0, 50, &s), NS_OK);
    cr_assert_eq(s.text.len, 0);
    sr_snippet_release(&s);
    free(q.t);
}
