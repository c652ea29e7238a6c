/* ix_keyword: the keyword fields of a build (nindex --field NAME) and the
 * keyword keys (ns_keyword.h) of one document's values.
 *
 * A member named as a keyword field gives one key per string value: the
 * string itself, or each string element of an array (other elements,
 * numbers, objects, booleans and null give none).  Values are exact bytes,
 * not analysed; empty strings give no key, and a value whose key would be
 * longer than NS_KW_KEY_MAX is counted for the caller to warn about.
 *
 * Its own file because arrays come as their JSON text (ns_json.h) and
 * have to be taken apart, which is no business of ix_build's. */
#ifndef IX_KEYWORD_H
#define IX_KEYWORD_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_json.h"

typedef struct ix_keyword {
    ns_buf list;        /* the names as FORMAT.md "meta" records them */
    uint32_t n;         /* names in list */
    ns_buf obj, scratch; /* an array's elements as an object, decoded */
    ns_json_member *rest; /* owned, cap_rest */
    size_t cap_rest;
} ix_keyword;

/* For a struct the caller embeds: no keyword fields. */
void ix_keyword_init(ix_keyword *k);
void ix_keyword_release(ix_keyword *k);

/* Adds field name[0..len) (a name given twice is kept once).  NS_E_ARG
 * with a message for a name ns_keyword_name_problem refuses or past
 * NS_MAX_KW_FIELDS names; NS_E_NOMEM. */
ns_rc ix_keyword_add_field(ix_keyword *k, const char *name, size_t len, ns_err *err);
/* Whether name[0..len) is one of the keyword fields. */
int ix_keyword_is_field(const ix_keyword *k, const char *name, size_t len);

/* Appends the keys of the value v[0..len) (type: ns_val_type of
 * ns_docrec.h; valid UTF-8, an array's JSON text without white space
 * outside strings) of field name[0..nlen) to out, each as a varint length
 * and the key's bytes; *n_long counts the values skipped for being too
 * long.  NS_E_NOMEM. */
ns_rc ix_keyword_keys(ix_keyword *k, const char *name, size_t nlen, int type, const char *v,
                      size_t len, ns_buf *out, size_t *n_long);

#endif
