/* sr_info: what an index holds (nsearch --info): format version, counts,
 * analyzer, fields and file sizes, as text for people or as one JSON
 * object for scripts.
 *
 * Its own file because it is the one place that describes a whole index
 * to the user; it writes into a buffer and never prints (sr_main prints).
 * The keyword fields' counts come from a walk of the dictionary's keyword
 * keys, which sort before every analysed term (ns_keyword.h), so the walk
 * stops at the first analysed term. */
#ifndef SR_INFO_H
#define SR_INFO_H

#include "ns_buf.h"
#include "ns_err.h"
#include "sr_index.h"

typedef enum { SR_INFO_TEXT, SR_INFO_JSON } sr_info_format;

/* Appends the description of ix to out: lines of text, or one JSON object
 * and a newline.  Stored names are escaped for a terminal in the text
 * form (ns_term.h) and as JSON strings in the other.  NS_E_CORRUPT (a
 * damaged dictionary), NS_E_NOMEM; out holds nothing useful then. */
ns_rc sr_info_write(const sr_index *ix, sr_info_format fmt, ns_buf *out, ns_err *err);

/* Appends the description of the shards parts[0..n) of one merged set
 * (n >= 1, by shard number; the caller checked that they are one set):
 * the set's figures (its documents, terms, tokens and average length from
 * `global`; postings and bytes summed over the shards given), then each
 * shard's sr_info_write.  Text: a "set:" block, then each shard's block
 * after a blank line; JSON: one object {"set", "shards", "shards_open",
 * "documents", "read", "terms", "tokens", "avgdl", "postings", "bytes",
 * "indexes": [each shard's object]} and a newline.  Errors as
 * sr_info_write. */
ns_rc sr_info_write_set(const sr_index *const *parts, size_t n, sr_info_format fmt, ns_buf *out,
                        ns_err *err);

#endif
