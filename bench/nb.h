/* nb: shared helpers of the nbench subcommands: clock, latency statistics,
 * and the metadata (commit, compiler, CPU) that every JSON line carries. */
#ifndef NB_H
#define NB_H

#include <stddef.h>
#include <stdint.h>

/* Each subcommand: argc/argv start at the subcommand name; returns the exit
 * status (0 ok, 2 usage, 3 input missing/corrupt, 4 failure). */
int nb_codec_main(int argc, char **argv);
int nb_query_main(int argc, char **argv);
int nb_index_main(int argc, char **argv);
int nb_get_main(int argc, char **argv);
int nb_store_main(int argc, char **argv);
int nb_fold_main(int argc, char **argv);
int nb_tv_main(int argc, char **argv);
int nb_set_main(int argc, char **argv);

/* Monotonic time in seconds. */
double nb_now(void);

typedef struct nb_stats {
    double p50, p90, p99, mean, min, max; /* same unit as the samples */
    size_t n;
} nb_stats;
/* Sorts samples in place; percentiles by nearest rank. */
void nb_stats_compute(double *samples, size_t n, nb_stats *st);

/* Returns: static string: {"commit":..,"compiler":..,"build":..,"cpu":..}
 * members without the braces, to splice into a JSON line. */
const char *nb_meta_json(void);
/* Returns: static CPU model name. */
const char *nb_cpu_name(void);

#endif
