/* nbench fold: what removing diacritics before stemming costs, on a word
 * list (one word per line, e.g. Debian's /usr/share/dict/french from the
 * package wfrench), against removing them after (README "Text analysis").
 *
 *   nbench fold --lang french /usr/share/dict/french
 *
 * For each word w: N = its NFKC_Casefold form with accents, F = the same
 * without (ns_unorm.h).  "fold first" gives stem(F); "fold after" gives
 * fold(stem(N)).  Prints, as one JSON line:
 *  - missed_after: of the words with accents, the share for which "fold
 *    after" gives the word typed without accents (stem(F)) another term;
 *  - leave_first: of the words in a "fold after" group of two or more (the
 *    stemmer's own grouping), the share whose "fold first" term is not the
 *    group's most common one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "nb.h"
#include "ns_buf.h"
#include "ns_unorm.h"

typedef struct rec {
    char *first, *after;
} rec;

static char *dup_n(const void *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) {
        fprintf(stderr, "nbench fold: out of memory\n");
        exit(4);
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int by_after(const void *x, const void *y)
{
    const rec *a = x, *b = y;
    int c = strcmp(a->after, b->after);
    return c ? c : strcmp(a->first, b->first);
}

static const char *stem(struct sb_stemmer *st, const ns_buf *w, size_t *n)
{
    const sb_symbol *s = sb_stemmer_stem(st, w->data, (int)w->len);
    *n = s ? (size_t)sb_stemmer_length(st) : 0;
    return (const char *)s;
}

int nb_fold_main(int argc, char **argv)
{
    const char *lang = "english", *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: nbench fold [--lang LANG] WORDLIST\n");
            return 0;
        } else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: nbench fold [--lang LANG] WORDLIST\n");
        return 2;
    }
    FILE *f = fopen(path, "r");
    struct sb_stemmer *st = sb_stemmer_new(lang, "UTF_8");
    ns_unorm *keep = NULL, *fold = NULL;
    ns_err err;
    if (!f || !st || ns_unorm_new(false, &keep, &err) || ns_unorm_new(true, &fold, &err)) {
        fprintf(stderr, "nbench fold: cannot open '%s' or language '%s'\n", path, lang);
        return 2;
    }
    rec *r = NULL;
    size_t n = 0, cap = 0, accented = 0, missed = 0;
    char line[1024];
    ns_buf k, fo, t;
    ns_buf_init(&k);
    ns_buf_init(&fo);
    ns_buf_init(&t);
    while (fgets(line, sizeof line, f)) {
        size_t l = strcspn(line, "\r\n");
        if (!l)
            continue;
        ns_buf_reset(&k);
        ns_buf_reset(&fo);
        ns_buf_reset(&t);
        if (ns_unorm_fold(keep, line, l, &k) || ns_unorm_fold(fold, line, l, &fo))
            return 4;
        size_t sl;
        const char *s = stem(st, &k, &sl);
        if (ns_unorm_fold(fold, s, sl, &t))
            return 4;
        char *after = dup_n(t.data, t.len);
        s = stem(st, &fo, &sl);
        char *first = dup_n(s, sl);
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            rec *nr = realloc(r, cap * sizeof *r);
            if (!nr)
                return 4;
            r = nr;
        }
        r[n++] = (rec){first, after};
        if (k.len != fo.len || memcmp(k.data, fo.data, k.len) != 0) {
            accented++;
            missed += strcmp(after, first) != 0; /* typed without accents: stem(F) */
        }
    }
    fclose(f);
    qsort(r, n, sizeof *r, by_after);
    size_t grouped = 0, leave = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(r[j].after, r[i].after) == 0)
            j++;
        if (j - i >= 2) { /* sorted by first within the group: runs */
            size_t best = 0;
            for (size_t a = i; a < j;) {
                size_t b = a;
                while (b < j && strcmp(r[b].first, r[a].first) == 0)
                    b++;
                if (b - a > best)
                    best = b - a;
                a = b;
            }
            grouped += j - i;
            leave += (j - i) - best;
        }
        i = j;
    }
    printf("{\"bench\":\"fold\",\"lang\":\"%s\",\"words\":%zu,\"accented\":%zu,"
           "\"missed_after\":%.4f,\"grouped\":%zu,\"leave_first\":%.4f}\n",
           lang, n, accented, accented ? (double)missed / (double)accented : 0.0, grouped,
           grouped ? (double)leave / (double)grouped : 0.0);
    for (size_t i = 0; i < n; i++) {
        free(r[i].first);
        free(r[i].after);
    }
    free(r);
    ns_buf_release(&k);
    ns_buf_release(&fo);
    ns_buf_release(&t);
    ns_unorm_free(keep);
    ns_unorm_free(fold);
    sb_stemmer_delete(st);
    return 0;
}
