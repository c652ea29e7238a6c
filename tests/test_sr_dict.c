/* Dictionary lookups over several front-coded blocks: first, last, every
 * term, absent terms around and between, shared prefixes. */
#include <stdio.h>

#include "sr_fixture.h"

#define N_WORDS 1000

static sr_index *build_words(const char *name)
{
    /* words w0000..w0999 plus prefix families, stemming off ("none") */
    static char bodies[N_WORDS][64];
    static fx_doc docs[N_WORDS];
    static char ids[N_WORDS][16];
    for (int i = 0; i < N_WORDS; i++) {
        snprintf(bodies[i], sizeof bodies[i], "w%04d pre prefix prefixes%d", i, i % 7);
        snprintf(ids[i], sizeof ids[i], "%d", i);
        docs[i] = (fx_doc){ids[i], "", bodies[i]};
    }
    return fx_build(name, "none", docs, N_WORDS);
}

static bool has(sr_index *ix, const char *t, sr_term_info *ti)
{
    bool found;
    ns_err err;
    cr_assert_eq(sr_index_lookup(ix, t, strlen(t), &found, ti, &err), NS_OK);
    return found;
}

Test(sr_dict, every_term_first_last_and_absent)
{
    sr_index *ix = build_words("dict_words");
    sr_term_info ti;
    char w[16];
    for (int i = 0; i < N_WORDS; i++) {
        snprintf(w, sizeof w, "w%04d", i);
        cr_assert(has(ix, w, &ti), "%s", w);
        cr_assert_eq(ti.df, 1);
    }
    cr_assert(has(ix, "pre", &ti));
    cr_assert_eq(ti.df, N_WORDS);
    cr_assert_eq(ti.cf, N_WORDS);
    cr_assert(has(ix, "prefix", &ti));
    cr_assert(has(ix, "prefixes0", &ti));
    cr_assert_eq(ti.df, 143); /* i % 7 == 0 for i < 1000 */
    cr_assert(has(ix, "prefixes6", &ti));
    cr_assert(has(ix, "w0000", &ti)); /* the first term after digits-free "pre*" */
    cr_assert(has(ix, "w0999", &ti)); /* the last term */
    const char *absent[] = {"a", "pr", "prefi", "prefixes", "prefixes7", "w", "w000",
                            "w00000", "w0999x", "w1000", "zzz", "\xff"};
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++)
        cr_assert_not(has(ix, absent[i], &ti), "%s", absent[i]);
    cr_assert_not(has(ix, "", &ti));
    sr_index_close(ix);
}

Test(sr_dict, walk_visits_terms_in_order)
{
    sr_index *ix = build_words("dict_walk");
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info ti;
    ns_err err;
    char prev[300] = "";
    uint64_t n = 0;
    int r;
    while ((r = sr_dict_iter_next(ix, &it, &ti, &err)) == 1) {
        if (n)
            cr_assert_gt(strcmp(it.term, prev), 0);
        strcpy(prev, it.term);
        n++;
    }
    cr_assert_eq(r, 0, "%s", err.msg);
    cr_assert_eq(n, ix->n_terms);
    cr_assert_eq(n, N_WORDS + 2 + 7);
    sr_index_close(ix);
}

/* Lookups agree with the walk for every term and for probes next to each
 * (prefixes, extensions, neighbours): the scan's shortcuts over shared
 * prefixes must never skip or invent a term. */
Test(sr_dict, lookups_agree_with_the_walk_for_probes)
{
    sr_index *ix = build_words("dict_probe");
    static char terms[4096][257];
    static sr_term_info infos[4096];
    size_t n = 0;
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    ns_err err;
    while (n < 4096 && sr_dict_iter_next(ix, &it, &infos[n], &err) == 1)
        memcpy(terms[n++], it.term, it.term_len + 1);
    cr_assert_gt(n, 1000);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(terms[i]);
        char probe[6][260];
        snprintf(probe[0], sizeof probe[0], "%s", terms[i]);
        snprintf(probe[1], sizeof probe[1], "%.*s", (int)(l - 1), terms[i]);
        snprintf(probe[2], sizeof probe[2], "%sa", terms[i]);
        snprintf(probe[3], sizeof probe[3], "%s", terms[i]);
        probe[3][l - 1]++;
        snprintf(probe[4], sizeof probe[4], "%s", terms[i]);
        probe[4][l - 1]--;
        snprintf(probe[5], sizeof probe[5], "%s0", terms[i]);
        for (int k = 0; k < 6; k++) {
            size_t want = n;
            for (size_t j = 0; j < n; j++)
                if (!strcmp(terms[j], probe[k]))
                    want = j;
            sr_term_info ti;
            bool found = strlen(probe[k]) > 0 && has(ix, probe[k], &ti);
            cr_assert_eq(found, want < n, "'%s'", probe[k]);
            if (found) {
                cr_assert_eq(ti.post_off, infos[want].post_off, "'%s'", probe[k]);
                cr_assert_eq(ti.pos_off, infos[want].pos_off, "'%s'", probe[k]);
                cr_assert_eq(ti.df, infos[want].df);
                cr_assert_eq(ti.bound_tf, infos[want].bound_tf);
                cr_assert_eq(ti.bound_len, infos[want].bound_len);
            }
        }
    }
    sr_index_close(ix);
}
