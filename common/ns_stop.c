/* ns_stop: stop word lists (see ns_stop.h). */
#include "ns_stop.h"

#include <string.h>

/* The English list of Lucene's EnglishAnalyzer (33 words), so that index
 * sizes and rankings compare with it; each word fits in 8 bytes and is kept
 * as its zero-padded little-endian key, sorted. */
static const char *const stop_english[] = {
    "a",    "an",   "and",   "are",  "as",    "at",    "be",    "but",  "by",
    "for",  "if",   "in",    "into", "is",    "it",    "no",    "not",  "of",
    "on",   "or",   "such",  "that", "the",   "their", "then",  "there", "these",
    "they", "this", "to",    "was",  "will",  "with",
};
#define NS_STOP_ENGLISH_N (sizeof stop_english / sizeof stop_english[0])

static const char *const stop_names[] = {"none", "english"};

bool ns_stop_is(uint32_t list, const char *w, size_t wl)
{
    if (list != NS_STOP_ENGLISH || wl > 5)
        return false;
    size_t lo = 0, hi = NS_STOP_ENGLISH_N;
    while (lo < hi) { /* the list is sorted by strcmp */
        size_t mid = (lo + hi) / 2;
        const char *s = stop_english[mid];
        size_t sl = strlen(s);
        int c = memcmp(w, s, wl < sl ? wl : sl);
        if (c == 0)
            c = wl < sl ? -1 : wl > sl;
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

ns_rc ns_stop_list_parse(const char *name, uint32_t *out, ns_err *err)
{
    for (uint32_t i = 0; i < sizeof stop_names / sizeof stop_names[0]; i++) {
        if (strcmp(name, stop_names[i]) == 0) {
            *out = i;
            return NS_OK;
        }
    }
    return ns_err_set(err, NS_E_ARG, "unknown stop word list '%.40s'; available: none english",
                      name);
}

const char *ns_stop_list_name(uint32_t id)
{
    return id < sizeof stop_names / sizeof stop_names[0] ? stop_names[id] : NULL;
}

