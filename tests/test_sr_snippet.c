/* Snippet selection, cutting and highlight offsets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ns_analyzer.h"
#include "ns_utf8.h"
#include "sr_fixture.h"
#include "sr_snippet.h"
#include "tutil.h"

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
    sr_query q = {0};
    q.n = n;
    q.t = calloc(n, sizeof *q.t);
    for (size_t i = 0; i < n; i++) {
        strcpy(q.t[i].term, stems[i]);
        q.t[i].len = strlen(stems[i]);
        q.t[i].qtf = 1;
        q.t[i].found = true;
        q.t[i].highlight = true;
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

/* ---- property: every query word in the passage is highlighted ---- */

/* Words and their inflections (several share a stem), short enough that a
 * passage is always cut at white space, some of them multi-byte. */
static const char *const prop_words[] = {
    "oil",    "oils",  "Oil",   "price",  "prices", "priced", "meet",  "meets", "meeting",
    "market", "ζ",     "café",  "Cafés",  "naïve",  "über",   "bank",  "banks", "the",
    "of",     "rate",  "rates", "rating", "crude",  "north",  "sea",   "fell",  "rose",
    "week",   "trade", "東京",  "Ölpreis", "a",     "and",    "grain", "wheat", "corn",
};
#define N_PROP_WORDS (sizeof prop_words / sizeof prop_words[0])
static const char *const prop_seps[] = {" ", "  ", "\n", ". ", ", ", "\t", " (", ") ", "\n\n"};

struct stems_ctx {
    const sr_query *q;
    const sr_snippet *s;
    size_t n_match;
    size_t n_bad;
    char first_bad[160];
};

static bool is_query_term(const sr_query *q, const char *t, size_t n)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->t[i].len == n && memcmp(q->t[i].term, t, n) == 0)
            return true;
    return false;
}

/* A token of the snippet that is a query term must be a highlight span. */
static int check_token(void *vctx, const ns_token *tok)
{
    struct stems_ctx *c = vctx;
    if (!is_query_term(c->q, tok->term, tok->term_len))
        return 0;
    c->n_match++;
    for (size_t i = 0; i < c->s->n_hl; i++)
        if (c->s->hl[i].start == tok->start && c->s->hl[i].end == tok->end)
            return 0;
    if (c->n_bad++ == 0)
        snprintf(c->first_bad, sizeof c->first_bad, "[%zu,%zu) '%.*s' not highlighted",
                 tok->start, tok->end, (int)(tok->end - tok->start), c->s->text.data + tok->start);
    return 0;
}

static void check_snippet(const sr_query *q, const sr_snippet *s, const char *text, size_t width,
                          unsigned iter)
{
    const char *d = (const char *)s->text.data;
    size_t len = s->text.len;
    cr_assert(ns_utf8_valid(s->text.data, len, NULL), "iter %u: invalid UTF-8", iter);
    for (size_t i = 0; i < s->n_hl; i++) {
        const sr_span *h = &s->hl[i];
        cr_assert(h->start < h->end && h->end <= len, "iter %u: span %zu [%zu,%zu) of %zu", iter,
                  i, h->start, h->end, len);
        cr_assert(i == 0 || s->hl[i - 1].end <= h->start, "iter %u: spans %zu, %zu unsorted or "
                  "overlapping", iter, i - 1, i);
        cr_assert((d[h->start] & 0xC0) != 0x80 && (h->end == len || (d[h->end] & 0xC0) != 0x80),
                  "iter %u: span %zu not on UTF-8 boundaries", iter, i);
    }
    /* each query word of the passage is a span; as spans do not overlap, equal
     * counts mean every span is a query word */
    struct stems_ctx c = {q, s, 0, 0, ""};
    cr_assert_eq(ns_analyze(an, d, len, check_token, &c), NS_OK);
    cr_assert_eq(c.n_bad, 0, "iter %u (width %zu): %s\nsnippet: %.*s\ntext: %s", iter, width,
                 c.first_bad, (int)len, d, text);
    cr_assert_eq(c.n_match, s->n_hl, "iter %u: %zu highlights, %zu query words in: %.*s", iter,
                 s->n_hl, c.n_match, (int)len, d);
}

/* The first term the analyzer makes of word (stop words make none). */
static int take_first(void *vctx, const ns_token *tok)
{
    sr_qterm *t = vctx;
    if (t->len == 0) {
        memcpy(t->term, tok->term, tok->term_len);
        t->term[tok->term_len] = 0;
        t->len = tok->term_len;
    }
    return 0;
}

Test(sr_snippet, every_query_word_in_the_passage_is_highlighted)
{
    const uint32_t seed = 0x5eed16u;
    printf("sr_snippet property seed %#x\n", (unsigned)seed);
    uint32_t rng = seed;
    char text[4096];
    sr_snippet s;
    sr_snippet_init(&s);
    size_t n_end_match = 0; /* passages ending with a highlight */
    for (unsigned iter = 0; iter < 3000; iter++) {
        /* the query: 1-3 distinct terms of the vocabulary's (non-stop) words */
        sr_query q = {0};
        q.t = calloc(3, sizeof *q.t);
        size_t want = 1 + tu_rng_next(&rng) % 3;
        while (q.n < want) {
            sr_qterm t = {0};
            const char *w = prop_words[tu_rng_next(&rng) % N_PROP_WORDS];
            cr_assert_eq(ns_analyze(an, w, strlen(w), take_first, &t), NS_OK);
            if (t.len == 0 || is_query_term(&q, t.term, t.len))
                continue;
            t.qtf = 1;
            t.found = true;
            t.highlight = true;
            t.idf = 0.5 + (tu_rng_next(&rng) % 100) / 50.0;
            q.t[q.n++] = t;
        }
        /* the text: 1-120 words, ending with a query word one time in four */
        size_t n_words = 1 + tu_rng_next(&rng) % 120, off = 0;
        text[0] = 0;
        for (size_t k = 0; k < n_words; k++) {
            const char *w = prop_words[tu_rng_next(&rng) % N_PROP_WORDS];
            const char *sep = k ? prop_seps[tu_rng_next(&rng) % (sizeof prop_seps / sizeof *prop_seps)] : "";
            off += (size_t)snprintf(text + off, sizeof text - off, "%s%s", sep, w);
        }
        if (tu_rng_next(&rng) % 4 == 0)
            off += (size_t)snprintf(text + off, sizeof text - off, " %s", q.t[0].term);
        size_t width = 20 + tu_rng_next(&rng) % 240;
        cr_assert_eq(sr_snippet_make(an, &q, text, off, width, &s), NS_OK);
        check_snippet(&q, &s, text, width, iter);
        if (s.n_hl && s.hl[s.n_hl - 1].end == s.text.len)
            n_end_match++;
        free(q.t);
    }
    /* the case the property must not miss: a match ending the passage */
    cr_assert_gt(n_end_match, 100, "only %zu passages end with a highlight", n_end_match);
    sr_snippet_release(&s);
}

Test(sr_snippet, match_ending_the_passage_is_highlighted)
{
    const char *stems[] = {"oil"};
    double idf[] = {1.0};
    sr_query q = make_query(stems, idf, 1);
    sr_snippet s;
    sr_snippet_init(&s);
    const char *t = "Prices of crude oil";
    cr_assert_eq(sr_snippet_make(an, &q, t, strlen(t), 200, &s), NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&s.text), t);
    cr_assert_eq(s.n_hl, 1);
    span_is(&s, 0, "oil");
    cr_assert_eq(s.hl[0].end, s.text.len);
    sr_snippet_release(&s);
    free(q.t);
}

/* The query language's snippets: an exact phrase is highlighted as one
 * span and its passage wins over scattered words; excluded words are
 * never highlighted. */
Test(sr_snippet, phrases_are_one_highlight_and_exclusions_none)
{
    const fx_doc docs[] = {
        {"a", NULL, "Oil was cheap. Prices fell on the news, and oil traders sold. Much later in the "
                    "report, after many words about other matters entirely unrelated to anything, "
                    "oil prices\n  rose again while OPEC met in Vienna."}};
    sr_index *ix = fx_build("snippet_phrase", "english", docs, 1);
    sr_query q;
    ns_err err;
    const char *text = docs[0].body;
    cr_assert_eq(sr_query_parse(ix, "\"oil prices\" -opec", 19, &q, &err), NS_OK, "%s", err.msg);
    sr_snippet s;
    sr_snippet_init(&s);
    cr_assert_eq(sr_snippet_make(ix->an, &q, text, strlen(text), 80, &s), NS_OK);
    cr_assert(strstr(ns_buf_cstr(&s.text), "oil prices rose"), "%s", ns_buf_cstr(&s.text));
    size_t units = 0;
    for (size_t i = 0; i < s.n_hl; i++) {
        const char *h = (const char *)s.text.data + s.hl[i].start;
        size_t n = s.hl[i].end - s.hl[i].start;
        cr_assert(n != 4 || strncasecmp(h, "opec", 4), "an excluded word is highlighted");
        units += n == 10 && !memcmp(h, "oil prices", 10); /* white space folded inside */
    }
    cr_assert_eq(units, 1, "%s: %zu highlights", ns_buf_cstr(&s.text), s.n_hl);
    sr_snippet_release(&s);
    sr_query_release(&q);
    sr_index_close(ix);
}
