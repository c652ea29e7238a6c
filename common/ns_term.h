/* ns_term: makes text from an index (crawled titles, bodies, ids) safe to
 * show on a terminal or to write into a white-space-separated record.
 *
 * A stored title can hold ESC, BEL, CR or a C1 control: written raw, it can
 * clear the screen, set the window title or overwrite the line of whoever
 * reads the results; a bidi control (U+202E, ...) reorders what they see
 * ("Trojan Source").  Its own file because every program that prints stored
 * or user text needs the same definition of "unsafe" (as ls, git and rg do).
 *
 * Unsafe: the C0 controls U+0000-U+001F, DEL, the C1 controls
 * U+0080-U+009F, the bidi controls U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069, the separators U+2028 and U+2029, and bytes that are not
 * valid UTF-8.
 *
 *   NS_TERM_TEXT   prose (titles, snippets): tab, LF, VT, FF and CR become
 *                  one space; other unsafe bytes are shown as \xHH, unsafe
 *                  code points as \uHHHH (lowercase hex); '\' is kept.
 *   NS_TERM_NAME   identifiers (ids, dates, qids): every unsafe byte as
 *                  \xHH (white space controls too), code points as \uHHHH,
 *                  and '\' as "\\", so the shown name maps back to exactly
 *                  one stored name.  A space is kept.
 *   NS_TERM_TOKEN  one field of a white-space-separated record (TREC): each
 *                  byte of an unsafe character, of white space (space
 *                  included) and '%' as %HH (uppercase hex, RFC 3986): the
 *                  result has no white space and percent-decodes back to
 *                  the input; the empty string is written as a lone "%"
 *                  (never the output of an encoding) so the field stays. */
#ifndef NS_TERM_H
#define NS_TERM_H

#include <stddef.h>

#include "ns_buf.h"

typedef enum { NS_TERM_TEXT, NS_TERM_NAME, NS_TERM_TOKEN } ns_term_style;

/* Appends s[0..len) to out in the given style.  Errors: NS_E_NOMEM. */
ns_rc ns_term_put(ns_buf *out, const char *s, size_t len, ns_term_style style);

#endif
