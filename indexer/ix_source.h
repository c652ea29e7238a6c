/* ix_source: reads the INPUT arguments of nindex into documents.
 *
 *  - a directory is walked recursively in byte order of names; `.txt`/`.md`
 *    files are plain-text documents, `.jsonl`/`.ndjson` files JSON Lines
 *    (extensions compared without regard to case: `.TXT`, `.Md`); hidden
 *    entries, files with other extensions, and symbolic links to
 *    directories or to nothing are skipped and counted (links with a
 *    warning, IX_WARN_LINK);
 *  - a file named directly, or "-" (standard input), is read as its name
 *    says (.jsonl/.ndjson: JSON Lines; .txt/.md: plain text), else as its
 *    content says: JSON Lines when its first line is a JSON object, plain
 *    text otherwise (IX_FMT_AUTO); IX_FMT_JSONL / IX_FMT_TEXT force one
 *    format for the files and standard input named as INPUTs (directory
 *    walks always go by extension);
 *  - a name ending in .zst more (`x.jsonl.zst`, `y.txt.zst`) is read through
 *    zstd streaming decompression, and so is any other input that starts
 *    with the zstd frame magic.  Corrupt or truncated compressed data is a
 *    warning naming the file; what was decompressed before it is kept;
 *  - a UTF-8 byte-order mark at the start of any input is dropped; plain
 *    text starting with a UTF-16 or UTF-32 byte-order mark is converted to
 *    UTF-8 (ix_encoding), and so is plain text of another declared
 *    encoding (ix_source_set_encoding);
 *  - a regular file reached twice (`A/a.txt` and `./A/a.txt`, or a
 *    directory and a file inside it) is read once: same device and inode.
 *
 * Ids.  Plain text: the path relative to the INPUT directory (or the path as
 * given for a file) when there is one INPUT; with several INPUTs, the path
 * as given on the command line (`A/a.txt`, `B/a.txt`), so that files of two
 * directories never share an id.  Standard input read as plain text has the
 * id "stdin".  JSON Lines: the member id (string or number); without it,
 * BASE:LINE where BASE is the id the file would have as plain text
 * ("stdin" for standard input), e.g. `a.jsonl:17`.
 *
 * Plain text: title = first non-empty line, body = the rest.  A UTF-8 text
 * file with NUL bytes in its first 8 KiB, or with more than 1 byte in 8 of
 * its first 64 KiB in invalid UTF-8 sequences, is binary: warned and
 * skipped; so is converted text with U+0000 in its first 8 KiB of UTF-8.
 * The size limit (NS_MAX_DOC_BYTES + NS_MAX_FIELD_BYTES) is on the UTF-8
 * text: converted text is cut there.
 * JSON Lines: members id, title, body (or text), date, url.  Every problem
 * is a warning through ix_build_warn. */
#ifndef IX_SOURCE_H
#define IX_SOURCE_H

#include <stdint.h>

#include "ix_build.h"
#include "ns_err.h"

typedef enum { IX_FMT_AUTO, IX_FMT_JSONL, IX_FMT_TEXT } ix_input_format;

/* What directory walks and repeated inputs skipped without a warning (links
 * not followed are warnings, IX_WARN_LINK, and also counted here). */
typedef enum {
    IX_SKIP_OTHER_EXT, /* a file whose extension is not indexed */
    IX_SKIP_HIDDEN,    /* a hidden entry (name starting with '.'), not entered */
    IX_SKIP_LINK_DIR,  /* a symbolic link to a directory, not followed */
    IX_SKIP_DANGLING,  /* a symbolic link to nothing */
    IX_SKIP_SPECIAL,   /* a device, FIFO or socket inside a directory */
    IX_SKIP_TWICE,     /* a file already read under another path */
    IX_SKIP_COUNT
} ix_skip_kind;

typedef struct ix_source ix_source;

/* n_inputs: how many INPUTs the command line has (it decides the id rule,
 * see above).  Returns: owned *out, free with ix_source_free(); b is
 * borrowed and must outlive it. */
ns_rc ix_source_new(ix_build *b, ix_input_format fmt, int n_inputs, ix_source **out, ns_err *err);
void ix_source_free(ix_source *s);

/* Plain text (not JSON Lines, which is UTF-8: RFC 8259) is read in the
 * encoding name, any name glibc's iconv_open knows (NULL or a spelling of
 * UTF-8: UTF-8, the default), converted to UTF-8 as it is read; a sequence
 * invalid in it becomes U+FFFD with a warning (IX_WARN_ENCODING) naming the
 * file and the line of the first.  A byte-order mark wins over it: UTF-8,
 * UTF-16LE/BE, UTF-32LE/BE.  NS_E_ARG naming an unknown encoding. */
ns_rc ix_source_set_encoding(ix_source *s, const char *name, ns_err *err);

/* Reads one INPUT.  Returns an error only when the build itself fails
 * (memory, the index files); unreadable or malformed input inside it is a
 * warning.  The INPUT itself is checked first by ix_source_check. */
ns_rc ix_source_read(ix_source *s, const char *input, ns_err *err);

/* Counts of what was skipped so far, per ix_skip_kind. */
void ix_source_skipped(const ix_source *s, uint64_t out[IX_SKIP_COUNT]);

/* Checks that INPUT exists and can be read, before any work: NS_E_NOTFOUND
 * for a missing path, NS_E_IO for one that cannot be read (permissions, a
 * directory that cannot be listed), with a message naming it. */
ns_rc ix_source_check(const char *input, ns_err *err);

/* One INPUT with the default rules (IX_FMT_AUTO, one INPUT): for library
 * callers and tests. */
ns_rc ix_source_add(ix_build *b, const char *input, ns_err *err);

/* Bytes of input files that ix_source_read(input) would read (for progress
 * and ETA); UINT64_MAX when unknown (a pipe on standard input). */
uint64_t ix_source_size(const char *input);

/* Parses "auto", "jsonl" or "text"; -1 for anything else. */
int ix_input_format_parse(const char *name, ix_input_format *out);

#endif
