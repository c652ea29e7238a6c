/* cli_mpi: what the MPI drivers (nindex-mpi, nsearch-mpi) share: the
 * rank-prefixed messages, usage errors said once, and the vote every rank
 * takes before a collective step so that all stop together with one exit
 * status (README "MPI").  Call cli_mpi_setup after MPI_Init. */
#ifndef CLI_MPI_H
#define CLI_MPI_H

/* MPI_Init, then *rank and *size of MPI_COMM_WORLD; prog: static program
 * name for messages.  Sets MPI_ERRORS_RETURN on MPI_COMM_WORLD (failures
 * come back as codes, then are voted on).  0, or CLI_EXIT_IO (said) when
 * MPI_Init failed. */
int cli_mpi_init(int *argc, char ***argv, const char *prog, int *rank, int *size);
/* "PROG: rank R: MESSAGE" on stderr; returns status. */
int cli_mpi_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error, said by rank 0 only (every rank parses the same argv);
 * returns CLI_EXIT_USAGE. */
int cli_mpi_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The vote: every rank's status (0: fine), the largest wins; the same on
 * every rank. */
int cli_mpi_vote(int status);
/* An MPI call's result as a status (0, or CLI_EXIT_IO with the failing
 * rank's message naming what). */
int cli_mpi_check(int rc, const char *what);

#endif
