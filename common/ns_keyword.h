/* ns_keyword: the dictionary keys of keyword fields (nindex --field NAME),
 * and the list of keyword field names recorded in `meta` (FORMAT.md
 * "Keyword fields").
 *
 * A keyword value is indexed exactly as given (no analysis, no case
 * folding) under the key
 *
 *     0x1F  NAME  0x1F  VALUE
 *
 * Analysed terms never hold a byte below 0x20 (the tokenizer splits at
 * every control character, ns_analyzer.c), so a key can never be an
 * analysed term, and every key sorts before every analysed term; the keys
 * of one field are contiguous, since a NAME holds no control byte either
 * (0x1F after NAME sorts before any byte of a longer name).  Keyword
 * postings have tf = 1 and no positions.
 *
 * Its own file because the indexer makes these keys and the searcher
 * (queries, --check, --info) takes them apart: the layout lives here once. */
#ifndef NS_KEYWORD_H
#define NS_KEYWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_format.h"

#define NS_KW_SEP 0x1fu
/* Longest dictionary key (FORMAT.md "terms": shared + suffix_len <= 256). */
#define NS_KW_KEY_MAX NS_TERM_KEY_MAX
/* Keyword fields per index: a short list read at every open. */
#define NS_MAX_KW_FIELDS 64u

/* NULL when name[0..len) may name a keyword field, else why not (for a
 * usage message): empty, over NS_MAX_FIELD_NAME bytes, one of id, title,
 * body, date, url, or holding ':', a space, a control byte or invalid
 * UTF-8.  Returns: static. */
const char *ns_keyword_name_problem(const char *name, size_t len);

/* Bytes of the key of (name, value). */
static inline size_t ns_keyword_key_len(size_t nlen, size_t vlen) { return 2 + nlen + vlen; }

/* Appends the key of value[0..vlen) of field name[0..nlen) to out.
 * NS_E_ARG when the key would be longer than NS_KW_KEY_MAX or vlen is 0
 * (nothing appended); NS_E_NOMEM. */
ns_rc ns_keyword_key(ns_buf *out, const char *name, size_t nlen, const char *value, size_t vlen);

/* Whether term[0..len) is a keyword key (its first byte is NS_KW_SEP). */
static inline bool ns_keyword_is_key(const void *term, size_t len)
{
    return len > 0 && *(const uint8_t *)term == NS_KW_SEP;
}

/* Splits key[0..len) into its field name and value (borrowed from key).
 * Returns false when it is not a well-formed key (no second separator, an
 * empty name or value). */
bool ns_keyword_split(const char *key, size_t len, const char **name, size_t *nlen,
                      const char **value, size_t *vlen);

/* The list of keyword field names in `meta`: u32 count, then per name a u8
 * length (1..255) and its bytes.  ns_keyword_list_put appends one name
 * (the caller writes the count); ns_keyword_list_next reads the next one
 * from [*p, end), advancing *p: 1, or -1 when the bytes are not a name. */
ns_rc ns_keyword_list_put(ns_buf *out, const char *name, size_t len);
int ns_keyword_list_next(const uint8_t **p, const uint8_t *end, const char **name, size_t *len);

#endif
