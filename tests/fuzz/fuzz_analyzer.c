/* fuzz_analyzer: the analysis chain (common/ns_analyzer.c: UTF-8 decode,
 * word split, case fold, possessive, stop list, Snowball stem, stem cache)
 * on any bytes, in every libstemmer language.
 *
 * Input: one flags byte, then the text.
 *   bits 0-5  language: sb_stemmer_list()[n % (count + 1)], the last
 *             value being "none";
 *   bit 6     stem cache off;
 *   bit 7     English stop list.
 * Properties (abort when broken), for every token: 1 <= term_len <=
 * NS_TOKEN_MAX_BYTES, the term is valid UTF-8, [start, end) lies inside
 * the text and starts after the previous token's start (bigrams overlap,
 * the pieces of a long word share its range), positions increase and stay
 * below ns_analyzer_words(); the same text analysed again (stem cache warm)
 * gives the same tokens, and so does ICU alone (the ASCII fast path off);
 * the bytes [start, end) of a token analysed alone give that one token
 * again (what snippets rely on), except the pieces of a long word and the
 * words of the scripts segmented by a dictionary (which depends on the
 * context).  Then the snippet of
 * the text (searcher/sr_snippet.c) for a query of up to three of its own
 * terms: it matches at least one term and highlights it, highlights are
 * increasing ranges inside the snippet, and a snippet of valid UTF-8 is
 * valid UTF-8. */
#include <libstemmer.h>
#include <string.h>

#include "fuzz_util.h"
#include "ns_analyzer.h"
#include "ns_utf8.h"
#include "sr_query.h"
#include "sr_snippet.h"

#define MAX_TOKENS 4096

typedef struct tok {
    char term[NS_TOKEN_MAX_BYTES];
    size_t term_len, start, end;
    uint32_t pos;
} tok;

typedef struct walk {
    size_t text_len;
    tok *t;     /* storage for cap tokens; tokens past it are checked, not kept */
    size_t cap, n;
    size_t last_start;
    int64_t last_pos;
} walk;

static int on_token(void *ctx, const ns_token *k)
{
    walk *w = ctx;
    if (k->term_len < 1 || k->term_len > NS_TOKEN_MAX_BYTES)
        fuzz_fail("token %zu: term_len %zu", w->n, k->term_len);
    if (!ns_utf8_valid((const uint8_t *)k->term, k->term_len, NULL))
        fuzz_fail("token %zu: term is not valid UTF-8", w->n);
    if (k->start >= k->end || k->end > w->text_len || k->start < w->last_start)
        fuzz_fail("token %zu: range [%zu, %zu) after a start at %zu in %zu bytes", w->n, k->start,
                  k->end, w->last_start, w->text_len);
    if ((int64_t)k->pos <= w->last_pos)
        fuzz_fail("token %zu: position %u after %lld", w->n, k->pos, (long long)w->last_pos);
    if (w->n < w->cap) {
        tok *t = &w->t[w->n];
        memcpy(t->term, k->term, k->term_len);
        t->term_len = k->term_len;
        t->start = k->start;
        t->end = k->end;
        t->pos = k->pos;
    }
    w->n++;
    w->last_start = k->start;
    w->last_pos = k->pos;
    return 0;
}

static int same_token(const tok *a, const tok *b)
{
    return a->term_len == b->term_len && memcmp(a->term, b->term, a->term_len) == 0 &&
           a->start == b->start && a->end == b->end && a->pos == b->pos;
}

/* Returns NS_E_NOMEM, or NS_OK with the walk checked. */
static ns_rc analyze(ns_analyzer *an, const char *text, size_t len, walk *w, tok *storage,
                     size_t cap)
{
    *w = (walk){.text_len = len, .t = storage, .cap = cap, .last_pos = -1};
    ns_rc rc = ns_analyze(an, text, len, on_token, w);
    if (rc && rc != NS_E_NOMEM)
        fuzz_fail("ns_analyze returned %d", (int)rc);
    if (!rc && w->n && (int64_t)ns_analyzer_words(an) <= w->last_pos)
        fuzz_fail("ns_analyzer_words() = %u but a token had position %lld", ns_analyzer_words(an),
                  (long long)w->last_pos);
    return rc;
}

static void check_snippet(ns_analyzer *an, const char *text, size_t len, const tok *t, size_t n)
{
    sr_qterm qt[3];
    sr_query q = {.t = qt, .n = 0};
    size_t pick[3] = {0, n / 2, n - 1};
    for (size_t i = 0; i < 3; i++) {
        const tok *k = &t[pick[i]];
        int dup = 0;
        for (size_t j = 0; j < q.n; j++)
            dup |= qt[j].len == k->term_len && memcmp(qt[j].term, k->term, k->term_len) == 0;
        if (dup)
            continue;
        qt[q.n] = (sr_qterm){.len = k->term_len, .qtf = 1, .found = true, .highlight = true, .idf = 1.0 + (double)i};
        memcpy(qt[q.n].term, k->term, k->term_len);
        qt[q.n].term[k->term_len] = '\0';
        q.n++;
    }
    sr_snippet s;
    sr_snippet_init(&s);
    ns_rc rc = sr_snippet_make(an, &q, text, len, SR_SNIPPET_WIDTH, &s);
    if (rc && rc != NS_E_NOMEM)
        fuzz_fail("sr_snippet_make returned %d", (int)rc);
    if (!rc) {
        if (s.n_terms_matched < 1 || s.n_hl < 1)
            fuzz_fail("snippet matches %zu terms with %zu highlights; the text has them",
                      s.n_terms_matched, s.n_hl);
        for (size_t j = 0; j < s.n_hl; j++)
            if (s.hl[j].start >= s.hl[j].end || s.hl[j].end > s.text.len ||
                (j && s.hl[j].start < s.hl[j - 1].end))
                fuzz_fail("snippet highlight %zu [%zu, %zu) out of place (%zu bytes)", j,
                          s.hl[j].start, s.hl[j].end, s.text.len);
        if (ns_utf8_valid((const uint8_t *)text, len, NULL) &&
            !ns_utf8_valid(s.text.data, s.text.len, NULL))
            fuzz_fail("the snippet of valid UTF-8 is not valid UTF-8");
    }
    sr_snippet_release(&s);
}

static tok first[MAX_TOKENS], second[MAX_TOKENS], third[MAX_TOKENS], alone[1];

/* True when s[0..n) holds a character of Thai, Lao, Myanmar or Khmer. */
static int has_dictionary_script(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += ns_utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if ((cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
            (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x19E0 && cp <= 0x19FF) ||
            (cp >= 0xA9E0 && cp <= 0xA9FF) || (cp >= 0xAA60 && cp <= 0xAA7F))
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char **langs = sb_stemmer_list();
    size_t n_langs = 0;
    while (langs[n_langs])
        n_langs++;
    size_t li = (data[0] & 63u) % (n_langs + 1);
    const char *lang = li == n_langs ? "none" : langs[li];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    ns_analyzer *an = NULL;
    ns_err err;
    ns_rc rc = ns_analyzer_new(lang, &an, &err);
    if (rc == NS_E_NOMEM)
        return 0;
    if (rc)
        fuzz_fail("libstemmer lists '%s' but ns_analyzer_new refuses it: %s", lang, err.msg);
    if (data[0] & 64)
        ns_analyzer_set_cache(an, 0);
    if ((data[0] & 128) && ns_analyzer_set_stop_list(an, NS_STOP_ENGLISH, &err))
        fuzz_fail("the English stop list is refused: %s", err.msg);

    ns_analyzer *ref = NULL;
    rc = ns_analyzer_new(lang, &ref, &err);
    if (rc == NS_E_NOMEM) {
        ns_analyzer_free(an);
        return 0;
    }
    if (rc || ((data[0] & 128) && ns_analyzer_set_stop_list(ref, NS_STOP_ENGLISH, &err)))
        fuzz_fail("a second analyzer is refused: %s", err.msg);
    ns_analyzer_set_ascii_fast(ref, 0);

    walk w1, w2, w3;
    if (analyze(an, text, len, &w1, first, MAX_TOKENS) ||
        analyze(an, text, len, &w2, second, MAX_TOKENS) ||
        analyze(ref, text, len, &w3, third, MAX_TOKENS))
        goto done;
    if (w1.n != w2.n)
        fuzz_fail("%zu tokens, then %zu on the same text", w1.n, w2.n);
    if (w1.n != w3.n)
        fuzz_fail("%zu tokens, but %zu through ICU alone", w1.n, w3.n);
    size_t kept = w1.n < MAX_TOKENS ? w1.n : MAX_TOKENS;
    for (size_t i = 0; i < kept; i++) {
        if (!same_token(&first[i], &second[i]))
            fuzz_fail("token %zu differs when the same text is analysed again", i);
        if (!same_token(&first[i], &third[i]))
            fuzz_fail("token %zu [%zu, %zu) differs through ICU alone ([%zu, %zu))", i,
                      first[i].start, first[i].end, third[i].start, third[i].end);
    }
    for (size_t i = 0; i < kept; i++) {
        const tok *t = &first[i];
        if ((i > 0 && first[i - 1].start == t->start && first[i - 1].end == t->end) ||
            (i + 1 < kept && first[i + 1].start == t->start && first[i + 1].end == t->end) ||
            has_dictionary_script(text + t->start, t->end - t->start))
            continue;
        if (analyze(an, text + t->start, t->end - t->start, &w3, alone, 1))
            break;
        if (w3.n != 1 || alone[0].term_len != t->term_len ||
            memcmp(alone[0].term, t->term, t->term_len) != 0)
            fuzz_fail("token %zu [%zu, %zu) analysed alone gives %zu tokens, not itself", i,
                      t->start, t->end, w3.n);
    }
    if (kept)
        check_snippet(an, text, len, first, kept);
done:
    ns_analyzer_free(an);
    ns_analyzer_free(ref);
    return 0;
}
