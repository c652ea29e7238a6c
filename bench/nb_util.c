/* nb_util: clock, statistics and metadata for nbench (see nb.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nb.h"

double nb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double nearest_rank(const double *s, size_t n, double p)
{
    size_t r = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    return s[r - 1];
}

void nb_stats_compute(double *s, size_t n, nb_stats *st)
{
    memset(st, 0, sizeof *st);
    st->n = n;
    if (!n)
        return;
    qsort(s, n, sizeof *s, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    st->mean = sum / (double)n;
    st->min = s[0];
    st->max = s[n - 1];
    st->p50 = nearest_rank(s, n, 50);
    st->p90 = nearest_rank(s, n, 90);
    st->p99 = nearest_rank(s, n, 99);
}

const char *nb_cpu_name(void)
{
    static char name[128];
    if (name[0])
        return name;
    snprintf(name, sizeof name, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return name;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ')
                    c++;
                c[strcspn(c, "\n")] = 0;
                snprintf(name, sizeof name, "%s", c);
            }
            break;
        }
    }
    fclose(f);
    return name;
}

const char *nb_meta_json(void)
{
    static char meta[512];
    if (!meta[0])
        snprintf(meta, sizeof meta, "\"commit\":\"%s\",\"compiler\":\"%s\",\"build\":\"%s\",\"cpu\":\"%s\"",
                 NB_COMMIT, NB_COMPILER, NB_BUILD_TYPE, nb_cpu_name());
    return meta;
}
