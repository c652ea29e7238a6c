/* sr_snippet: best-passage selection and highlighting (see sr_snippet.h). */
#include "sr_snippet.h"

#include <string.h>

#include "ns_alloc.h"
#include "ns_utf8.h"

#define SR_MAX_MATCHES 100000

typedef struct match {
    size_t start, end;
    size_t term;  /* index into q->t; q->n + k: the k-th phrase, as a unit */
    uint32_t pos; /* the word's position (a phrase's: its first word's) */
} match;

typedef struct collect {
    const sr_query *q;
    match *m; /* owned */
    size_t n, cap;
    ns_rc rc;
} collect;

static int on_token(void *ctx, const ns_token *tok)
{
    collect *c = ctx;
    for (size_t i = 0; i < c->q->n; i++) {
        const sr_qterm *t = &c->q->t[i];
        if (t->highlight && t->len == tok->term_len && memcmp(t->term, tok->term, t->len) == 0) {
            if (c->n == c->cap) {
                size_t nc = c->cap ? c->cap * 2 : 64;
                match *m = ns_realloc(c->m, nc * sizeof *m);
                if (!m) {
                    c->rc = NS_E_NOMEM;
                    return 1;
                }
                c->m = m;
                c->cap = nc;
            }
            c->m[c->n++] = (match){tok->start, tok->end, i, tok->pos};
            return c->n >= SR_MAX_MATCHES;
        }
    }
    return 0;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

void sr_snippet_init(sr_snippet *s)
{
    memset(s, 0, sizeof *s);
    ns_buf_init(&s->text);
}

void sr_snippet_release(sr_snippet *s)
{
    if (!s)
        return;
    ns_buf_release(&s->text);
    ns_free(s->hl);
    sr_snippet_init(s);
}

static double term_weight(const sr_qterm *t) { return t->found ? t->idf : 0.0; }

/* The exact phrases of clauses that are not excluded, in tree order. */
static void find_phrases(const sr_qt *n, bool negated, const sr_qt **out, size_t *k, size_t cap)
{
    if (!n || negated)
        return;
    if (n->kind == SR_QT_PHRASE && !n->sloppy && *k < cap)
        out[(*k)++] = n;
    for (size_t i = 0; i < n->n_kids; i++)
        find_phrases(n->kids[i], n->kids[i]->occur == SR_OCC_NOT, out, k, cap);
}

#define SR_SNIPPET_PHRASES 64

/* Merges the matches that make an occurrence of a phrase into one match of
 * the phrase (highlighted as a unit); matches are in text order. */
static void merge_phrases(const sr_query *q, collect *c, const sr_qt *const *ph, size_t n_ph)
{
    for (size_t k = 0; k < n_ph; k++) {
        const sr_qt *p = ph[k];
        size_t o = 0;
        for (size_t i = 0; i < c->n; i++) {
            match m = c->m[i];
            if (m.term == p->w[0]) {
                /* the other words at their offsets, among the next matches */
                size_t last = i;
                bool ok = true;
                for (size_t w = 1; w < p->n_w && ok; w++) {
                    ok = false;
                    for (size_t j = i + 1; j < c->n && c->m[j].pos <= m.pos + p->off[w]; j++)
                        if (c->m[j].pos == m.pos + p->off[w] && c->m[j].term == p->w[w]) {
                            ok = true;
                            last = j > last ? j : last;
                        }
                }
                if (ok) {
                    c->m[o++] = (match){m.start, c->m[last].end, q->n + k, m.pos};
                    i = last; /* the words inside are the unit */
                    continue;
                }
            }
            c->m[o++] = m;
        }
        c->n = o;
    }
}

ns_rc sr_snippet_make(ns_analyzer *an, const sr_query *q, const char *text, size_t len, size_t width,
                      sr_snippet *s)
{
    ns_buf_reset(&s->text);
    s->n_hl = 0;
    s->n_terms_matched = 0;
    collect c = {q, NULL, 0, 0, NS_OK};
    ns_rc rc = ns_analyze(an, text, len, on_token, &c);
    if (!rc)
        rc = c.rc;
    const sr_qt *ph[SR_SNIPPET_PHRASES];
    size_t n_ph = 0;
    find_phrases(q->root, false, ph, &n_ph, SR_SNIPPET_PHRASES);
    if (!rc && n_ph)
        merge_phrases(q, &c, ph, n_ph);
    /* a phrase outweighs every term: the passage with it wins */
    double all = 1;
    for (size_t i = 0; i < q->n; i++)
        all += term_weight(&q->t[i]) + 1e-3;
    uint32_t *count = ns_calloc(q->n + n_ph + 1, sizeof *count);
    if (rc || !count) {
        ns_free(c.m);
        ns_free(count);
        return NS_E_NOMEM;
    }
    /* 1. the best window of matches: two pointers over the matches */
    size_t best_i = 0, best_j = 0; /* matches [best_i, best_j) */
    double best = -1;
    size_t best_distinct = 0;
    double cur = 0;
    size_t distinct = 0;
    for (size_t i = 0, j = 0; i < c.n; i++) {
        /* a match longer than the width (a long word's piece) is a window
         * of its own */
        while (j < c.n && (j == i || c.m[j].end - c.m[i].start <= width)) {
            if (count[c.m[j].term]++ == 0) {
                cur += (c.m[j].term < q->n ? term_weight(&q->t[c.m[j].term]) : all) + 1e-3;
                distinct++;
            }
            j++;
        }
        double score = cur + 1e-6 * (double)(j - i);
        if (score > best) {
            best = score;
            best_i = i;
            best_j = j;
            best_distinct = distinct;
        }
        if (j > i) {
            if (--count[c.m[i].term] == 0) {
                cur -= (c.m[i].term < q->n ? term_weight(&q->t[c.m[i].term]) : all) + 1e-3;
                distinct--;
            }
        } else {
            j = i + 1;
        }
    }
    ns_free(count);
    s->n_terms_matched = best_distinct;

    /* 2. place the window around those matches, at white space */
    size_t start = 0, end = len;
    if (len > width) {
        size_t ms = best_j > best_i ? c.m[best_i].start : 0;
        size_t me = best_j > best_i ? c.m[best_j - 1].end : 0;
        size_t slack = width > me - ms ? width - (me - ms) : 0;
        start = ms > slack / 3 ? ms - slack / 3 : 0; /* a little context before */
        if (start + width > len)
            start = len > width ? len - width : 0;
        if (start > ms)
            start = ms;
        if (start > 0 && !is_space(text[start - 1])) {
            size_t k = start;
            while (k < ms && !is_space(text[k]))
                k++;
            if (k < ms) {
                start = k;
            } else { /* no space before the match: back up to one */
                k = start;
                while (k > 0 && !is_space(text[k - 1]) && start - k < 40)
                    k--;
                start = (k == 0 || is_space(text[k - 1])) ? k : ms;
            }
        }
        while (start < ms && is_space(text[start]))
            start++;
        end = start + width < len ? start + width : len;
        if (end < me)
            end = me;
        if (end < len && !is_space(text[end])) {
            size_t k = end;
            while (k > me && k > start && !is_space(text[k - 1]))
                k--;
            if (k > me || (k == me && k > start))
                end = k;
            else {
                while (end < len && !is_space(text[end]) && end - me < 40)
                    end++;
            }
        }
        start = ns_utf8_floor((const uint8_t *)text, len, start);
        end = ns_utf8_floor((const uint8_t *)text, len, end);
        /* a stray continuation byte after the last match must not pull the
         * end back into it (a match ends after a whole code point) */
        if (end < me)
            end = me;
        if (end < start)
            end = start;
    }
    while (end > start && is_space(text[end - 1]))
        end--;
    while (start < end && is_space(text[start]))
        start++;

    /* 3. overlapping matches (the bigrams of Chinese and Japanese text)
     * are highlighted as one */
    size_t nm = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (nm && c.m[i].start < c.m[nm - 1].end) {
            if (c.m[i].end > c.m[nm - 1].end)
                c.m[nm - 1].end = c.m[i].end;
            continue;
        }
        c.m[nm++] = c.m[i];
    }
    c.n = nm;

    /* 4. copy, folding white space, mapping match offsets */
    rc = ns_buf_reserve(&s->text, (end - start) + 8);
    if (rc) {
        ns_free(c.m);
        return rc;
    }
    if (start > 0)
        ns_buf_puts(&s->text, "\xE2\x80\xA6"); /* … */
    size_t mi = 0;
    while (mi < c.n && c.m[mi].start < start)
        mi++;
    for (size_t o = start; o < end;) {
        if (is_space(text[o])) {
            while (o < end && is_space(text[o]))
                o++;
            ns_buf_putc(&s->text, ' ');
            continue;
        }
        if (mi < c.n && c.m[mi].start == o && c.m[mi].end <= end) {
            size_t wl = c.m[mi].end - o;
            if (s->n_hl == s->cap_hl) {
                size_t nc = s->cap_hl ? s->cap_hl * 2 : 16;
                sr_span *h = ns_realloc(s->hl, nc * sizeof *h);
                if (!h) {
                    ns_free(c.m);
                    return NS_E_NOMEM;
                }
                s->hl = h;
                s->cap_hl = nc;
            }
            size_t hs = s->text.len;
            for (size_t e = o + wl; o < e && !rc;) { /* a phrase's white space folded too */
                if (is_space(text[o])) {
                    while (o < e && is_space(text[o]))
                        o++;
                    rc = ns_buf_putc(&s->text, ' ');
                } else {
                    rc = ns_buf_putc(&s->text, (uint8_t)text[o++]);
                }
            }
            s->hl[s->n_hl++] = (sr_span){hs, s->text.len};
            mi++;
            if (rc)
                break;
            continue;
        }
        rc = ns_buf_putc(&s->text, (uint8_t)text[o]);
        if (rc)
            break;
        o++;
        while (mi < c.n && c.m[mi].start < o)
            mi++;
    }
    size_t after = end;
    while (after < len && is_space(text[after]))
        after++;
    if (!rc && after < len) /* text was cut, not just trailing white space */
        rc = ns_buf_puts(&s->text, "\xE2\x80\xA6");
    ns_free(c.m);
    return rc;
}
