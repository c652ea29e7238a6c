/* fuzz_query: the query language (searcher/: sr_qparse, sr_query, sr_exec,
 * sr_pos) on any bytes.
 *
 * Input: the query text (at most 4096 bytes are used).  Once per process a
 * small index is built into the scratch directory: documents with titles,
 * stop words (English list), repeated and rare words, so that phrases,
 * scopes, prefixes and exclusions all find something.  Each input is
 * parsed by sr_qp_parse in both default modes, then analysed and run
 * against that index with the syntax and with --literal, OR and AND.
 * Properties (abort when broken): sr_qp_parse returns NS_OK, NS_E_ARG or NS_E_LIMIT
 * (a message "column C: ..." with C within the text) and never a tree
 * whose ranges leave the text, a prefix of fewer than 2 characters or a
 * group of exclusions only; sr_query_parse_opts returns NS_OK, NS_E_ARG or NS_E_LIMIT;
 * every algorithm and the pruned evaluator return exactly the reference's
 * hits and scores; the count equals the reference's number of matches;
 * --show-query writes something. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "ix_build.h"
#include "ns_analyzer.h"
#include "sr_exec.h"
#include "sr_index.h"
#include "sr_qparse.h"
#include "sr_query.h"
#include "sr_rank.h"

#define MAX_QUERY 4096
#define N_DOCS 40

static sr_index *ix;

static void build_index(void)
{
    static const char *const words[] = {"oil", "prices", "bank", "of", "england", "the",
                                        "opec", "gas", "crude", "petrol", "petroleum", "new",
                                        "york", "and", "rates", "cafe", "x", "AND"};
    const size_t nw = sizeof words / sizeof words[0];
    const char *dir = fuzz_path("qidx");
    char out[4200];
    snprintf(out, sizeof out, "%s", dir);
    ix_build *b;
    ns_err err;
    if (ix_build_new(out, "english", NULL, NULL, &b, &err) ||
        ix_build_set_stop_list(b, NS_STOP_ENGLISH, &err))
        fuzz_fail("cannot build the index: %s", err.msg);
    uint64_t r = 12345;
    for (int d = 0; d < N_DOCS; d++) {
        char title[256], body[2048], id[16];
        size_t tl = 0, bl = 0;
        int nt = (int)(r >> 60) % 4, nb = 5 + (int)((r >> 40) % 60);
        for (int i = 0; i < nt; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            tl += (size_t)snprintf(title + tl, sizeof title - tl, "%s ", words[(r >> 33) % nw]);
        }
        for (int i = 0; i < nb && bl < sizeof body - 32; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            bl += (size_t)snprintf(body + bl, sizeof body - bl, "%s ", words[(r >> 33) % nw]);
        }
        snprintf(id, sizeof id, "d%d", d);
        ix_doc doc = {.id = id, .id_len = strlen(id), .title = title, .title_len = tl,
                      .body = body, .body_len = bl, .src = "fuzz"};
        if (ix_build_add(b, &doc, &err))
            fuzz_fail("cannot add a document: %s", err.msg);
    }
    if (ix_build_commit(b, &err))
        fuzz_fail("cannot commit the index: %s", err.msg);
    ix_build_free(b);
    if (sr_index_open(out, &ix, &err))
        fuzz_fail("cannot open the index: %s", err.msg);
}

static void check_tree(const sr_qp_node *n, size_t len, int depth)
{
    if (n->at > n->end || n->end > len || n->op_at > n->at || depth > SR_QP_MAX_DEPTH + 2)
        fuzz_fail("node range [%zu, %zu) (operator %zu) in a query of %zu bytes", n->at, n->end,
                  n->op_at, len);
    if (n->kind == SR_QP_PREFIX) {
        size_t chars = 0;
        for (size_t i = 0; i < n->len; i++)
            chars += ((unsigned char)n->text[i] & 0xC0) != 0x80;
        if (chars < 2)
            fuzz_fail("a prefix of %zu characters", chars);
    }
    if (n->kind == SR_QP_GROUP) {
        bool positive = false;
        for (size_t i = 0; i < n->n_kids; i++) {
            positive |= n->kids[i]->mod != SR_QP_NOT;
            check_tree(n->kids[i], len, depth + 1);
        }
        if (!positive)
            fuzz_fail("a group of exclusions only");
    } else if (n->n_kids || !n->text) {
        fuzz_fail("a leaf with kids or without text");
    }
}

static void parse_only(const char *text, size_t len, bool and_default)
{
    sr_qp_node *root;
    ns_err err;
    ns_rc rc = sr_qp_parse(text, len, and_default, &root, &err);
    if (rc == NS_E_LIMIT && !root) /* longer than SR_QP_MAX_BYTES */
        return;
    if (rc == NS_E_ARG) {
        size_t col;
        if (sscanf(err.msg, "column %zu: ", &col) != 1 || col < 1 || col > len + 1)
            fuzz_fail("syntax error without a column in the text: %s", err.msg);
        if (root)
            fuzz_fail("a tree with an error");
        return;
    }
    if (rc)
        fuzz_fail("sr_qp_parse returned %d", (int)rc);
    if (root) {
        if (root->mod == SR_QP_NOT)
            fuzz_fail("a query of one exclusion");
        check_tree(root, len, 0);
    }
    sr_qp_free(root);
}

static void run(const char *text, size_t len, bool and_default, bool literal)
{
    sr_query q;
    ns_err err;
    sr_query_opts qo = {and_default, literal};
    ns_rc rc = sr_query_parse_opts(ix, text, len, &qo, &q, &err);
    if (rc == NS_E_ARG && !literal)
        return;
    if (rc == NS_E_LIMIT && strstr(err.msg, "limit"))
        return;
    if (rc)
        fuzz_fail("sr_query_parse_opts returned %d: %s", (int)rc, err.msg);
    sr_hit ref[N_DOCS], got[N_DOCS];
    size_t nr, ng;
    sr_rank_stats st;
    for (size_t k = 1; k <= N_DOCS; k += N_DOCS - 1) {
        if (sr_exec_reference(ix, &q, k, ref, &nr, &st, &err))
            fuzz_fail("sr_exec_reference: %s", err.msg);
        for (int a = -1; a < SR_ALGO_COUNT; a++) {
            rc = a < 0 ? sr_exec_topk(ix, &q, k, got, &ng, &st, &err)
                       : sr_rank(ix, &q, (sr_algo)a, k, got, &ng, &st, &err);
            if (rc)
                fuzz_fail("ranking returned %d", (int)rc);
            int same = ng == nr;
            for (size_t i = 0; same && i < nr; i++)
                same = got[i].doc == ref[i].doc && got[i].score == ref[i].score;
            if (!same)
                fuzz_fail("'%.*s' (%s%s) %s k=%zu: %zu hits differ from the reference's %zu",
                          (int)len, text, and_default ? "AND" : "OR", literal ? ", literal" : "",
                          a < 0 ? "exec" : sr_algo_name((sr_algo)a), k, ng, nr);
        }
    }
    uint64_t count;
    if (sr_exec_count(ix, &q, 0, &count, &st, &err))
        fuzz_fail("sr_exec_count: %s", err.msg);
    if (count != nr)
        fuzz_fail("'%.*s': count %llu, the reference matches %zu", (int)len, text,
                  (unsigned long long)count, nr);
    ns_buf show;
    ns_buf_init(&show);
    if (sr_query_show(ix, &q, &show) || show.len == 0)
        fuzz_fail("--show-query wrote nothing");
    ns_buf_reset(&show);
    if (sr_query_show_json(&q, &show) || show.len < 2 || show.data[0] != '{' ||
        show.data[show.len - 1] != '\n' || memchr(show.data, '\n', show.len) != show.data + show.len - 1)
        fuzz_fail("--show-query --json is not one line of an object");
    ns_buf_release(&show);
    sr_query_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ix)
        build_index();
    size_t len = size < MAX_QUERY ? size : MAX_QUERY;
    char *text = malloc(len + 1);
    if (!text)
        return 0;
    memcpy(text, data, len);
    text[len] = 0;
    for (int m = 0; m < 2; m++) {
        parse_only(text, len, m == 1);
        run(text, len, m == 1, false);
        run(text, len, m == 1, true);
    }
    free(text);
    return 0;
}
