/* cli_mpi: the MPI drivers' shared messages and vote (cli_mpi.h). */
#include "cli_mpi.h"

#include <stdarg.h>
#include <stdio.h>

#include <mpi.h>

#include "cli.h"

static const char *g_prog = "?";
static int g_rank;

int cli_mpi_init(int *argc, char ***argv, const char *prog, int *rank, int *size)
{
    g_prog = prog;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) {
        fprintf(stderr, "%s: MPI_Init failed\n", prog);
        return CLI_EXIT_IO;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    g_rank = *rank;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return 0;
}

int cli_mpi_fail(int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: rank %d: %s\n", g_prog, g_rank, msg);
    return status;
}

int cli_mpi_usage(const char *fmt, ...)
{
    if (g_rank == 0) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        cli_usage(g_prog, "%s", msg);
    }
    return CLI_EXIT_USAGE;
}

int cli_mpi_vote(int status)
{
    int all = status;
    if (MPI_Allreduce(&status, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        return CLI_EXIT_IO; /* MPI's default handler aborts first */
    return all;
}

int cli_mpi_check(int rc, const char *what)
{
    if (rc == MPI_SUCCESS)
        return 0;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return cli_mpi_fail(CLI_EXIT_IO, "%s failed: %.*s", what, len, msg);
}
