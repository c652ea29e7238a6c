/* ns_json: a strict JSON reader for one object per line (JSON Lines), and
 * the string escaping used by every JSON writer in the tree.
 *
 * Why our own: the indexer reads hundreds of MB of JSON Lines and only needs
 * a few top-level members of each object; a DOM library (jansson, cJSON)
 * allocates per node and would dominate indexing time.  The reader validates
 * the whole object (RFC 8259) but decodes only the members asked for. */
#ifndef NS_JSON_H
#define NS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"

typedef enum {
    NS_JSON_ABSENT = 0,
    NS_JSON_NULL,
    NS_JSON_BOOL,
    NS_JSON_NUMBER,
    NS_JSON_STRING,
    NS_JSON_ARRAY,
    NS_JSON_OBJECT
} ns_json_type;

typedef struct ns_json_field {
    const char *name;  /* in: member name wanted (NUL-terminated, exact match) */
    ns_json_type type; /* out: NS_JSON_ABSENT if not present */
    size_t off, len;   /* out: value bytes at scratch->data + off:
                          STRING: the decoded UTF-8 (escapes resolved);
                          NUMBER/BOOL/NULL/ARRAY/OBJECT: the JSON text
                          without white space outside strings */
    unsigned n_repaired; /* out: invalid UTF-8 bytes or lone \u surrogates
                            in this string replaced by U+FFFD */
} ns_json_field;

/* Parses exactly one JSON object from line[0..len) (surrounding whitespace
 * allowed, nothing else).  For each top-level member whose name matches a
 * field's name, fills the field (a repeated member: the last one wins).
 * Nested values are validated and skipped.  scratch is reset and receives
 * the decoded values; offsets stay valid until scratch is next modified.
 *
 * Errors: NS_E_CORRUPT with err->msg like "column 17: expected ':' after
 * member name" (column = 1-based byte offset); NS_E_NOMEM.  Nesting deeper
 * than NS_JSON_MAX_DEPTH is an error (no recursion blow-up). */
#define NS_JSON_MAX_DEPTH 64
ns_rc ns_json_extract(const char *line, size_t len, ns_json_field *fields, size_t n_fields,
                      ns_buf *scratch, ns_err *err);

/* A top-level member that no field asked for (ns_json_extract_rest). */
typedef struct ns_json_member {
    size_t name_off, name_len; /* the decoded name at scratch->data + name_off */
    ns_json_type type;
    size_t off, len;     /* the value, as in ns_json_field (non-strings as
                            JSON text without white space outside strings) */
    unsigned n_repaired; /* U+FFFD repairs in the name and a string value */
} ns_json_member;

/* ns_json_extract, and every other top-level member in input order into
 * rest[0..max_rest) (repeated names included: the caller decides).
 * *n_rest counts them all, so *n_rest > max_rest means some were dropped.
 * Arrays and objects are copied as their JSON text with the white space
 * outside strings removed; invalid UTF-8 inside them is left for the caller
 * to repair.  The offsets are into scratch, like the fields'. */
ns_rc ns_json_extract_rest(const char *line, size_t len, ns_json_field *fields, size_t n_fields,
                           ns_json_member *rest, size_t max_rest, size_t *n_rest, ns_buf *scratch,
                           ns_err *err);

/* Appends s[0..len) as a JSON string literal (with the quotes): escapes
 * '"', '\\', control characters (\n, \t, ... or \u00XX); invalid UTF-8
 * bytes become \ufffd. */
ns_rc ns_json_put_string(ns_buf *out, const char *s, size_t len);

#endif
