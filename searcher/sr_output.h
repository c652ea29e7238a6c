/* sr_output: renders one hit as text (optionally coloured), a JSON line or
 * a TREC run line.  Pure formatting into a buffer: sr_main writes it. */
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
} sr_out_opts;

typedef struct sr_out_hit {
    size_t rank; /* from 1 */
    double score;
    const sr_doc *doc;
    const sr_snippet *title; /* whole title with highlights */
    const sr_snippet *snippet;
} sr_out_hit;

ns_rc sr_output_hit(ns_buf *out, const sr_out_opts *o, const sr_out_hit *h);

#endif
