/* sr_output: renders one hit as text (optionally coloured), a JSON line or
 * a TREC run line.  Pure formatting into a buffer: sr_main writes it.
 *
 * Stored text is untrusted (a crawled corpus): the text format shows ids,
 * dates, titles and snippets through ns_term (control and bidi characters
 * escaped, ids unambiguous), so only nsearch's own colour codes reach the
 * terminal; the TREC format percent-encodes the id and qid so every line
 * has exactly six fields; JSON escapes as JSON does. */
#ifndef SR_OUTPUT_H
#define SR_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "ns_buf.h"
#include "sr_index.h"
#include "sr_snippet.h"

typedef enum { SR_FMT_TEXT, SR_FMT_JSON, SR_FMT_TREC } sr_format;

typedef struct sr_out_opts {
    sr_format fmt;
    bool color;      /* text only: ANSI bold/colour for titles and matches */
    const char *qid; /* NULL unless answering a query file */
    bool utf16;      /* JSON hits: also "highlights_utf16" (UTF-16 code units) */
    const char *fields; /* JSON hits: the other fields to write, a comma-separated
                         * list of names; NULL: all; "": none (borrowed) */
} sr_out_opts;

typedef struct sr_out_hit {
    size_t rank; /* from 1 */
    double score;
    const sr_index *ix; /* the document's index (its field names) */
    const sr_doc *doc;  /* its head; with the body when a value is in the frame */
    const sr_snippet *title;   /* text: whole title with highlights; NULL: the
                                * stored title, white space folded, unmarked */
    const sr_snippet *snippet; /* the passage; NULL: none (no snippet line in
                                * text, no snippet/highlights members in JSON) */
    const char *explain; /* NULL, or --explain: a JSON object (the member "explain")
                          * or text lines (after the snippet), as sr_exec_explain makes */
    size_t explain_len;
} sr_out_hit;

/* Appends one hit.  JSON: rank, id, title, score, date and url when not
 * empty, "fields" (the document's other fields that o->fields names, when
 * there are any: strings as JSON strings, other values as stored), then
 * snippet and highlights (and highlights_utf16 with o->utf16) unless
 * h->snippet is NULL.  Text: the snippet line only when h->snippet is not
 * NULL and not empty.  NS_E_NOMEM, NS_E_CORRUPT (err set: a damaged
 * record). */
ns_rc sr_output_hit(ns_buf *out, const sr_out_opts *o, const sr_out_hit *h, ns_err *err);

/* Appends a whole stored document (nsearch --get): JSON, one object with
 * id, title, date and url when not empty, body, and the other fields in
 * stored order; text, one "name: value" line per field (values made
 * terminal-safe, the body's lines indented), then an empty line; TREC is
 * JSON.  d must have its body.  NS_E_NOMEM, NS_E_CORRUPT (err set). */
ns_rc sr_output_doc(ns_buf *out, const sr_out_opts *o, const sr_index *ix, const sr_doc *d,
                    ns_err *err);

/* The text format's header line of a query from a query file,
 * "# query QID: TEXT" (nothing in the other formats). */
ns_rc sr_output_query(ns_buf *out, const sr_out_opts *o, const char *text, size_t len);

#endif
