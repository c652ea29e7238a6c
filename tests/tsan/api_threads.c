/* api_threads: the library under ThreadSanitizer (Criterion cannot run in
 * a TSan process, so this is a plain program; ctest tsan_api_threads).
 * Builds an index through nsearch.h with two analysis threads and a small
 * memory budget (sorted runs, merges), opens it once, then four threads
 * with a reader each run the same queries in different orders and must
 * get exactly the hits, scores and snippets one thread gets.
 *   api_threads SCRATCH_DIR SOURCE_DIR    exit 0: agree; 1: differ; 2: error */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nsearch.h"

#define N_THREADS 4
#define N_ROUNDS 10

static const char *const queries[] = {
    "nato", "article five", "\"article five\"", "brussels OR moscow", "russia", "ukraine",
    "president", "security -nato", "+alliance defence", "war*", "title:nato", "body:nato",
    "sullivan", "biden putin", "weapons", "\"united states\"~3", "europe", "missile",
    "cocoa", "price*", "w01 w02", "w10", "moscow", "leaders meeting"};
#define N_QUERIES (sizeof queries / sizeof queries[0])

typedef struct answer {
    size_t n;
    uint32_t doc[10];
    double score[10];
    char snippet[400];
} answer;

static int ask(nsearch_reader *r, const char *q, int expand, answer *a)
{
    nsearch_search_opts o;
    nsearch_search_opts_init(&o);
    o.expand = expand;
    nsearch_results res;
    nsearch_error err;
    memset(a, 0, sizeof *a);
    if (nsearch_reader_search(r, q, strlen(q), &o, &res, &err) != NSEARCH_OK) {
        fprintf(stderr, "api_threads: '%s': %s\n", q, err.message);
        return -1;
    }
    a->n = res.n;
    for (size_t i = 0; i < res.n; i++) {
        a->doc[i] = res.hits[i].doc;
        a->score[i] = res.hits[i].score;
    }
    nsearch_snippet s;
    if (res.n && nsearch_reader_snippet(r, res.hits[0].doc, NSEARCH_FIELD_BODY, 0, &s, &err) ==
                     NSEARCH_OK)
        snprintf(a->snippet, sizeof a->snippet, "%.*s|%zu", (int)s.text.len, s.text.p, s.n_hl);
    return 0;
}

static int same(const answer *a, const answer *b)
{
    if (a->n != b->n || strcmp(a->snippet, b->snippet))
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->doc[i] != b->doc[i] || a->score[i] != b->score[i])
            return 0;
    return 1;
}

typedef struct worker {
    const nsearch_index *ix;
    const answer *want;
    int id, bad, failed;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    nsearch_reader *r;
    if (nsearch_reader_new(w->ix, &r, NULL) != NSEARCH_OK) {
        w->failed = 1;
        return NULL;
    }
    for (int round = 0; round < N_ROUNDS; round++)
        for (size_t i = 0; i < 2 * N_QUERIES; i++) {
            size_t q = (i * 7 + (size_t)(round + w->id)) % (2 * N_QUERIES);
            answer got;
            if (ask(r, queries[q % N_QUERIES], q >= N_QUERIES, &got))
                w->failed = 1;
            else if (!same(&got, &w->want[q]))
                w->bad++;
        }
    nsearch_reader_free(r);
    return NULL;
}

static int build(const char *idx, const char *src)
{
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.threads = 2;
    o.memory = 1u << 20; /* the smallest budget: runs and merges */
    nsearch_builder *b;
    nsearch_error err;
    char path[4096];
    if (nsearch_builder_new(idx, &o, &b, &err) != NSEARCH_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/corpus", src);
    if (nsearch_builder_add_path(b, path, &err) != NSEARCH_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/tests/golden/v1.jsonl", src);
    if (nsearch_builder_add_path(b, path, &err) != NSEARCH_OK)
        goto fail;
    for (int i = 0; i < 3000; i++) { /* enough text for several batches */
        char id[16], body[200];
        snprintf(id, sizeof id, "g%d", i);
        snprintf(body, sizeof body, "w%02d w%02d w%02d cocoa price %d moscow", i % 97, i % 89,
                 i % 83, i);
        nsearch_document d = {{id, strlen(id)}, {"generated", 9}, {body, strlen(body)}, {0}, {0}};
        if (nsearch_builder_add(b, &d, &err) != NSEARCH_OK)
            goto fail;
    }
    if (nsearch_builder_commit(b, &err) != NSEARCH_OK)
        goto fail;
    nsearch_builder_free(b);
    return 0;
fail:
    fprintf(stderr, "api_threads: build: %s\n", err.message);
    nsearch_builder_free(b);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: api_threads SCRATCH_DIR SOURCE_DIR\n");
        return 2;
    }
    char idx[4096];
    mkdir(argv[1], 0755); /* may exist: the index in it is rebuilt */
    snprintf(idx, sizeof idx, "%s/idx", argv[1]);
    if (build(idx, argv[2]))
        return 2;
    nsearch_index *ix;
    nsearch_reader *r;
    nsearch_error err;
    if (nsearch_index_open(idx, &ix, &err) || nsearch_reader_new(ix, &r, &err)) {
        fprintf(stderr, "api_threads: %s\n", err.message);
        return 2;
    }
    static answer want[2 * N_QUERIES];
    size_t with_hits = 0;
    for (size_t q = 0; q < 2 * N_QUERIES; q++) {
        if (ask(r, queries[q % N_QUERIES], q >= N_QUERIES, &want[q]))
            return 2;
        with_hits += want[q].n > 0;
    }
    nsearch_reader_free(r);
    if (with_hits < 2 * N_QUERIES - 8) {
        fprintf(stderr, "api_threads: only %zu queries find something\n", with_hits);
        return 2;
    }
    pthread_t t[N_THREADS];
    worker w[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (worker){ix, want, i, 0, 0};
        if (pthread_create(&t[i], NULL, work, &w[i]))
            return 2;
    }
    int bad = 0, failed = 0;
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(t[i], NULL);
        bad += w[i].bad;
        failed |= w[i].failed;
    }
    nsearch_index_close(ix);
    printf("api_threads: %d threads x %d rounds x %zu queries (half with --expand): %d differ\n",
           N_THREADS, N_ROUNDS, 2 * N_QUERIES, bad);
    return failed ? 2 : bad ? 1 : 0;
}
