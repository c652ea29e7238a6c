/* nsearch-search DIR QUERY: the ten best documents of DIR for QUERY, with
 * a snippet, through the installed library (examples/README). */
#include <nsearch.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DIR QUERY\n", argv[0]);
        return 2;
    }
    nsearch_index *ix;
    nsearch_reader *r = NULL;
    nsearch_results res;
    nsearch_error err;
    if (nsearch_index_open(argv[1], &ix, &err) != NSEARCH_OK ||
        nsearch_reader_new(ix, &r, &err) != NSEARCH_OK ||
        nsearch_reader_search(r, argv[2], strlen(argv[2]), NULL, &res, &err) != NSEARCH_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    for (size_t i = 0; i < res.n; i++) {
        nsearch_doc d;
        nsearch_snippet s;
        if (nsearch_reader_doc(r, res.hits[i].doc, &d, &err) != NSEARCH_OK)
            break;
        printf("%zu. [%.4f] %.*s\n", i + 1, res.hits[i].score, (int)d.id.len, d.id.p);
        if (nsearch_reader_snippet(r, res.hits[i].doc, NSEARCH_FIELD_BODY, 0, &s, &err) ==
            NSEARCH_OK)
            printf("   %.*s\n", (int)s.text.len, s.text.p);
    }
    size_t n = res.n;
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    return n ? 0 : 1;
}
