/* ix_source: reads the INPUT arguments of nindex into documents.
 *
 *  - a directory is walked recursively in byte order of names (hidden
 *    entries and symbolic links to directories skipped); `.txt`/`.md` files
 *    are plain-text documents, `.jsonl`/`.ndjson` files JSON Lines, other
 *    files are ignored;
 *  - a file named directly is JSON Lines if it ends in .jsonl/.ndjson, else
 *    plain text;
 *  - "-" is JSON Lines on standard input;
 *  - a name ending in .zst more (`x.jsonl.zst`, `y.txt.zst`) is read through
 *    zstd streaming decompression, and so is standard input that starts
 *    with the zstd frame magic.  Corrupt or truncated compressed data is a
 *    warning naming the file; what was decompressed before it is kept.
 * Plain text: title = first non-empty line, body = the rest; id = path
 * relative to the INPUT directory (or the path as given for a file).
 * JSON Lines: members id (string or number), title, body (or text), date,
 * url.  Every problem is a warning through ix_build_warn. */
#ifndef IX_SOURCE_H
#define IX_SOURCE_H

#include <stdint.h>

#include "ix_build.h"
#include "ns_err.h"

/* Returns an error only when the build itself fails (memory, the index
 * files); unreadable or malformed input is a warning. */
ns_rc ix_source_add(ix_build *b, const char *input, ns_err *err);

/* Bytes of input files that ix_source_add(input) would read (for progress
 * and ETA); UINT64_MAX when unknown (a pipe on standard input). */
uint64_t ix_source_size(const char *input);

#endif
