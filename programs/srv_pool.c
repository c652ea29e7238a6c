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
    dev_t *dev;            /* owned, n_dirs: each directory's identity */
    ino_t *ino;
};

struct srv_pool {
    pthread_mutex_t mu;
    char **dirs;           /* owned, n_dirs */
    size_t n_dirs;
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
    free(g->dev);
    free(g->ino);
    free(g);
}

/* Opens the pool's directories as generation number; their identities
 * are taken before they are opened, so that a swap between the two is seen
 * by the next reload. */
static nsearch_rc gen_open(const srv_pool *p, uint64_t number, srv_gen **out, nsearch_error *err)
{
    srv_gen *g = calloc(1, sizeof *g);
    if (!g || !(g->dev = calloc(p->n_dirs, sizeof *g->dev)) ||
        !(g->ino = calloc(p->n_dirs, sizeof *g->ino))) {
        gen_free(g);
        return nomem(err);
    }
    for (size_t i = 0; i < p->n_dirs; i++) {
        struct stat st, meta;
        if (stat(p->dirs[i], &st) != 0)
            memset(&st, 0, sizeof st);
        g->dev[i] = st.st_dev;
        g->ino[i] = st.st_ino;
        /* nindex writes meta when it builds the index: its time is the
         * build's (a set's: the newest shard's) */
        char *meta_path = malloc(strlen(p->dirs[i]) + 6);
        if (meta_path)
            sprintf(meta_path, "%s/meta", p->dirs[i]);
        if (meta_path && stat(meta_path, &meta) == 0 && meta.st_mtime > g->built)
            g->built = meta.st_mtime;
        free(meta_path);
    }
    nsearch_rc rc = nsearch_index_open_set((const char *const *)p->dirs, p->n_dirs, &g->ix, err);
    if (rc) {
        gen_free(g);
        return rc;
    }
    g->refs = 1;
    g->number = number;
    g->opened = time(NULL);
    *out = g;
    return NSEARCH_OK;
}

nsearch_rc srv_pool_open(const char *const *dirs, size_t n, srv_pool **out, nsearch_error *err)
{
    srv_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->dirs = calloc(n, sizeof *p->dirs))) {
        free(p);
        return nomem(err);
    }
    nsearch_rc rc = NSEARCH_OK;
    for (size_t i = 0; i < n && !rc; i++, p->n_dirs++)
        if (!(p->dirs[i] = strdup(dirs[i])))
            rc = nomem(err);
    if (!rc && pthread_mutex_init(&p->mu, NULL) != 0)
        rc = nomem(err);
    else if (!rc && (rc = gen_open(p, 1, &p->cur, err)) != NSEARCH_OK)
        pthread_mutex_destroy(&p->mu);
    if (!rc) {
        *out = p;
        return NSEARCH_OK;
    }
    for (size_t i = 0; i < p->n_dirs; i++)
        free(p->dirs[i]);
    free(p->dirs);
    free(p);
    return rc;
}

void srv_pool_free(srv_pool *p)
{
    if (!p)
        return;
    gen_free(p->cur);
    pthread_mutex_destroy(&p->mu);
    for (size_t i = 0; i < p->n_dirs; i++)
        free(p->dirs[i]);
    free(p->dirs);
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
    dev_t *dev = calloc(p->n_dirs, sizeof *dev);
    ino_t *ino = calloc(p->n_dirs, sizeof *ino);
    if (!dev || !ino) {
        free(dev);
        free(ino);
        nomem(err);
        return SRV_RELOAD_FAILED;
    }
    int present = 1;
    for (size_t i = 0; i < p->n_dirs; i++) {
        struct stat st;
        if (stat(p->dirs[i], &st) != 0) {
            present = 0;
            break;
        }
        dev[i] = st.st_dev;
        ino[i] = st.st_ino;
    }
    pthread_mutex_lock(&p->mu);
    int same = 1;
    for (size_t i = 0; present && i < p->n_dirs; i++)
        same &= dev[i] == p->cur->dev[i] && ino[i] == p->cur->ino[i];
    if (p->reloading || ((!present || same) && !force)) {
        pthread_mutex_unlock(&p->mu);
        free(dev);
        free(ino);
        return SRV_RELOAD_SAME;
    }
    p->reloading = 1;
    uint64_t number = p->cur->number + 1;
    pthread_mutex_unlock(&p->mu);

    srv_gen *g = NULL;
    nsearch_rc rc = gen_open(p, number, &g, err);

    srv_gen *old = NULL;
    pthread_mutex_lock(&p->mu);
    p->reloading = 0;
    if (rc == NSEARCH_OK) {
        old = p->cur;
        p->cur = g;
        if (--old->refs != 0)
            old = NULL; /* its last lease closes it */
    } else if (present) {
        /* not again at every check: only when a directory changes again */
        memcpy(p->cur->dev, dev, p->n_dirs * sizeof *dev);
        memcpy(p->cur->ino, ino, p->n_dirs * sizeof *ino);
    }
    pthread_mutex_unlock(&p->mu);
    gen_free(old);
    free(dev);
    free(ino);
    return rc == NSEARCH_OK ? SRV_RELOAD_OPENED : SRV_RELOAD_FAILED;
}

uint64_t srv_pool_generation(srv_pool *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->cur->number;
    pthread_mutex_unlock(&p->mu);
    return n;
}
