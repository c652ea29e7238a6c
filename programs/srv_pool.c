/* srv_pool: generations of the served index, and their readers (see
 * srv_pool.h). */
#include "srv_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct srv_gen {
    nsearch_index *ix;
    nsearch_reader **idle; /* readers given back, ready for the next request */
    size_t n_idle, cap_idle;
    size_t refs;           /* leases out, + 1 while it is the newest */
    uint64_t number;
    time_t opened, built;
    dev_t dev;
    ino_t ino;
};

struct srv_pool {
    pthread_mutex_t mu;
    char *dir;
    srv_gen *cur;
    int reloading; /* a reload is opening the next generation (outside mu) */
};

static nsearch_rc nomem(nsearch_error *err)
{
    if (err) {
        err->rc = NSEARCH_E_NOMEM;
        err->sys_errno = ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
    }
    return NSEARCH_E_NOMEM;
}

static void gen_free(srv_gen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_idle; i++)
        nsearch_reader_free(g->idle[i]);
    free(g->idle);
    nsearch_index_close(g->ix);
    free(g);
}

/* Opens dir as generation number; its identity is taken before it is
 * opened, so that a swap between the two is seen by the next reload. */
static nsearch_rc gen_open(const char *dir, uint64_t number, srv_gen **out, nsearch_error *err)
{
    struct stat st, meta;
    if (stat(dir, &st) != 0)
        memset(&st, 0, sizeof st);
    /* nindex writes meta when it builds the index: its time is the build's */
    char *meta_path = malloc(strlen(dir) + 6);
    if (meta_path)
        sprintf(meta_path, "%s/meta", dir);
    if (!meta_path || stat(meta_path, &meta) != 0)
        memset(&meta, 0, sizeof meta);
    free(meta_path);
    srv_gen *g = calloc(1, sizeof *g);
    if (!g)
        return nomem(err);
    nsearch_rc rc = nsearch_index_open(dir, &g->ix, err);
    if (rc) {
        free(g);
        return rc;
    }
    g->refs = 1;
    g->number = number;
    g->opened = time(NULL);
    g->built = meta.st_mtime;
    g->dev = st.st_dev;
    g->ino = st.st_ino;
    *out = g;
    return NSEARCH_OK;
}

nsearch_rc srv_pool_open(const char *dir, srv_pool **out, nsearch_error *err)
{
    srv_pool *p = calloc(1, sizeof *p);
    char *d = strdup(dir);
    nsearch_rc rc = NSEARCH_E_NOMEM;
    if (p && d && pthread_mutex_init(&p->mu, NULL) == 0) {
        p->dir = d;
        if ((rc = gen_open(dir, 1, &p->cur, err)) == NSEARCH_OK) {
            *out = p;
            return NSEARCH_OK;
        }
        pthread_mutex_destroy(&p->mu);
    } else
        rc = nomem(err);
    free(d);
    free(p);
    return rc;
}

void srv_pool_free(srv_pool *p)
{
    if (!p)
        return;
    gen_free(p->cur);
    pthread_mutex_destroy(&p->mu);
    free(p->dir);
    free(p);
}

nsearch_rc srv_pool_acquire(srv_pool *p, srv_lease *out, nsearch_error *err)
{
    pthread_mutex_lock(&p->mu);
    srv_gen *g = p->cur;
    g->refs++;
    nsearch_reader *r = g->n_idle ? g->idle[--g->n_idle] : NULL;
    pthread_mutex_unlock(&p->mu);
    nsearch_rc rc = NSEARCH_OK;
    if (!r && (rc = nsearch_reader_new(g->ix, &r, err)) != NSEARCH_OK) {
        srv_lease l = {g, NULL, g->ix, g->number, g->opened, g->built};
        srv_pool_release(p, &l);
        return rc;
    }
    *out = (srv_lease){g, r, g->ix, g->number, g->opened, g->built};
    return NSEARCH_OK;
}

void srv_pool_release(srv_pool *p, srv_lease *l)
{
    srv_gen *g = l->gen, *dead = NULL;
    nsearch_reader *extra = NULL;
    pthread_mutex_lock(&p->mu);
    if (l->reader) {
        if (g->n_idle == g->cap_idle) {
            size_t cap = g->cap_idle ? 2 * g->cap_idle : 4;
            nsearch_reader **a = realloc(g->idle, cap * sizeof *a);
            if (a) {
                g->idle = a;
                g->cap_idle = cap;
            }
        }
        if (g->n_idle < g->cap_idle)
            g->idle[g->n_idle++] = l->reader;
        else
            extra = l->reader; /* out of memory: not kept */
    }
    if (--g->refs == 0)
        dead = g;
    pthread_mutex_unlock(&p->mu);
    nsearch_reader_free(extra);
    gen_free(dead); /* readers first, then the index: outside the lock */
    l->gen = NULL;
    l->reader = NULL;
}

srv_reload srv_pool_reload(srv_pool *p, int force, nsearch_error *err)
{
    struct stat st;
    int present = stat(p->dir, &st) == 0;
    pthread_mutex_lock(&p->mu);
    int same = !present || (st.st_dev == p->cur->dev && st.st_ino == p->cur->ino);
    if (p->reloading || (same && !force)) {
        pthread_mutex_unlock(&p->mu);
        return SRV_RELOAD_SAME;
    }
    p->reloading = 1;
    uint64_t number = p->cur->number + 1;
    pthread_mutex_unlock(&p->mu);

    srv_gen *g = NULL;
    nsearch_rc rc = gen_open(p->dir, number, &g, err);

    srv_gen *old = NULL;
    pthread_mutex_lock(&p->mu);
    p->reloading = 0;
    if (rc == NSEARCH_OK) {
        old = p->cur;
        p->cur = g;
        if (--old->refs != 0)
            old = NULL; /* its last lease closes it */
    } else if (present) {
        /* not again at every check: only when the directory changes again */
        p->cur->dev = st.st_dev;
        p->cur->ino = st.st_ino;
    }
    pthread_mutex_unlock(&p->mu);
    gen_free(old);
    return rc == NSEARCH_OK ? SRV_RELOAD_OPENED : SRV_RELOAD_FAILED;
}

uint64_t srv_pool_generation(srv_pool *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->cur->number;
    pthread_mutex_unlock(&p->mu);
    return n;
}
