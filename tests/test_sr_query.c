/* The query language: the parser's trees and errors, the positions reader
 * against plainly decoded streams, phrase matching against a brute-force
 * scan of the re-analysed stored text, and, on random corpora with random
 * query trees (every operator, nested, with stop words, absent terms,
 * prefixes and field scopes), every algorithm against the reference
 * evaluation: the same documents in the same order with the same scores
 * (==), and --count against the reference's number of matches. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "ns_keyword.h"
#include "sr_cursor.h"
#include "sr_exec.h"
#include "sr_fixture.h"
#include "sr_pos.h"
#include "sr_qparse.h"
#include "sr_query.h"
#include "sr_rank.h"

/* Parser */

static void dump(ns_buf *b, const sr_qp_node *n)
{
    static const char *const mod[] = {"", "+", "-"};
    ns_buf_puts(b, mod[n->mod]);
    if (n->field)
        ns_buf_printf(b, "%s:", n->field);
    switch (n->kind) {
    case SR_QP_WORD: ns_buf_printf(b, "%s", n->text); break;
    case SR_QP_PREFIX: ns_buf_printf(b, "%s*", n->text); break;
    case SR_QP_PHRASE:
        ns_buf_printf(b, "\"%s\"", n->text);
        if (n->sloppy)
            ns_buf_printf(b, "~%u", n->slop);
        break;
    case SR_QP_GROUP:
        ns_buf_puts(b, n->and_group ? "(AND" : "(OR");
        for (size_t i = 0; i < n->n_kids; i++) {
            ns_buf_putc(b, ' ');
            dump(b, n->kids[i]);
        }
        ns_buf_putc(b, ')');
        break;
    }
}

static void parses_to(const char *q, bool and_default, const char *want)
{
    sr_qp_node *r;
    ns_err err;
    cr_assert_eq(sr_qp_parse(q, strlen(q), and_default, &r, &err), NS_OK, "'%s': %s", q, err.msg);
    ns_buf b;
    ns_buf_init(&b);
    if (r)
        dump(&b, r);
    cr_assert_str_eq(ns_buf_cstr(&b) ? ns_buf_cstr(&b) : "", want, "'%s'", q);
    ns_buf_release(&b);
    sr_qp_free(r);
}

Test(sr_query, the_parser_builds_trees_with_precedence_and_modifiers)
{
    parses_to("oil", false, "oil");
    parses_to("oil prices", false, "(OR oil prices)");
    parses_to("oil prices", true, "(AND oil prices)");
    parses_to("a b AND c", false, "(OR a (AND b c))");
    parses_to("a b OR c", true, "(OR (AND a b) c)");
    parses_to("a OR b AND c", false, "(OR a (AND b c))");
    parses_to("NOT a b", false, "(OR -a b)");
    parses_to("a NOT b", false, "(OR a -b)");
    parses_to("a AND NOT b", false, "(AND a -b)");
    parses_to("+a -b c", false, "(OR +a -b c)");
    parses_to("(a OR b) AND c", false, "(AND (OR a b) c)");
    parses_to("-(a OR b) c", false, "(OR -(OR a b) c)");
    parses_to("\"bank of england\"", false, "\"bank of england\"");
    parses_to("\"a b\"~3 c", false, "(OR \"a b\"~3 c)");
    parses_to("-\"a b\" c", false, "(OR -\"a b\" c)");
    parses_to("title:oil body:\"a b\"", false, "(OR title:oil body:\"a b\")");
    parses_to("title:(a b)", false, "title:(OR a b)");
    parses_to("petrol* x", false, "(OR petrol* x)");
    parses_to("and or not", false, "(OR and or not)");       /* lower case: words */
    parses_to("a - b + c", false, "(OR a - b + c)");          /* lone: characters */
    parses_to("12:30 e-mail", false, "(OR 12:30 e-mail)");    /* not fields */
    parses_to("\\\"x\\(y\\) a\\*", false, "(OR \"x(y) a*)");  /* escapes */
    parses_to("\\AND \\-b", false, "(OR AND -b)");
    parses_to("\"say \\\"hi\\\"\"", false, "\"say \"hi\"\"");
    parses_to("   ", false, "");
    parses_to("(a)", false, "a");
    parses_to("a (b c)", false, "(OR a (OR b c))");
}

static void fails_at(const char *q, size_t col, const char *what)
{
    sr_qp_node *r;
    ns_err err;
    cr_assert_eq(sr_qp_parse(q, strlen(q), false, &r, &err), NS_E_ARG, "'%s' parsed", q);
    cr_assert_null(r);
    char want[32];
    snprintf(want, sizeof want, "column %zu: ", col);
    cr_assert(!strncmp(err.msg, want, strlen(want)), "'%s': %s (want column %zu)", q, err.msg, col);
    cr_assert(strstr(err.msg, what), "'%s': %s (want '%s')", q, err.msg, what);
}

Test(sr_query, malformed_queries_name_the_column_and_what_was_expected)
{
    fails_at("\"oil prices", 1, "never closed");
    fails_at("oil \"prices", 5, "never closed");
    fails_at("(oil prices", 1, "'(' is never closed");
    fails_at("oil prices)", 11, "')' without a matching '('");
    fails_at("oil AND", 5, "'AND' with nothing after it");
    fails_at("oil OR", 5, "'OR' with nothing after it");
    fails_at("AND oil", 1, "'AND' with nothing before it");
    fails_at("OR oil", 1, "'OR' with nothing before it");
    fails_at("oil NOT", 5, "with nothing after it");
    fails_at("a OR OR b", 3, "'OR' with nothing after it");
    fails_at("a +AND b", 3, "'+' with nothing after it");
    fails_at("(AND b)", 2, "'AND' with nothing before it");
    fails_at("-oil", 1, "only exclusions");
    fails_at("NOT oil", 1, "only exclusions");
    fails_at("a (-b -c)", 3, "only exclusions");
    fails_at("--oil", 2, "two operators in a row");
    fails_at("title: oil", 1, "empty field scope 'title:'");
    fails_at("title:(body:x)", 1, "a field scope inside the field scope");
    fails_at("\"a b\"~", 6, "expected a number after '~'");
    fails_at("\"a b\"~1000001", 7, "at most");
    fails_at("a*", 1, "at least 2 characters");
    fails_at("\xc3\xa9*", 1, "at least 2 characters"); /* one character, two bytes */
    fails_at("()", 1, "empty parentheses");
    fails_at("oil\\", 4, "nothing to escape");
    fails_at("caf\xc3\xa9 \"x", 6, "never closed"); /* columns count characters */
    char deep[200] = {0};
    for (int i = 0; i < 40; i++)
        deep[i] = '(';
    fails_at(deep, 33, "nested deeper");
}

/* Random corpora */

static uint64_t rng;
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33);
}

/* Words: w0..w(V-1), skewed; some documents get stop words ("the", "of"). */
static const char *word(uint32_t vocab, char *buf)
{
    uint32_t r = rnd() % 100;
    if (r < 8)
        return r < 4 ? "the" : "of";
    double u = (rnd() + 0.5) / 2147483648.0;
    uint32_t w = (uint32_t)exp(u * log((double)vocab));
    snprintf(buf, 16, "w%u", w >= vocab ? vocab - 1 : w);
    return buf;
}

typedef struct corpus {
    sr_index *ix;
    uint32_t vocab, n_docs;
    char **titles, **bodies; /* owned, for phrases drawn from the documents */
} corpus;

static void make_corpus(corpus *c, const char *name, uint64_t seed, uint32_t n_docs, uint32_t vocab)
{
    rng = seed;
    printf("random corpus %s: seed %llu, %u docs, vocab %u\n", name, (unsigned long long)seed,
           n_docs, vocab);
    c->vocab = vocab;
    c->n_docs = n_docs;
    c->titles = calloc(n_docs, sizeof *c->titles);
    c->bodies = calloc(n_docs, sizeof *c->bodies);
    char *dir = tu_tmpdir(name);
    char *out = tu_path(dir, "idx");
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "none", NULL, NULL, &b, &err), NS_OK);
    cr_assert_eq(ix_build_set_stop_list(b, NS_STOP_ENGLISH, &err), NS_OK);
    cr_assert_eq(ix_build_add_keyword_field(b, "tag", 3, &err), NS_OK, "%s", err.msg);
    ns_buf t, body;
    ns_buf_init(&t);
    ns_buf_init(&body);
    char w[16];
    for (uint32_t d = 0; d < n_docs; d++) {
        ns_buf_reset(&t);
        ns_buf_reset(&body);
        uint32_t tl = rnd() % 4, bl = 1 + rnd() % (rnd() % 8 == 0 ? 400 : 60);
        for (uint32_t i = 0; i < tl; i++)
            ns_buf_printf(&t, "%s ", word(vocab, w));
        for (uint32_t i = 0; i < bl; i++)
            ns_buf_printf(&body, "%s%s", word(vocab, w), rnd() % 9 == 0 ? ", " : " ");
        c->titles[d] = strdup(ns_buf_cstr(&t) ? ns_buf_cstr(&t) : "");
        c->bodies[d] = strdup(ns_buf_cstr(&body));
        char id[16], tag[8];
        snprintf(id, sizeof id, "%u", d);
        snprintf(tag, sizeof tag, "tv%u", rnd() % 5);
        ix_field kw = {.name = "tag", .name_len = 3, .type = NS_VAL_STRING, .v = tag,
                       .len = strlen(tag)};
        ix_doc doc = {.id = id, .id_len = strlen(id), .title = c->titles[d],
                      .title_len = strlen(c->titles[d]), .body = c->bodies[d],
                      .body_len = strlen(c->bodies[d]), .src = name, .extra = &kw,
                      .n_extra = rnd() % 4 ? 1 : 0};
        cr_assert_eq(ix_build_add(b, &doc, &err), NS_OK);
    }
    ns_buf_release(&t);
    ns_buf_release(&body);
    cr_assert_eq(ix_build_commit(b, &err), NS_OK, "%s", err.msg);
    ix_build_free(b);
    cr_assert_eq(sr_index_open(out, &c->ix, &err), NS_OK, "%s", err.msg);
    free(out);
    free(dir);
}

static void free_corpus(corpus *c)
{
    for (uint32_t d = 0; d < c->n_docs; d++) {
        free(c->titles[d]);
        free(c->bodies[d]);
    }
    free(c->titles);
    free(c->bodies);
    sr_index_close(c->ix);
}

/* A phrase of 2..4 consecutive words of a random document's body. */
static void drawn_phrase(const corpus *c, ns_buf *b)
{
    const char *s = c->bodies[rnd() % c->n_docs];
    size_t n = 0, starts[512];
    for (size_t i = 0; s[i] && n < 512; i++)
        if ((i == 0 || s[i - 1] == ' ') && s[i] != ' ' && s[i] != ',')
            starts[n++] = i;
    size_t from = starts[rnd() % n], len = 2 + rnd() % 3, i = from;
    for (size_t w = 0; s[i] && w < len; i++)
        if (s[i] == ' ' && i > from && s[i - 1] != ' ')
            w++;
    ns_buf_putc(b, '"');
    for (size_t j = from; j < i; j++)
        if (s[j] != ',' && s[j] != '"')
            ns_buf_putc(b, (uint8_t)s[j]);
    while (b->len && b->data[b->len - 1] == ' ')
        b->len--;
    ns_buf_putc(b, '"');
}

static void gen_clause(const corpus *c, ns_buf *b, int depth);

static void gen_operand(const corpus *c, ns_buf *b, int depth)
{
    char w[16];
    uint32_t r = rnd() % 100;
    if (r < 8)
        ns_buf_puts(b, rnd() % 2 ? "title:" : "body:");
    r = rnd() % 100;
    if (r < 40) {
        ns_buf_puts(b, rnd() % 10 == 0 ? "zz" : ""); /* absent */
        ns_buf_puts(b, word(c->vocab, w));
    } else if (r < 60) {
        drawn_phrase(c, b);
        if (rnd() % 3 == 0)
            ns_buf_printf(b, "~%u", rnd() % 5);
    } else if (r < 68) {
        ns_buf_printf(b, "\"%s %s\"", word(c->vocab, w), word(c->vocab, w + 8) ? w : w);
        if (rnd() % 2)
            ns_buf_printf(b, "~%u", rnd() % 8);
    } else if (r < 76) {
        snprintf(w, sizeof w, "w%u*", 1 + rnd() % 9);
        ns_buf_puts(b, w);
    } else if (r < 82 && !(b->len && b->data[b->len - 1] == ':')) {
        ns_buf_printf(b, rnd() % 4 ? "tag:tv%u" : "tag:tv*", rnd() % 6); /* a filter */
    } else if (depth < 3) {
        ns_buf_putc(b, '(');
        gen_clause(c, b, depth + 1);
        ns_buf_putc(b, ')');
    } else {
        ns_buf_puts(b, word(c->vocab, w));
    }
}

static void gen_clause(const corpus *c, ns_buf *b, int depth)
{
    uint32_t n = 1 + rnd() % 4;
    bool positive = false;
    for (uint32_t i = 0; i < n; i++) {
        if (i) {
            uint32_t op = rnd() % 6;
            ns_buf_puts(b, op == 0 ? " AND " : op == 1 ? " OR " : " ");
        }
        uint32_t m = rnd() % 8;
        bool neg = (m == 0 || m == 1) && (positive || i + 1 < n);
        if (neg)
            ns_buf_puts(b, m == 0 ? "-" : "NOT ");
        else if (m == 2)
            ns_buf_putc(b, '+');
        positive |= !neg;
        gen_operand(c, b, depth);
    }
}

static uint64_t n_trees, n_syntax, n_matched;

/* Every algorithm, the reference and --count on one query text. */
static void check_query(const corpus *c, const char *text, bool and_default, size_t k)
{
    sr_query q;
    ns_err err;
    sr_query_opts qo = {and_default, false};
    ns_rc rc = sr_query_parse_opts(c->ix, text, strlen(text), &qo, &q, &err);
    if (rc == NS_E_ARG) { /* a generated group can end up with exclusions only */
        cr_assert(strstr(err.msg, "only exclusions") || strstr(err.msg, "column"), "'%s': %s", text,
                  err.msg);
        n_syntax++;
        return;
    }
    cr_assert_eq(rc, NS_OK, "'%s': %s", text, err.msg);
    static sr_hit ref[4096], got[4096];
    size_t nr, ng;
    sr_rank_stats st;
    cr_assert_eq(sr_exec_reference(c->ix, &q, k, ref, &nr, &st, &err), NS_OK);
    for (int a = 0; a < SR_ALGO_COUNT; a++) {
        cr_assert_eq(sr_rank(c->ix, &q, (sr_algo)a, k, got, &ng, &st, &err), NS_OK);
        cr_assert_eq(ng, nr, "'%s' %s %s k=%zu: %zu hits, reference %zu", text,
                     and_default ? "AND" : "OR", sr_algo_name((sr_algo)a), k, ng, nr);
        for (size_t i = 0; i < nr; i++) {
            cr_assert_eq(got[i].doc, ref[i].doc, "'%s' %s k=%zu rank %zu: doc %u, reference %u",
                         text, sr_algo_name((sr_algo)a), k, i + 1, got[i].doc, ref[i].doc);
            cr_assert(got[i].score == ref[i].score, "'%s' %s rank %zu: %.17g, reference %.17g",
                      text, sr_algo_name((sr_algo)a), i + 1, got[i].score, ref[i].score);
        }
    }
    /* the pruned general evaluator on every shape, flat ones included */
    cr_assert_eq(sr_exec_topk(c->ix, &q, k, got, &ng, &st, &err), NS_OK);
    cr_assert_eq(ng, nr, "'%s' exec k=%zu: %zu hits, reference %zu", text, k, ng, nr);
    for (size_t i = 0; i < nr; i++)
        cr_assert(got[i].doc == ref[i].doc && got[i].score == ref[i].score,
                  "'%s' exec rank %zu differs", text, i + 1);
    uint64_t count;
    cr_assert_eq(sr_exec_count(c->ix, &q, 0, &count, &st, &err), NS_OK);
    size_t all;
    cr_assert_eq(sr_exec_reference(c->ix, &q, 4096, ref, &all, &st, &err), NS_OK);
    if (c->n_docs <= 4096)
        cr_assert_eq(count, all, "'%s': count %llu, reference %zu", text,
                     (unsigned long long)count, all);
    n_matched += all;
    n_trees++;
    sr_query_release(&q);
}

Test(sr_query, random_trees_every_algorithm_equals_the_reference, .timeout = 600)
{
    static const uint64_t seeds[] = {7, 20261202};
    static const size_t ks[] = {1, 10, 100};
    for (size_t s = 0; s < 2; s++) {
        corpus c;
        char name[32];
        snprintf(name, sizeof name, "query_random_%zu", s);
        make_corpus(&c, name, seeds[s], s ? 3000 : 1500, s ? 400 : 30);
        ns_buf b;
        ns_buf_init(&b);
        for (int i = 0; i < 400; i++) {
            ns_buf_reset(&b);
            gen_clause(&c, &b, 0);
            check_query(&c, ns_buf_cstr(&b), rnd() % 3 == 0, ks[i % 3]);
        }
        ns_buf_release(&b);
        free_corpus(&c);
    }
    printf("compared %llu query trees (%llu refused as only exclusions), %llu matches\n",
           (unsigned long long)n_trees, (unsigned long long)n_syntax,
           (unsigned long long)n_matched);
    cr_assert_gt(n_trees, 600);
    cr_assert_gt(n_matched, 10000);
}

/* Positions: the reader at every posting, walked in order and by random
 * jumps, equals the plainly decoded stream. */
Test(sr_query, positions_reader_equals_the_decoded_stream)
{
    corpus c;
    make_corpus(&c, "query_positions", 99, 2500, 60);
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info info;
    ns_err err;
    uint64_t checked = 0;
    while (sr_dict_iter_next(c.ix, &it, &info, &err) == 1) {
        if (ns_keyword_is_key(it.term, it.term_len))
            continue; /* keyword postings have no positions */
        uint32_t *str = malloc(info.cf * sizeof *str);
        const uint8_t *p = c.ix->f[NS_FILE_POSITIONS].payload + info.pos_off;
        cr_assert_eq(sr_pos_decode_stream(&p, p + info.pos_len, info.cf, str, NULL), 0);
        for (int pass = 0; pass < 2; pass++) {
            sr_cursor *ref = ns_malloc_aligned(_Alignof(sr_cursor), sizeof *ref);
            sr_cursor *cur = ns_malloc_aligned(_Alignof(sr_cursor), sizeof *cur);
            sr_cursor_init(ref, c.ix, &info, 1, 1.0);
            sr_cursor_init(cur, c.ix, &info, 1, 1.0);
            sr_pos pr;
            sr_pos_init(&pr, c.ix, &info);
            uint64_t at = 0;
            while (ref->doc != SR_DOC_END) {
                uint32_t tf = sr_cursor_freq(ref);
                bool visit = pass == 0 || rnd() % 7 == 0;
                if (visit) {
                    sr_cursor_next_geq(cur, ref->doc);
                    cr_assert_eq(cur->doc, ref->doc);
                    const uint32_t *pos;
                    uint32_t n;
                    cr_assert_eq(sr_pos_get(&pr, cur, &pos, &n), 0, "term %s doc %u", it.term,
                                 ref->doc);
                    cr_assert_eq(n, tf);
                    uint64_t v = 0;
                    for (uint32_t j = 0; j < tf; j++) {
                        v = j ? v + str[at + j] + 1 : str[at + j];
                        cr_assert_eq(pos[j], v, "term %s doc %u position %u", it.term, ref->doc, j);
                    }
                    checked++;
                }
                at += tf;
                sr_cursor_next(ref);
            }
            sr_pos_release(&pr);
            ns_free(ref);
            ns_free(cur);
        }
        free(str);
    }
    printf("positions of %llu postings checked\n", (unsigned long long)checked);
    cr_assert_gt(checked, 50000);
    free_corpus(&c);
}

/* The words of a stored text after analysis, with positions. */
typedef struct words {
    char (*t)[NS_TOKEN_MAX_BYTES + 1];
    uint32_t *pos;
    size_t n, cap;
} words;

static int on_word(void *ctx, const ns_token *tok)
{
    words *w = ctx;
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->t = realloc(w->t, w->cap * sizeof *w->t);
        w->pos = realloc(w->pos, w->cap * sizeof *w->pos);
    }
    memcpy(w->t[w->n], tok->term, tok->term_len);
    w->t[w->n][tok->term_len] = 0;
    w->pos[w->n++] = tok->pos;
    return 0;
}

/* Phrases against the text: for phrases drawn from the documents, the
 * documents the index matches (and their frequencies, from the scores) are
 * those where a scan of the re-analysed title + body finds the words at
 * the phrase's offsets. */
Test(sr_query, phrases_match_a_scan_of_the_reanalysed_text, .timeout = 300)
{
    corpus c;
    make_corpus(&c, "query_phrase_scan", 4242, 1200, 25);
    ns_buf b;
    ns_buf_init(&b);
    uint64_t matched = 0;
    for (int i = 0; i < 150; i++) {
        ns_buf_reset(&b);
        drawn_phrase(&c, &b);
        const char *text = ns_buf_cstr(&b);
        sr_query q;
        ns_err err;
        cr_assert_eq(sr_query_parse(c.ix, text, b.len, &q, &err), NS_OK, "%s", err.msg);
        if (!q.root || q.root->kind != SR_QT_PHRASE || !q.root->found) {
            sr_query_release(&q);
            continue;
        }
        static sr_hit h[2000];
        size_t n;
        sr_rank_stats st;
        cr_assert_eq(sr_rank(c.ix, &q, SR_ALGO_DEFAULT, 2000, h, &n, &st, &err), NS_OK);
        const sr_qt *ph = q.root;
        size_t found = 0;
        for (uint32_t d = 0; d < c.n_docs; d++) {
            /* positions count title then body from 0, as the indexer does */
            ns_buf all;
            ns_buf_init(&all);
            ns_buf_printf(&all, "%s\n%s", c.titles[d], c.bodies[d]);
            words w = {0};
            cr_assert_eq(ns_analyze(c.ix->an, (const char *)all.data, all.len, on_word, &w), NS_OK);
            uint32_t pf = 0;
            for (size_t s = 0; s < w.n; s++) {
                bool ok = true;
                for (size_t j = 0; j < ph->n_w && ok; j++) {
                    const char *want = q.t[ph->w[j]].term;
                    bool has = false;
                    for (size_t u = 0; u < w.n && !has; u++)
                        has = w.pos[u] == w.pos[s] + ph->off[j] && !strcmp(w.t[u], want);
                    ok = has;
                }
                pf += ok && !strcmp(w.t[s], q.t[ph->w[0]].term);
            }
            size_t at = n;
            for (size_t j = 0; j < n; j++)
                if (h[j].doc == d)
                    at = j;
            cr_assert_eq(at < n, pf > 0, "'%s' doc %u: index %s, scan finds %u", text, d,
                         at < n ? "matches" : "does not match", pf);
            if (pf) {
                double want = ph->idf * ns_bm25_tf(pf, sr_index_doclen(c.ix, d), c.ix->avgdl);
                cr_assert(fabs(h[at].score - want) < 1e-9 * want, "'%s' doc %u: %.17g, pf %u: %.17g",
                          text, d, h[at].score, pf, want);
                found++;
            }
            free(w.t);
            free(w.pos);
            ns_buf_release(&all);
        }
        cr_assert_eq(found, n, "'%s'", text);
        matched += found;
        sr_query_release(&q);
    }
    printf("phrase matches checked against the text: %llu\n", (unsigned long long)matched);
    cr_assert_gt(matched, 300);
    ns_buf_release(&b);
    free_corpus(&c);
}

/* Hand-computed: the gap rule, slop, order, repeats. */
Test(sr_query, phrase_rules_by_hand)
{
    const fx_doc docs[] = {{"a", NULL, "bank of england"},
                           {"b", NULL, "bank england"},
                           {"c", NULL, "england bank"},
                           {"d", NULL, "bank the big england"},
                           {"e", NULL, "new york new york"}};
    sr_index *ix = NULL;
    {
        char *dir = tu_tmpdir("phrase_by_hand");
        char *out = tu_path(dir, "idx");
        ix_build *b;
        ns_err err;
        cr_assert_eq(ix_build_new(out, "none", NULL, NULL, &b, &err), NS_OK);
        cr_assert_eq(ix_build_set_stop_list(b, NS_STOP_ENGLISH, &err), NS_OK);
        for (size_t i = 0; i < 5; i++) {
            ix_doc d = {.id = docs[i].id, .id_len = 1, .body = docs[i].body,
                        .body_len = strlen(docs[i].body), .src = "t"};
            cr_assert_eq(ix_build_add(b, &d, &err), NS_OK);
        }
        cr_assert_eq(ix_build_commit(b, &err), NS_OK);
        ix_build_free(b);
        cr_assert_eq(sr_index_open(out, &ix, &err), NS_OK);
        free(out);
        free(dir);
    }
    static const struct {
        const char *q, *ids;
    } cases[] = {
        {"\"bank of england\"", "a"},        /* 'of' keeps its gap */
        {"\"bank the england\"", "a"},       /* any stop word fills it */
        {"\"bank england\"", "b"},
        {"\"bank england\"~1", "ab"},
        {"\"bank england\"~2", "abcd"},      /* a swap costs 2 */
        {"\"england bank\"", "c"},
        {"\"new york\"", "e"},
        {"\"york new\"", "e"},
        {"\"new york new york\"", "e"},
        {"\"york york\"", ""},
        {"\"bank england\" -\"england bank\"", "b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sr_query q;
        ns_err err;
        cr_assert_eq(sr_query_parse(ix, cases[i].q, strlen(cases[i].q), &q, &err), NS_OK, "%s",
                     err.msg);
        sr_hit h[8];
        size_t n;
        sr_rank_stats st;
        cr_assert_eq(sr_rank(ix, &q, SR_ALGO_DEFAULT, 8, h, &n, &st, &err), NS_OK);
        char got[8] = {0};
        for (size_t j = 0; j < n; j++)
            got[j] = docs[h[j].doc].id[0];
        /* sort the ids: the case lists the set */
        for (size_t x = 0; x < n; x++)
            for (size_t y = x + 1; y < n; y++)
                if (got[y] < got[x]) {
                    char t = got[x];
                    got[x] = got[y];
                    got[y] = t;
                }
        cr_assert_str_eq(got, cases[i].ids, "'%s'", cases[i].q);
        sr_query_release(&q);
    }
    /* "new york"~0 in e: two exact matches, tf 2; "york new": one */
    sr_query q;
    ns_err err;
    cr_assert_eq(sr_query_parse(ix, "\"new york\"", 10, &q, &err), NS_OK);
    sr_hit h[2];
    size_t n;
    sr_rank_stats st;
    cr_assert_eq(sr_rank(ix, &q, SR_ALGO_DEFAULT, 2, h, &n, &st, &err), NS_OK);
    cr_assert_eq(n, 1);
    double want = q.root->idf * ns_bm25_tf(2, 4, ix->avgdl);
    cr_assert(fabs(h[0].score - want) < 1e-12, "%.17g %.17g", h[0].score, want);
    sr_query_release(&q);
    /* sloppy: "bank england"~2 in c (england bank): span 2, 1/3 */
    cr_assert_eq(sr_query_parse(ix, "\"bank england\"~2", 16, &q, &err), NS_OK);
    sr_hit hh[5];
    cr_assert_eq(sr_rank(ix, &q, SR_ALGO_DEFAULT, 5, hh, &n, &st, &err), NS_OK);
    for (size_t j = 0; j < n; j++) {
        if (hh[j].doc != 2)
            continue;
        double w2 = q.root->idf * ns_bm25_tf(1.0 / 3.0, 2, ix->avgdl);
        cr_assert(fabs(hh[j].score - w2) < 1e-12, "%.17g %.17g", hh[j].score, w2);
    }
    sr_query_release(&q);
    sr_index_close(ix);
}

/* A phrase alone at the root prunes by block and by frequency bounds: on a
 * tiny vocabulary (words repeat within documents, so sloppy frequencies
 * pass every word's tf) the top k of every algorithm equals the
 * reference, exact and sloppy, for small k. */
Test(sr_query, phrases_alone_prune_exactly, .timeout = 300)
{
    corpus c;
    make_corpus(&c, "query_phrase_prune", 31337, 4000, 12);
    static const size_t ks[] = {1, 3, 10};
    char w1[16], w2[16], w3[16];
    uint64_t n = 0;
    for (int i = 0; i < 300; i++) {
        char q[80];
        const char *a = word(c.vocab, w1), *b = word(c.vocab, w2), *d = word(c.vocab, w3);
        if (i % 3 == 0)
            snprintf(q, sizeof q, "\"%s %s %s\"%s", a, b, d, i % 2 ? "~4" : "");
        else
            snprintf(q, sizeof q, "\"%s %s\"~%d", a, b, i % 9);
        check_query(&c, q, false, ks[i % 3]);
        n++;
    }
    cr_assert_eq(n, 300);
    free_corpus(&c);
}

/* A prefix under a caller's cut-off (sr_query_parse_cut, for shard sets)
 * keeps its terms at or before the cut by (df descending, term), says it
 * is capped, and records what it kept (sr_query.px); without cuts the
 * expansion is as before. */
Test(sr_query, a_prefix_cut_keeps_the_terms_up_to_the_cut)
{
    /* df: pqa 1, pqb 3, pqc 2, pqd 2, pqe 3 */
    static const fx_doc docs[] = {{"a", NULL, "pqa pqb pqe"},
                                  {"b", NULL, "pqb pqc pqd pqe"},
                                  {"c", NULL, "pqb pqc pqd pqe x"}};
    sr_index *ix = fx_build("prefix_cut", "none", docs, 3);
    ns_err err;
    static const struct {
        uint32_t gdf;
        const char *term, *kept; /* kept: in dictionary order */
    } cases[] = {
        {3, "pqb", "pqb"}, /* pqb (3) first, pqe (3) after it */
        {3, "pqe", "pqb pqe"},
        {2, "pqc", "pqb pqc pqe"}, /* then pqc, pqd (2) */
        {2, "pqcz", "pqb pqc pqe"}, /* a cut need not be a term of this index */
        {1, "pqa", "pqa pqb pqc pqd pqe"},
        {9, "pqa", ""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        sr_prefix_cut cut = {.at = 2, .gdf = cases[c].gdf, .len = strlen(cases[c].term)};
        memcpy(cut.term, cases[c].term, cut.len);
        sr_prefix_cut other = cut;
        other.at = 0; /* no prefix there: ignored */
        sr_prefix_cut cuts[] = {other, cut};
        sr_query q;
        cr_assert_eq(sr_query_parse_cut(ix, "x pq*", 5, NULL, cuts, 2, &q, &err), NS_OK, "%s",
                     err.msg);
        cr_assert_eq(q.n_px, 1);
        cr_assert_eq(q.px[0].at, 2);
        cr_assert_eq(q.px[0].total, 5);
        cr_assert(q.px[0].cut);
        char got[64] = "";
        for (size_t i = 0; i < q.px[0].n; i++) {
            const sr_qterm *t = &q.t[q.px[0].t[i]];
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s", i ? " " : "",
                     (int)t->len, t->term);
        }
        cr_assert_str_eq(got, cases[c].kept, "cut (%u, %s)", cases[c].gdf, cases[c].term);
        cr_assert_str_eq(ns_buf_cstr(&q.notes),
                         "'pq*' matches more than 1024 terms; searching the 1024 most frequent "
                         "(the limit)\n");
        sr_query_release(&q);
    }
    sr_query q;
    cr_assert_eq(sr_query_parse(ix, "x pq*", 5, &q, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(q.n_px, 1);
    cr_assert_eq(q.px[0].n, 5);
    cr_assert(!q.px[0].cut);
    cr_assert_eq(q.notes.len, 0);
    sr_query_release(&q);
    cr_assert(sr_prefix_key_cmp(3, "pqe", 3, 2, "pqa", 3) < 0);
    cr_assert(sr_prefix_key_cmp(2, "pqc", 3, 2, "pqcz", 4) < 0);
    cr_assert(sr_prefix_key_cmp(2, "pqc", 3, 2, "pqc", 3) == 0);
    sr_index_close(ix);
}
