/* nsearch-index DIR PATH...: builds the index DIR from files, directories
 * or JSON Lines, with the installed library (examples/README). */
#include <nsearch.h>
#include <stdio.h>

static void warn(void *ctx, nsearch_warning_kind kind, const char *file, uint64_t line,
                 const char *message)
{
    (void)ctx;
    (void)kind;
    fprintf(stderr, "warning: %s:%llu: %s\n", file ? file : "-", (unsigned long long)line,
            message);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DIR PATH...\n", argv[0]);
        return 2;
    }
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.warn = warn;
    nsearch_builder *b;
    nsearch_error err;
    if (nsearch_builder_new(argv[1], &o, &b, &err) != NSEARCH_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], err.message);
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (nsearch_builder_add_path(b, argv[i], &err) != NSEARCH_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], err.message);
            nsearch_builder_free(b); /* the index stays as it was */
            return 2;
        }
    nsearch_rc rc = nsearch_builder_commit(b, &err);
    if (rc != NSEARCH_OK)
        fprintf(stderr, "%s: %s\n", argv[1], err.message);
    nsearch_builder_free(b);
    return rc == NSEARCH_OK ? 0 : 2;
}
