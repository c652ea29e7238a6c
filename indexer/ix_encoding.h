/* ix_encoding: converts text of a declared encoding to UTF-8, with glibc's
 * iconv (nindex --encoding NAME, and UTF-16/UTF-32 text found by its
 * byte-order mark).  Its own file because it is the only user of iconv:
 * the readers (ix_source) see UTF-8 only.
 *
 * Conversion is streaming: ix_enc_convert takes the input in chunks of any
 * size and keeps a sequence cut by a chunk's end for the next call, so a
 * reader needs no more memory than one chunk and what it keeps of the
 * output.  A sequence that is not valid in the encoding (a lone surrogate
 * in UTF-16, a byte no character has in SHIFT_JIS, an odd last byte in
 * UTF-16) becomes U+FFFD, one per code unit (1 byte, or 2 for UTF-16, 4
 * for UTF-32), and is counted; conversion goes on after it.
 *
 *     ix_enc *e;  ix_enc_new("latin1", &e, &err);
 *     ix_enc_reset(e);                       // each new input
 *     for each chunk: ix_enc_convert(e, in, len, last_chunk, &out, &used);
 *                     keep in[used..len) before the next chunk
 *     ix_enc_bad(e, &first)                  // invalid sequences seen
 */
#ifndef IX_ENCODING_H
#define IX_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"

typedef struct ix_enc ix_enc;

/* Is name a spelling of UTF-8 ("UTF-8", "utf8", "utf_8": ASCII case, '-'
 * and '_' ignored)?  Text in UTF-8 needs no conversion. */
int ix_enc_is_utf8(const char *name);

/* Opens a converter from name (any name glibc's iconv_open knows: latin1,
 * ISO-8859-15, windows-1252, SHIFT_JIS, UTF-16, ...; `iconv -l` lists
 * them) to UTF-8.  NS_E_ARG with a message naming it when iconv does not
 * know it, NS_E_NOMEM.  Returns: owned *out, free with ix_enc_free(). */
ns_rc ix_enc_new(const char *name, ix_enc **out, ns_err *err);
void ix_enc_free(ix_enc *e); /* accepts NULL */

/* Returns: borrowed, valid until ix_enc_free(e); the name as given. */
const char *ix_enc_name(const ix_enc *e);

/* Starts a new input: clears the shift state and the counts. */
void ix_enc_reset(ix_enc *e);

/* Converts in[0..len) and appends the UTF-8 to out.  *used: input bytes
 * consumed; less than len only when the input ends inside a sequence and
 * !final (the caller gives in[*used..len) again, followed by more input).
 * With final, such a cut sequence is invalid.  NS_E_NOMEM (out keeps what
 * was converted). */
ns_rc ix_enc_convert(ix_enc *e, const uint8_t *in, size_t len, int final, ns_buf *out,
                     size_t *used);

/* Invalid sequences replaced since ix_enc_reset, and where the first was:
 * *in_off its offset in the input, *out_off the offset of its U+FFFD in
 * the output (both counted from ix_enc_reset; out_off counts every byte
 * appended by ix_enc_convert since).  Either pointer may be NULL. */
uint64_t ix_enc_bad(const ix_enc *e, uint64_t *in_off, uint64_t *out_off);

#endif
