/* ns_stop: stop word lists.  A stop word takes its position but yields no
 * token (as Lucene's StopFilter); it is compared after folding and after
 * the possessive and elision rules, before stemming.  The list's value is
 * stored in the index (FORMAT.md, meta) and is part of the analyzer's
 * identity. */
#ifndef NS_STOP_H
#define NS_STOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

enum {
    NS_STOP_NONE = 0,    /* every word is indexed (the default of ns_analyzer_new) */
    NS_STOP_ENGLISH = 1, /* the 33 words of Lucene's EnglishAnalyzer: a an and are
                            as at be but by for if in into is it no not of on or
                            such that the their then there these they this to
                            was will with */
};
/* The list named name ("none", "english") in *out; NS_E_ARG otherwise. */
ns_rc ns_stop_list_parse(const char *name, uint32_t *out, ns_err *err);
/* Returns: static; the name of list id, NULL if there is no such list. */
const char *ns_stop_list_name(uint32_t id);
/* True when the folded word w[0..wl) is on list (NS_STOP_*). */
bool ns_stop_is(uint32_t list, const char *w, size_t wl);

#endif
