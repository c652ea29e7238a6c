/* ns_docrec: one stored document record inside a docstore block.
 *
 * Record = five fields, each varint length + bytes: id, title, body, date,
 * url (FORMAT.md "docstore").  The indexer encodes, the searcher decodes;
 * the layout lives here once. */
#ifndef NS_DOCREC_H
#define NS_DOCREC_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"

enum { NS_FIELD_ID, NS_FIELD_TITLE, NS_FIELD_BODY, NS_FIELD_DATE, NS_FIELD_URL, NS_FIELD_COUNT };

typedef struct ns_docrec {
    const char *f[NS_FIELD_COUNT]; /* borrowed from the block or the caller */
    size_t len[NS_FIELD_COUNT];
} ns_docrec;

ns_rc ns_docrec_put(ns_buf *out, const ns_docrec *r);
/* Decodes one record from [*p, end), advancing *p.  Returns 0, or -1 when
 * the record runs past end (corrupt block). */
int ns_docrec_get(const uint8_t **p, const uint8_t *end, ns_docrec *r);

#endif
