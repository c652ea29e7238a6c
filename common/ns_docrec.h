/* ns_docrec: one document's record in the document table (file `docs`,
 * FORMAT.md "docs"), and the layout of its docstore frame.
 *
 * Record = id, title, date, url (each a varint length and UTF-8 bytes),
 * the body's length, then the other members of the document ("extra"
 * fields): a count, and per field its name's ordinal in the table's name
 * list, a value type, the value's length and, unless the value is kept in
 * the docstore frame (NS_VAL_IN_FRAME), its bytes.  The frame holds the body
 * and then, in record order, the values kept there.
 *
 * The indexer encodes, the searcher decodes; the layout lives here once. */
#ifndef NS_DOCREC_H
#define NS_DOCREC_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"

enum { NS_FIELD_ID, NS_FIELD_TITLE, NS_FIELD_BODY, NS_FIELD_DATE, NS_FIELD_URL, NS_FIELD_COUNT };

/* Value types of extra fields (the low 7 bits of the type byte).  A string
 * is its decoded UTF-8; every other type is its JSON text without white
 * space outside strings (`12.5`, `true`, `null`, `["a","b"]`). */
typedef enum {
    NS_VAL_STRING = 1,
    NS_VAL_NUMBER = 2,
    NS_VAL_BOOL = 3,
    NS_VAL_NULL = 4,
    NS_VAL_ARRAY = 5,
    NS_VAL_OBJECT = 6
} ns_val_type;
#define NS_VAL_TYPE_MAX 6
/* Type flag: the value is in the document's docstore frame, after the body
 * and the earlier values kept there. */
#define NS_VAL_IN_FRAME 0x80u

typedef struct ns_docval {
    uint32_t field;   /* ordinal in the table's name list */
    uint8_t type;     /* ns_val_type, | NS_VAL_IN_FRAME */
    const char *v;    /* borrowed; NULL when NS_VAL_IN_FRAME (decoding) */
    size_t len;
} ns_docval;

typedef struct ns_docrec {
    /* id, title, date, url: borrowed from the record or the caller.  Only
     * len[NS_FIELD_BODY] is in the record (f[NS_FIELD_BODY] is the caller's). */
    const char *f[NS_FIELD_COUNT];
    uint64_t len[NS_FIELD_COUNT];
    uint64_t n_extra;
    const uint8_t *extra, *extra_end; /* decoding: the encoded extra fields */
} ns_docrec;

/* Appends the record of r (its f[] and len[] but the body's bytes) and its
 * n_vals extra fields vals (types with NS_VAL_IN_FRAME where the value goes
 * to the frame).  NS_E_NOMEM. */
ns_rc ns_docrec_put(ns_buf *out, const ns_docrec *r, const ns_docval *vals, size_t n_vals);
/* Decodes the record [p, end) (exactly one record) into r; the extra fields
 * are left encoded in r->extra..r->extra_end for ns_docrec_next_val.
 * Returns 0, or -1 when the bytes are not a record (corrupt). */
int ns_docrec_get(const uint8_t *p, const uint8_t *end, ns_docrec *r);
/* Decodes the next extra field from [*p, end) into v, advancing *p.
 * Returns 0, or -1 when corrupt (a bad type, a length past end). */
int ns_docval_get(const uint8_t **p, const uint8_t *end, ns_docval *v);

#endif
